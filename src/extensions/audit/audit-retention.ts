// Retention of the audit trail: once an hour (for the whole deployment: one instance runs it), each tenant's events
// older than its `audit.retentionDays` setting (default 90) are deleted, in batches of BATCH, each its own short
// write, so that the sweep never holds a long transaction and the server keeps serving between batches. Audit
// tables are what grows without bound when nothing trims them; the retention is per tenant because customers'
// compliance needs differ, and it is a setting so that automation can change it (`tenant set`).
import type { JobType } from '../../jobs/job-type';
import { drainBatches, forEachTenant } from '../../jobs/tenant-sweep';
import type { SettingsReader } from '../../settings/settings-reader';
import type { AuditEventStore } from '../../store/audit-event-store';
import type { TenantStore } from '../../store/tenant-store';

export const AUDIT_RETENTION_JOB = 'audit-retention';
export const AUDIT_RETENTION_EVERY_MS = 60 * 60 * 1000;
const BATCH = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface AuditRetentionDeps {
  readonly tenants: Pick<TenantStore, 'listTenants'>;
  readonly auditEvents: Pick<AuditEventStore, 'purge'>;
  readonly settings: SettingsReader;
  readonly batchSize?: number;
}

export function auditRetentionJob(deps: AuditRetentionDeps): JobType {
  const batch = deps.batchSize ?? BATCH;
  return {
    type: AUDIT_RETENTION_JOB,
    async run({ clock, checkpoint }) {
      const now = clock().getTime();
      let deleted = 0;
      await forEachTenant(deps.tenants, checkpoint, async (tenantId) => {
        const days = (await deps.settings.forTenant(tenantId))['audit.retentionDays'];
        const before = new Date(now - days * DAY_MS).toISOString();
        deleted += await drainBatches(batch, () => deps.auditEvents.purge(tenantId, before, batch));
      });
      return { auditEventsDeleted: deleted };
    },
  };
}
