// The invitations' recurring job (registered with the worker host by src/workers.ts): once a minute, for every tenant,
// expire the pending invitations whose expiry has passed (and remove the pending users they created, as a cancel
// does). An accept never waits for it: it checks the expiry itself. Each expiry is a compare-and-set, so a rerun after
// a takeover, or a second instance, changes nothing twice.
import { systemContext } from '../../auth/request-context';
import type { JobType } from '../../jobs/job-type';
import { forEachTenant } from '../../jobs/tenant-sweep';
import type { TenantStore } from '../../store/tenant-store';
import type { InvitationsService } from './invitations-service';

export const INVITATIONS_SWEEP_JOB = 'invitations-sweep';
/** How often expired invitations are looked for: an invitation shows as expired within this much of its expiry. */
export const INVITATIONS_SWEEP_EVERY_MS = 60_000;

export interface InvitationsSweepDeps {
  readonly tenants: Pick<TenantStore, 'listTenants'>;
  readonly invitations: Pick<InvitationsService, 'expireDue'>;
}

export function invitationsSweepJob(deps: InvitationsSweepDeps): JobType {
  return {
    type: INVITATIONS_SWEEP_JOB,
    async run({ job, checkpoint }) {
      let expired = 0;
      await forEachTenant(deps.tenants, checkpoint, async (tenantId) => {
        expired += await deps.invitations.expireDue(systemContext(tenantId, `${INVITATIONS_SWEEP_JOB}:${job.id}`));
      });
      return { expired };
    },
  };
}
