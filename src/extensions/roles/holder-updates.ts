// Starting the move of a role's holders after a rename or a forced delete (README "Roles"). The move is always
// recorded as a job first (durable: an instance that dies half-way leaves a job another one resumes). Then:
//   - up to INLINE_HOLDERS holders: the request moves them itself, batch by batch, and answers once all are moved;
//     its job, due a little later, finds nobody left and ends at once (it is there for the crash in between);
//   - more holders: the job is due at once, a worker moves them, and the request answers without waiting
//     (a forced delete answers 202 with the job).
// While a move is unfinished, its former name belongs to it: users still holding that name are the old role's holders,
// so no other role may take the name (movingAway) until the job ends, or its next batch would move the new role's
// holders too. A request that moved everyone itself cancels its safety-net job, which frees the name at once.
import type { RequestContext } from '../../auth/request-context';
import type { JobQueue } from '../../jobs/job-queue';
import { JobStatus, type JobPosition, type JobRecord, type JobStore } from '../../store/job-store';
import type { RoleCatalogue } from './role-catalogue';
import type { HolderChange, RoleHolders } from './role-holders';

/** The job type that moves a role's holders (src/extensions/roles/role-holders-job.ts runs it). */
export const ROLE_HOLDERS_JOB = 'roles.move-holders';
/** The most holders a request moves itself before it answers. */
export const INLINE_HOLDERS = 100;
/** How long the safety-net job of an inline move waits before it looks for holders left behind. */
const SAFETY_NET_DELAY_MS = 60_000;

export type HolderUpdate =
  /** Every holder was moved before the answer. */
  | { readonly kind: 'done'; readonly holders: number }
  /** A worker moves them; poll the job. */
  | { readonly kind: 'queued'; readonly holders: number; readonly job: JobRecord };

export interface HolderUpdatesDeps {
  readonly catalogue: Pick<RoleCatalogue, 'holderCount'>;
  readonly holders: RoleHolders;
  readonly jobs: Pick<JobQueue, 'enqueue'>;
  /** The job records: the unfinished moves (movingAway), and the safety net cancelled after an inline move. */
  readonly jobRecords: Pick<JobStore, 'list' | 'cancel'>;
  readonly clock?: () => Date;
  readonly inlineHolders?: number;
}

export interface HolderUpdates {
  /**
   * Claims the role's name for its move before the role is deleted (a job due a minute later: the safety net, and the
   * claim movingAway sees), so that no role of that name can be created between the delete and the move, whose holders
   * the move would take it from. Cancel it when the delete does not happen; else hand it to start().
   */
  reserve(context: RequestContext, change: HolderChange): Promise<JobRecord>;
  /** Moves the holders (after a rename, or a delete with the job reserve() made); the job is cancelled once it is not needed. */
  start(context: RequestContext, change: HolderChange, reserved?: JobRecord): Promise<HolderUpdate>;
  /** Ends a reservation whose delete did not happen. */
  release(context: RequestContext, reserved: JobRecord): Promise<void>;
  /** The unfinished move of another role's holders off `name` (compared ignoring case, as role names are), if any. */
  movingAway(tenantId: string, name: string, roleId: string): Promise<JobRecord | undefined>;
}

/** Unfinished moves read per page: a tenant has a handful at most, so one page is the usual case. */
const MOVES_PAGE = 100;

export function createHolderUpdates(deps: HolderUpdatesDeps): HolderUpdates {
  const clock = deps.clock ?? (() => new Date());
  const inlineHolders = deps.inlineHolders ?? INLINE_HOLDERS;
  const enqueue = async (context: RequestContext, change: HolderChange, runAfter?: Date) =>
    (
      await deps.jobs.enqueue(context.tenantId, {
        type: ROLE_HOLDERS_JOB,
        input: { roleId: change.roleId, from: change.from, requestedBy: context.actor.label, requestId: context.requestId },
        ...(runAfter ? { runAfter } : {}),
      })
    ).job;
  const safetyNetDue = () => new Date(clock().getTime() + SAFETY_NET_DELAY_MS);
  const cancel = async (context: RequestContext, job: JobRecord) => {
    await deps.jobRecords.cancel(context.tenantId, job.id, clock().toISOString());
  };

  return {
    // Should the process die before the delete, the job finds the role still under its name: nothing to move, and it
    // ends (role-holders.ts), which frees the name.
    reserve: (context, change) => enqueue(context, change, safetyNetDue()),

    release: cancel,

    async start(context, change, reserved) {
      const holders = await deps.catalogue.holderCount(context.tenantId, change.from);
      if (holders === 0) {
        if (reserved) await cancel(context, reserved);
        return { kind: 'done', holders };
      }
      const inline = holders <= inlineHolders;
      if (!inline) {
        // Due at once; the reservation is cancelled only after it, so that the name stays claimed throughout.
        const job = await enqueue(context, change);
        if (reserved) await cancel(context, reserved);
        return { kind: 'queued', holders, job };
      }
      const job = reserved ?? (await enqueue(context, change, safetyNetDue()));
      let after: string | undefined;
      do {
        after = (await deps.holders.runBatch(context, change, after)).next;
      } while (after !== undefined);
      // Everyone is moved: the safety net has nothing left to do, and while queued it would hold the name.
      await cancel(context, job);
      return { kind: 'done', holders };
    },

    async movingAway(tenantId, name, roleId) {
      const wanted = name.toLowerCase();
      for (const status of [JobStatus.queued, JobStatus.running]) {
        let after: JobPosition | undefined;
        do {
          const page = await deps.jobRecords.list(tenantId, { limit: MOVES_PAGE, status, type: ROLE_HOLDERS_JOB, after });
          const move = page.jobs.find((job) => movesAwayFrom(job, wanted, roleId));
          if (move) return move;
          after = page.next;
        } while (after !== undefined);
      }
      return undefined;
    },
  };
}

/** Whether `job` moves the holders of a role other than `roleId` off the name `wanted` (lower-cased). */
function movesAwayFrom(job: JobRecord, wanted: string, roleId: string): boolean {
  const { roleId: movedRole, from } = (job.input ?? {}) as { roleId?: unknown; from?: unknown };
  // The role's own move never blocks it: renaming back is followed to the latest name (role-holders.ts).
  return movedRole !== roleId && typeof from === 'string' && from.toLowerCase() === wanted;
}
