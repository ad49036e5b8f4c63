// The audit event contract every store must pass: idempotent appends, newest-first keyset pages with totalResults,
// the filter language over type, outcome, time, actor.tokenId and resource.id (each operator, absent fields, not,
// and/or), tenant isolation, retention purges in batches, and tenant deletion.
import type { AuditComparison, AuditEventRecord, AuditEventStore, AuditFilter, AuditFilterField } from '../../src/store/audit-event-store';
import type { StoreUnderTest } from './resource-store.contract';

const BASE = Date.parse('2024-05-01T00:00:00.000Z');
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

const event = (n: number, extra: Partial<AuditEventRecord> = {}): AuditEventRecord => ({
  id: `e-${String(n).padStart(3, '0')}`,
  tenantId: 't1',
  type: 'USER_CREATE_SUCCESS',
  time: at(n),
  outcome: 'success',
  actor: { kind: 'token', tokenId: 'tok-1', label: 'okta' },
  requestId: `r-${n}`,
  clientAddress: '192.0.2.1',
  resource: { type: 'User', id: `u-${n}` },
  durationMs: 1.5,
  changedAttributes: ['userName', 'emails'],
  ...extra,
});

const ids = (events: readonly AuditEventRecord[]) => events.map((entry) => entry.id);

export function describeAuditEventStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name}: audit event contract`, () => {
    let subject: StoreUnderTest;
    let audit: AuditEventStore;

    beforeEach(async () => {
      subject = await makeStore();
      audit = subject.store.auditEvents;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('stores each event once, whole, and reads it back by id within its tenant only', async () => {
      const failed = event(2, { type: 'USER_CREATE_FAIL', outcome: 'failure', resource: { type: 'User' }, error: { status: 409, scimType: 'uniqueness' }, changedAttributes: undefined });
      expect(await audit.append([event(1), failed])).toBe(2);
      // A redelivered outbox message: the same events again add nothing.
      expect(await audit.append([event(1), failed, event(3)])).toBe(1);
      expect(await audit.append([])).toBe(0);
      expect(await audit.get('t1', 'e-001')).toEqual(event(1));
      const read = await audit.get('t1', 'e-002');
      expect(read).toEqual(JSON.parse(JSON.stringify(failed)));
      expect(await audit.get('t2', 'e-001')).toBeNull();
      expect(await audit.get('t1', 'nope')).toBeNull();
    });

    it('appends a large batch of several tenants in one call, each event once, counting only the new ones', async () => {
      // 234 events: more than one multi-row statement of every size the embedded store uses, and some already stored.
      const batch = Array.from({ length: 234 }, (_, index) => event(index + 1, { tenantId: index % 3 === 0 ? 't2' : 't1' }));
      expect(await audit.append(batch.slice(100, 112))).toBe(12);
      expect(await audit.append(batch)).toBe(222);
      expect(await audit.append(batch)).toBe(0);
      const t1 = batch.filter((entry) => entry.tenantId === 't1');
      expect((await audit.list('t1', { count: 0 })).totalResults).toBe(t1.length);
      expect((await audit.list('t2', { count: 0 })).totalResults).toBe(batch.length - t1.length);
      expect(await audit.get('t1', t1[t1.length - 1].id)).toEqual(t1[t1.length - 1]);
    });

    it('pages newest first by keyset, with totalResults over all pages; ties in time are ordered by id', async () => {
      await audit.append([event(1), event(2), event(3, { id: 'e-003b' }), event(3, { id: 'e-003a' }), event(4), event(5, { tenantId: 't2' })]);
      const first = await audit.list('t1', { count: 2 });
      expect(ids(first.events)).toEqual(['e-004', 'e-003b']);
      expect(first.totalResults).toBe(5);
      expect(first.next).toEqual({ time: at(3), id: 'e-003b' });
      const second = await audit.list('t1', { count: 2, after: first.next });
      expect(ids(second.events)).toEqual(['e-003a', 'e-002']);
      const third = await audit.list('t1', { count: 2, after: second.next });
      expect(ids(third.events)).toEqual(['e-001']);
      expect(third.next).toBeUndefined();
      expect(await audit.list('t1', { count: 0 })).toEqual({ events: [], totalResults: 5 });
      expect(ids((await audit.list('t2', { count: 10 })).events)).toEqual(['e-005']);
      expect(await audit.list('t3', { count: 10 })).toEqual({ events: [], totalResults: 0 });
    });

    it('filters on type, outcome, time, actor.tokenId and resource.id with every operator', async () => {
      await audit.append([
        event(1, { type: 'USER_CREATE_START', outcome: 'started', resource: { type: 'User' }, durationMs: undefined, changedAttributes: undefined }),
        event(2, { type: 'USER_CREATE_SUCCESS' }),
        event(3, { type: 'GROUP_UPDATE_FAIL', outcome: 'failure', resource: { type: 'Group', id: 'g-1' }, actor: { kind: 'token', tokenId: 'tok-2', label: 'hr' }, error: { status: 412 } }),
        event(4, { type: 'TOKEN_REVOKE_SUCCESS', actor: { kind: 'cli', tokenId: null, label: 'cli' }, resource: { type: 'Token', id: 'tok-1' } }),
        event(5, { type: 'USER_RETRIEVE_LIST_SUCCESS', resource: { type: 'User' } }),
      ]);
      const matching = async (filter: AuditFilter) => ids((await audit.list('t1', { count: 50, filter })).events).sort();
      const compare = (field: AuditFilterField, op: AuditComparison, value: string): AuditFilter => ({ kind: 'compare', field, op, value });

      expect(await matching(compare('type', 'eq', 'USER_CREATE_SUCCESS'))).toEqual(['e-002']);
      expect(await matching(compare('type', 'sw', 'USER_'))).toEqual(['e-001', 'e-002', 'e-005']);
      expect(await matching(compare('type', 'ew', '_FAIL'))).toEqual(['e-003']);
      expect(await matching(compare('type', 'co', 'CREATE'))).toEqual(['e-001', 'e-002']);
      // Case matters: event types are exact values.
      expect(await matching(compare('type', 'eq', 'user_create_success'))).toEqual([]);
      expect(await matching(compare('outcome', 'eq', 'failure'))).toEqual(['e-003']);
      expect(await matching(compare('outcome', 'ne', 'success'))).toEqual(['e-001', 'e-003']);
      expect(await matching(compare('time', 'ge', at(2)))).toEqual(['e-002', 'e-003', 'e-004', 'e-005']);
      expect(await matching(compare('time', 'lt', at(2)))).toEqual(['e-001']);
      expect(await matching({ kind: 'and', filters: [compare('time', 'gt', at(1)), compare('time', 'le', at(3))] })).toEqual(['e-002', 'e-003']);
      expect(await matching(compare('actor.tokenId', 'eq', 'tok-1'))).toEqual(['e-001', 'e-002', 'e-005']);
      // The CLI acts without a token: absent, so `ne` matches it and `pr` does not.
      expect(await matching(compare('actor.tokenId', 'ne', 'tok-1'))).toEqual(['e-003', 'e-004']);
      expect(await matching({ kind: 'present', field: 'actor.tokenId' })).toEqual(['e-001', 'e-002', 'e-003', 'e-005']);
      expect(await matching({ kind: 'not', filter: { kind: 'present', field: 'resource.id' } })).toEqual(['e-001', 'e-005']);
      expect(await matching(compare('resource.id', 'eq', 'g-1'))).toEqual(['e-003']);
      expect(await matching(compare('resource.id', 'sw', 'u-'))).toEqual(['e-002']);
      expect(await matching({ kind: 'or', filters: [compare('resource.id', 'eq', 'g-1'), compare('outcome', 'eq', 'started')] })).toEqual(['e-001', 'e-003']);
      expect(await matching({ kind: 'not', filter: compare('type', 'sw', 'USER_') })).toEqual(['e-003', 'e-004']);
      // Values are operands only: pattern characters match themselves.
      expect(await matching(compare('type', 'co', '.*'))).toEqual([]);

      const page = await audit.list('t1', { count: 1, filter: compare('type', 'sw', 'USER_') });
      expect(page.totalResults).toBe(3);
      expect(ids(page.events)).toEqual(['e-005']);
      expect(ids((await audit.list('t1', { count: 5, filter: compare('type', 'sw', 'USER_'), after: page.next })).events)).toEqual(['e-002', 'e-001']);
    });

    it('purges a tenant’s events older than a time, a limited number at a time', async () => {
      await audit.append([event(1), event(2), event(3), event(4), event(1, { id: 'e-other', tenantId: 't2' })]);
      expect(await audit.purge('t1', at(3), 1)).toBe(1);
      expect(await audit.purge('t1', at(3), 5)).toBe(1);
      expect(await audit.purge('t1', at(3), 5)).toBe(0);
      expect(ids((await audit.list('t1', { count: 10 })).events)).toEqual(['e-004', 'e-003']);
      expect(ids((await audit.list('t2', { count: 10 })).events)).toEqual(['e-other']);
    });

    it('goes with its tenant when the tenant is deleted', async () => {
      for (const id of ['t1', 't2']) await subject.store.tenants.createTenant({ id, name: id, profile: 'standard', created: at(0) });
      await audit.append([event(1), event(2, { tenantId: 't2' })]);
      await subject.store.deleteTenant('t1');
      expect((await audit.list('t1', { count: 10 })).events).toEqual([]);
      expect(ids((await audit.list('t2', { count: 10 })).events)).toEqual(['e-002']);
      if (subject.remainingOf) expect(await subject.remainingOf('t1')).toEqual({});
    });
  });
}
