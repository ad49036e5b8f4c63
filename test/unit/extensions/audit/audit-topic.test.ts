// The audit topic on a real embedded store, driven by a worker host with an injected clock: messages reach the audit
// store once however often they are delivered; held messages whose writer stopped midway are delivered only when
// their change happened; a condition this server does not know is dead-lettered rather than guessed.
import { auditTopic } from '../../../../src/extensions/audit/audit-topic';
import { createConditionCheck } from '../../../../src/extensions/audit/confirm-condition';
import { createWorkerHost } from '../../../../src/jobs/worker-host';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import type { AuditEventRecord } from '../../../../src/store/audit-event-store';
import type { NewOutboxMessage } from '../../../../src/store/outbox-store';
import { createSqliteStore } from '../../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../../src/store/tenant-store';

const T0 = Date.parse('2025-02-01T00:00:00.000Z');
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const event = (id: string, extra: Partial<AuditEventRecord> = {}): AuditEventRecord => ({
  id,
  tenantId: 't1',
  type: 'USER_DELETE_SUCCESS',
  time: iso(1),
  outcome: 'success',
  actor: { kind: 'token', tokenId: 'tok', label: 'okta' },
  requestId: `request-${id}`,
  clientAddress: '192.0.2.1',
  resource: { type: 'User', id: 'u1' },
  ...extra,
});
const message = (key: string, events: AuditEventRecord[], extra: Partial<NewOutboxMessage> = {}): NewOutboxMessage => ({
  id: `m-${key}`,
  tenantId: 't1',
  topic: 'audit',
  key,
  payload: { events } as never,
  created: iso(1),
  ...extra,
});
const held = (key: string, events: AuditEventRecord[], condition: unknown) => message(key, events, { availableAt: iso(31), condition: condition as never });

let store: Store;
let now: number;
const host = () => {
  const worker = createWorkerHost({ jobs: store.jobs, outbox: store.outbox, logger: quiet, clock: () => new Date(now) });
  const holds = createConditionCheck({ resources: store.resources, tenants: store.tenants, auditEvents: store.auditEvents });
  worker.registerOutboxTopic(auditTopic({ auditEvents: store.auditEvents, holds, logger: quiet }));
  return worker;
};
const stored = async () => (await store.auditEvents.list('t1', { count: 100 })).events.map((entry) => entry.id).sort();

beforeEach(() => {
  store = createSqliteStore({ path: ':memory:', registry: loadBuiltinRegistry() });
  now = T0 + 2000;
});
afterEach(() => store.close());

describe('audit topic', () => {
  it('stores the events of every message of a batch once, however often a message is delivered', async () => {
    await store.outbox.append([message('a', [event('e1'), event('e2')]), message('b', [event('e3')])]);
    expect(await host().runOnce()).toBe(true);
    expect(await stored()).toEqual(['e1', 'e2', 'e3']);
    expect((await store.outbox.list('t1', { limit: 10 })).map((entry) => entry.status)).toEqual(['delivered', 'delivered']);
    // The same events delivered again (a redelivery after a crash between storing and acknowledging).
    await store.outbox.append([message('c', [event('e1'), event('e3')])]);
    await host().runOnce();
    expect(await stored()).toEqual(['e1', 'e2', 'e3']);
  });

  it('delivers the held events of a delete only when the resource is gone and no other delete recorded it', async () => {
    await store.resources.create('t1', { resourceType: 'User', id: 'u-kept', created: iso(0), attributes: { userName: 'kept' }, internal: {} });
    await store.auditEvents.append([event('other-delete', { resource: { type: 'User', id: 'u-raced' }, requestId: 'request-other' })]);
    const deleted = (id: string) => ({ kind: 'resourceDeleted', resourceType: 'User', id });
    await store.outbox.append([
      held('gone', [event('e-gone', { resource: { type: 'User', id: 'u-gone' } })], deleted('u-gone')),
      held('kept', [event('e-kept', { resource: { type: 'User', id: 'u-kept' } })], deleted('u-kept')),
      held('raced', [event('e-raced', { resource: { type: 'User', id: 'u-raced' } })], deleted('u-raced')),
    ]);
    // Held until the hold ends.
    expect(await host().runOnce()).toBe(false);
    now = T0 + 31_000;
    await host().runOnce();
    expect(await stored()).toEqual(['e-gone', 'other-delete']);
    // Dropped messages are done with (acknowledged), not retried.
    expect((await store.outbox.list('t1', { limit: 10 })).map((entry) => entry.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('confirms admin token changes by the token', async () => {
    await store.tenants.createTenant({ id: 't1', name: 't1', profile: 'standard', created: iso(0) });
    const token = { tenantId: 't1', label: 'x', scopes: ['scim:read'], secretHash: 'h', created: iso(0) };
    await store.tenants.createToken({ ...token, id: 'tok-revoked', secretHash: 'h1' });
    await store.tenants.revokeToken('tok-revoked', iso(1));
    await store.tenants.createToken({ ...token, id: 'tok-live', secretHash: 'h2' });
    await store.outbox.append([
      held('revoked', [event('e-revoked')], { kind: 'tokenRevoked', tokenId: 'tok-revoked' }),
      held('not-revoked', [event('e-not-revoked')], { kind: 'tokenRevoked', tokenId: 'tok-live' }),
      held('created', [event('e-created')], { kind: 'tokenExists', tokenId: 'tok-live' }),
      held('never-created', [event('e-never')], { kind: 'tokenExists', tokenId: 'tok-missing' }),
    ]);
    now = T0 + 31_000;
    await host().runOnce();
    expect(await stored()).toEqual(['e-created', 'e-revoked']);
  });

  it('dead-letters a held message whose condition it does not know (for a server that does), delivering the rest', async () => {
    await store.outbox.append([held('future', [event('e-future')], { kind: 'somethingNew' }), message('plain', [event('e-plain')])]);
    now = T0 + 31_000;
    await host().runOnce();
    // The other messages of the batch are delivered; the unknown condition is dead-lettered, with why.
    expect(await stored()).toEqual(['e-plain']);
    const statuses = Object.fromEntries((await store.outbox.list('t1', { limit: 10 })).map((entry) => [entry.key, [entry.status, entry.lastError ?? null]]));
    expect(statuses).toEqual({ future: ['dead', expect.stringContaining('Unknown condition')], plain: ['delivered', null] });
  });
});
