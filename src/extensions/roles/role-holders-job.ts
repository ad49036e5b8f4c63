// The job that moves a role's holders after a rename or a forced delete (holder-updates.ts enqueues it): batch after
// batch of role-holders.ts, checkpointing the last user id after each, so that a takeover or a restart resumes there.
// A batch may be done twice after a takeover; each holder's delta is a PATCH that changes nothing the second time.
import { systemContext } from '../../auth/request-context';
import { JobFailure, type JobType } from '../../jobs/job-type';
import { ROLE_HOLDERS_JOB } from './holder-updates';
import type { RoleHolders } from './role-holders';

interface RoleHoldersInput {
  readonly roleId: string;
  readonly from: string;
}

interface RoleHoldersCheckpoint {
  readonly after?: string;
  readonly changed: number;
}

export function roleHoldersJob(holders: RoleHolders): JobType {
  return {
    type: ROLE_HOLDERS_JOB,
    leaseMs: 60_000,
    async run({ job, checkpoint }) {
      const input = parseInput(job.input);
      const context = systemContext(job.tenantId, job.id);
      const resumed = job.checkpoint as RoleHoldersCheckpoint | undefined;
      let after = resumed?.after;
      let changed = resumed?.changed ?? 0;
      let processed = job.progress?.processed ?? 0;
      for (;;) {
        const batch = await holders.runBatch(context, input, after);
        processed += batch.processed;
        changed += batch.changed;
        if (batch.next === undefined) return { holdersChanged: changed, holdersSeen: processed };
        after = batch.next;
        await checkpoint({ checkpoint: { after, changed }, progress: { processed } });
      }
    },
  };
}

function parseInput(input: unknown): RoleHoldersInput {
  const { roleId, from } = (input ?? {}) as Partial<RoleHoldersInput>;
  if (typeof roleId !== 'string' || typeof from !== 'string') throw new JobFailure('The job names no role id and former role name', 'invalid_input');
  return { roleId, from };
}
