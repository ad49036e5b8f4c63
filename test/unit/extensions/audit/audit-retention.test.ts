// The retention sweep on a real embedded store, run by a worker host with an injected clock (no waiting for days):
// each tenant keeps its events for its audit.retentionDays (default 90), deleted in batches; the schedule runs it
// once an hour for the whole deployment.
import { AUDIT_RETENTION_JOB, auditRetentionJob } from '../../../../src/extensions/audit/audit-retention';
import { createWorkerHost } from '../../../../src/jobs/worker-host';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { createSettingsReader } from '../../../../src/settings/settings-reader';
import type { AuditEventRecord } from '../../../../src/store/audit-event-store';
import { createSqliteStore } from '../../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../../src/store/tenant-store';

const DAY = 24 * 3600 * 1000;
const T0 = Date.parse('2025-06-01T00:00:00.000Z');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const event = (tenantId: string, id: string, ageDays: number, now: number): AuditEventRecord => ({
  id,
  tenantId,
  type: 'USER_RETRIEVE_SUCCESS',
  time: new Date(now - ageDays * DAY).toISOString(),
  outcome: 'success',
  actor: { kind: 'token', tokenId: 'tok', label: 'x' },
  requestId: id,
  clientAddress: null,
});

let store: Store;
beforeEach(() => {
  store = createSqliteStore({ path: ':memory:', registry: loadBuiltinRegistry() });
});
afterEach(() => store.close());

const ids = async (tenantId: string) => (await store.auditEvents.list(tenantId, { count: 1000 })).events.map((entry) => entry.id).sort();

describe('audit retention', () => {
  it('deletes each tenant’s events older than its audit.retentionDays, in batches, once an hour', async () => {
    let now = T0;
    for (const id of ['short', 'default']) await store.tenants.createTenant({ id, name: id, profile: 'standard', created: new Date(T0 - 400 * DAY).toISOString() });
    await store.settings.update('short', { set: { 'audit.retentionDays': '7' }, at: new Date(T0).toISOString() });
    const many = Array.from({ length: 25 }, (_, n) => event('default', `old-${String(n).padStart(2, '0')}`, 91 + n, now));
    await store.auditEvents.append([
      event('short', 'short-8-days', 8, now),
      event('short', 'short-6-days', 6, now),
      event('default', 'default-89-days', 89, now),
      ...many,
    ]);

    const host = createWorkerHost({ jobs: store.jobs, outbox: store.outbox, logger: quiet, clock: () => new Date(now) });
    host.registerJobType(auditRetentionJob({ tenants: store.tenants, auditEvents: store.auditEvents, settings: createSettingsReader({ store: store.settings, clock: () => new Date(now) }), batchSize: 10 }));
    host.schedule({ type: AUDIT_RETENTION_JOB, everyMs: 3_600_000 });
    await host.runOnce();

    expect(await ids('short')).toEqual(['short-6-days']);
    expect(await ids('default')).toEqual(['default-89-days']);
    const [job] = (await store.jobs.list('_system', { limit: 10 })).jobs;
    expect(job).toMatchObject({ type: AUDIT_RETENTION_JOB, status: 'succeeded', result: { auditEventsDeleted: 26 }, progress: { processed: 2, total: 2 } });

    // Two days later the 89-day-old event is past the default 90.
    now += 2 * DAY;
    await host.runOnce();
    expect(await ids('default')).toEqual([]);
    // Within the same hour the sweep is not enqueued again.
    await host.runOnce();
    expect((await store.jobs.list('_system', { limit: 10 })).jobs).toHaveLength(2);
  });
});
