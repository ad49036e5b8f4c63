// The built-in recurring job: once an hour (for the whole deployment: scheduled with an idempotency key per hour, so
// one instance runs it), it deletes what has outlived its use:
//   - blobs whose expiry passed (their content included);
//   - each tenant's finished jobs older than its `jobs.retentionDays` setting, and the server's own after 7 days;
//   - outbox messages delivered more than 7 days ago (dead letters stay until an operator requeues them);
//   - Idempotency-Key records and rate-limit counters that expired (both read as absent once expired, so this only
//     reclaims their space).
// Every step deletes in bounded batches, so one run never holds a long transaction or reads a whole collection.
import type { SettingsReader } from '../settings/settings-reader';
import type { BlobStore } from '../store/blob-store';
import type { IdempotencyStore } from '../store/idempotency-store';
import { SYSTEM_TENANT_ID, type JobStore } from '../store/job-store';
import type { OutboxStore } from '../store/outbox-store';
import type { RateLimitStore } from '../store/rate-limit-store';
import type { TenantStore } from '../store/tenant-store';
import type { JobType } from './job-type';
import { drainBatches, forEachTenant } from './tenant-sweep';

export const HOUSEKEEPING_JOB = 'housekeeping';
export const HOUSEKEEPING_EVERY_MS = 60 * 60 * 1000;
/** How long the server's own finished jobs (housekeeping, rebuilds) and delivered outbox messages are kept. */
export const SYSTEM_RETENTION_DAYS = 7;
const BATCH = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface HousekeepingDeps {
  readonly tenants: Pick<TenantStore, 'listTenants'>;
  readonly jobs: Pick<JobStore, 'purgeFinished'>;
  readonly outbox: Pick<OutboxStore, 'purgeDelivered'>;
  readonly blobs: Pick<BlobStore, 'deleteExpired'>;
  readonly idempotency: Pick<IdempotencyStore, 'purgeExpired'>;
  readonly rateLimits: Pick<RateLimitStore, 'purgeExpired'>;
  readonly settings: SettingsReader;
}

const drain = (step: () => Promise<number>): Promise<number> => drainBatches(BATCH, step);

export function housekeepingJob(deps: HousekeepingDeps): JobType {
  return {
    type: HOUSEKEEPING_JOB,
    async run({ clock, checkpoint }) {
      const now = clock();
      const before = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
      const blobs = await drain(() => deps.blobs.deleteExpired(now.toISOString(), BATCH));
      const outbox = await drain(() => deps.outbox.purgeDelivered(before(SYSTEM_RETENTION_DAYS), BATCH));
      const idempotencyKeys = await drain(() => deps.idempotency.purgeExpired(now.toISOString(), BATCH));
      const rateCounters = await drain(() => deps.rateLimits.purgeExpired(now.toISOString(), BATCH));
      let jobs = await drain(() => deps.jobs.purgeFinished(SYSTEM_TENANT_ID, before(SYSTEM_RETENTION_DAYS), BATCH));
      await forEachTenant(deps.tenants, checkpoint, async (tenantId) => {
        const days = (await deps.settings.forTenant(tenantId))['jobs.retentionDays'];
        jobs += await drain(() => deps.jobs.purgeFinished(tenantId, before(days), BATCH));
      });
      return { blobsDeleted: blobs, jobsDeleted: jobs, outboxMessagesDeleted: outbox, idempotencyKeysDeleted: idempotencyKeys, rateCountersDeleted: rateCounters };
    },
  };
}
