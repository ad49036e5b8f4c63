// The buffer of audit events that describe no change: batched straight into the audit store in one write, at most
// flushMs after the first event or at once past maxEvents; the events some webhook subscribes to take the outbox (one
// message per tenant) instead; kept (bounded) while the store cannot be written; flushed on close.
import { createAuditBuffer, type SubscribedEvents } from '../../../../src/extensions/audit/audit-buffer';
import type { AuditEventRecord } from '../../../../src/store/audit-event-store';
import type { NewOutboxMessage } from '../../../../src/store/outbox-store';
import { manualTimers } from '../../jobs/manual-timers';

const event = (n: number, tenantId = 't1', type = 'USER_RETRIEVE_SUCCESS'): AuditEventRecord => ({
  id: `e${n}`,
  tenantId,
  type,
  time: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
  outcome: 'success',
  actor: { kind: 'token', tokenId: 'tok', label: 'okta' },
  requestId: `r${n}`,
  clientAddress: null,
});

function setup(options: { maxEvents?: number; maxWaiting?: number; subscribed?: SubscribedEvents } = {}) {
  const stored: AuditEventRecord[][] = [];
  const appended: NewOutboxMessage[][] = [];
  const failing = { store: false, outbox: false };
  const warnings: string[] = [];
  const errors: Record<string, unknown>[] = [];
  const timers = manualTimers();
  let ids = 0;
  const buffer = createAuditBuffer({
    auditEvents: {
      append: async (events) => {
        if (failing.store) throw new Error('store unreachable');
        stored.push([...events]);
        return events.length;
      },
    },
    outbox: {
      append: async (messages) => {
        if (failing.outbox) throw new Error('store unreachable');
        appended.push([...messages]);
        return messages.length;
      },
    },
    clock: () => new Date('2025-01-01T00:01:00.000Z'),
    newId: () => `id-${(ids += 1)}`,
    logger: { warn: (_details, message) => void warnings.push(message), error: (details) => void errors.push(details as Record<string, unknown>) },
    flushMs: 1000,
    timers,
    ...options,
  });
  return { buffer, stored, appended, timers, warnings, errors, failing };
}

const ids = (events: readonly AuditEventRecord[]) => events.map((entry) => entry.id);
const eventIds = (message: NewOutboxMessage) => ids((message.payload as unknown as { events: AuditEventRecord[] }).events);

describe('audit buffer', () => {
  it('writes what arrived within flushMs straight into the audit store, in one write for every tenant', async () => {
    const { buffer, stored, appended, timers } = setup();
    buffer.record('t1', [event(1), event(2)]);
    buffer.record('t2', [event(3, 't2')]);
    buffer.record('t1', [event(4)]);
    expect(stored).toEqual([]);
    expect(timers.pendingTimeouts()).toEqual([1000]);
    timers.fireNextTimeout();
    await buffer.flush();
    expect(stored.map(ids)).toEqual([['e1', 'e2', 'e4', 'e3']]);
    expect(appended).toEqual([]);
    expect(buffer.waiting).toBe(0);
    await buffer.flush();
    expect(stored).toHaveLength(1);
  });

  it('sends the events some webhook of their tenant subscribes to through the outbox, one message per tenant, and the rest to the store', async () => {
    const asked: string[] = [];
    const subscribed: SubscribedEvents = async (tenantId) => {
      asked.push(tenantId);
      return tenantId === 't1' ? (type) => type.endsWith('_FAIL') : undefined;
    };
    const { buffer, stored, appended } = setup({ subscribed });
    buffer.record('t1', [event(1, 't1', 'USER_RETRIEVE_START'), event(2, 't1', 'USER_RETRIEVE_FAIL')]);
    buffer.record('t2', [event(3, 't2', 'USER_RETRIEVE_START'), event(4, 't2', 'USER_RETRIEVE_FAIL')]);
    await buffer.flush();
    expect(asked).toEqual(['t1', 't2']);
    expect(stored.map(ids)).toEqual([['e1', 'e3', 'e4']]);
    expect(appended).toHaveLength(1);
    expect(appended[0].map((message) => [message.tenantId, message.topic, eventIds(message)])).toEqual([['t1', 'audit', ['e2']]]);
  });

  it('sends everything through the outbox when the subscriptions cannot be read, so that no webhook misses an event', async () => {
    const { buffer, stored, appended, warnings } = setup({
      subscribed: async () => {
        throw new Error('store unreachable');
      },
    });
    buffer.record('t1', [event(1), event(2)]);
    await buffer.flush();
    expect(stored).toEqual([]);
    expect(appended.map((batch) => batch.map(eventIds))).toEqual([[['e1', 'e2']]]);
    expect(warnings).toEqual(["could not read the tenant's webhook subscriptions; its audit events take the outbox"]);
  });

  it('flushes at once when maxEvents are waiting', async () => {
    const { buffer, stored } = setup({ maxEvents: 3 });
    buffer.record('t1', [event(1), event(2)]);
    await Promise.resolve();
    expect(stored).toHaveLength(0);
    buffer.record('t1', [event(3)]);
    await buffer.flush();
    expect(stored.map(ids)).toEqual([['e1', 'e2', 'e3']]);
  });

  it('keeps the events while the store cannot be written, dropping the oldest beyond maxWaiting, and says so', async () => {
    const { buffer, stored, failing, warnings, errors } = setup({ maxWaiting: 3 });
    failing.store = true;
    buffer.record('t1', [event(1), event(2)]);
    await buffer.flush();
    expect(warnings).toEqual(['could not write audit events to the store; they are kept for the next attempt']);
    buffer.record('t1', [event(3), event(4)]);
    expect(buffer.waiting).toBe(3);
    failing.store = false;
    await buffer.flush();
    expect(stored.map(ids)).toEqual([['e2', 'e3', 'e4']]);
    expect(errors).toEqual([{ dropped: 1 }]);
  });

  it('writes again only what failed: the webhooks’ events when the outbox could not be written', async () => {
    const { buffer, stored, appended, failing } = setup({ subscribed: async () => (type) => type === 'USER_RETRIEVE_FAIL' });
    failing.outbox = true;
    buffer.record('t1', [event(1, 't1', 'USER_RETRIEVE_START'), event(2, 't1', 'USER_RETRIEVE_FAIL')]);
    await buffer.flush();
    expect(stored.map(ids)).toEqual([['e1']]);
    expect(buffer.waiting).toBe(1);
    failing.outbox = false;
    await buffer.flush();
    expect(stored.map(ids)).toEqual([['e1']]);
    expect(appended.map((batch) => batch.map(eventIds))).toEqual([[['e2']]]);
  });

  it('writes what is waiting when closed (a graceful shutdown), and sets no timer after', async () => {
    const { buffer, stored, timers } = setup();
    buffer.record('t1', [event(1)]);
    expect(timers.pendingTimeouts()).toEqual([1000]);
    await buffer.close();
    expect(stored.map(ids)).toEqual([['e1']]);
    expect(timers.pendingTimeouts()).toEqual([]);
  });
});
