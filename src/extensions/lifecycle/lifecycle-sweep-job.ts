// The lifecycle's recurring job (registered with the worker host by src/workers.ts): once a minute, for every tenant,
// lift the timed locks whose end has passed (a real state change, as if an administrator had unlocked: the version
// moves, so that reads, lists and filters show the account active) and delete sign-in history older than the tenant's
// `signIns.retentionDays`. A sign-in never waits for it: POST /Users/.verify-credentials lifts a due lock itself.
// Every step is idempotent, so a rerun after a takeover simply starts over.
import { systemContext } from '../../auth/request-context';
import type { JobType } from '../../jobs/job-type';
import { forEachTenant } from '../../jobs/tenant-sweep';
import type { TenantStore } from '../../store/tenant-store';
import type { LifecycleService } from './lifecycle-service';

export const LIFECYCLE_SWEEP_JOB = 'lifecycle-sweep';
/** How often timed locks are looked for: a lock shows as ended within this much of its `lockedUntil`. */
export const LIFECYCLE_SWEEP_EVERY_MS = 60_000;

export interface LifecycleSweepDeps {
  readonly tenants: Pick<TenantStore, 'listTenants'>;
  readonly lifecycle: Pick<LifecycleService, 'sweep'>;
}

export function lifecycleSweepJob(deps: LifecycleSweepDeps): JobType {
  return {
    type: LIFECYCLE_SWEEP_JOB,
    async run({ job, checkpoint }) {
      let unlocked = 0;
      let signInsDeleted = 0;
      await forEachTenant(deps.tenants, checkpoint, async (tenantId) => {
        const swept = await deps.lifecycle.sweep(systemContext(tenantId, `${LIFECYCLE_SWEEP_JOB}:${job.id}`));
        unlocked += swept.unlocked;
        signInsDeleted += swept.signInsDeleted;
      });
      return { unlocked, signInsDeleted };
    },
  };
}
