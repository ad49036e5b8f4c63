// The buffer of audit events that describe no change: batched into one outbox message per tenant, at most flushMs
// after the first event or at once past maxEvents; kept (bounded) while the outbox cannot be written; flushed on close.
import { createAuditBuffer } from '../../../../src/extensions/audit/audit-buffer';
import type { AuditEventRecord } from '../../../../src/store/audit-event-store';
import type { NewOutboxMessage } from '../../../../src/store/outbox-store';
import { manualTimers } from '../../jobs/manual-timers';

const event = (n: number, tenantId = 't1'): AuditEventRecord => ({
  id: `e${n}`,
  tenantId,
  type: 'USER_RETRIEVE_SUCCESS',
  time: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
  outcome: 'success',
  actor: { kind: 'token', tokenId: 'tok', label: 'okta' },
  requestId: `r${n}`,
  clientAddress: null,
});

function setup(options: { maxEvents?: number; maxWaiting?: number } = {}) {
  const appended: NewOutboxMessage[][] = [];
  let failing = false;
  const warnings: string[] = [];
  const errors: Record<string, unknown>[] = [];
  const timers = manualTimers();
  let ids = 0;
  const buffer = createAuditBuffer({
    outbox: {
      append: async (messages) => {
        if (failing) throw new Error('store unreachable');
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
  return { buffer, appended, timers, warnings, errors, fail: (value: boolean) => (failing = value) };
}

const eventIds = (message: NewOutboxMessage) => (message.payload as unknown as { events: AuditEventRecord[] }).events.map((entry) => entry.id);

describe('audit buffer', () => {
  it('writes what arrived within flushMs as one outbox message per tenant, on the audit topic', async () => {
    const { buffer, appended, timers } = setup();
    buffer.record('t1', [event(1), event(2)]);
    buffer.record('t2', [event(3, 't2')]);
    buffer.record('t1', [event(4)]);
    expect(appended).toEqual([]);
    expect(timers.pendingTimeouts()).toEqual([1000]);
    timers.fireNextTimeout();
    await buffer.flush();
    expect(appended).toHaveLength(1);
    expect(appended[0].map((message) => [message.tenantId, message.topic, eventIds(message)])).toEqual([
      ['t1', 'audit', ['e1', 'e2', 'e4']],
      ['t2', 'audit', ['e3']],
    ]);
    // Each message has a key of its own: appending is idempotent on it.
    expect(new Set(appended[0].map((message) => message.key)).size).toBe(2);
    expect(buffer.waiting).toBe(0);
    await buffer.flush();
    expect(appended).toHaveLength(1);
  });

  it('flushes at once when maxEvents are waiting', async () => {
    const { buffer, appended } = setup({ maxEvents: 3 });
    buffer.record('t1', [event(1), event(2)]);
    expect(appended).toHaveLength(0);
    buffer.record('t1', [event(3)]);
    await buffer.flush();
    expect(appended.map((batch) => batch.flatMap(eventIds))).toEqual([['e1', 'e2', 'e3']]);
  });

  it('keeps the events while the outbox cannot be written, dropping the oldest beyond maxWaiting, and says so', async () => {
    const { buffer, appended, fail, warnings, errors } = setup({ maxWaiting: 3 });
    fail(true);
    buffer.record('t1', [event(1), event(2)]);
    await buffer.flush();
    expect(warnings).toEqual(['could not write audit events to the outbox; they are kept for the next attempt']);
    buffer.record('t1', [event(3), event(4)]);
    expect(buffer.waiting).toBe(3);
    fail(false);
    await buffer.flush();
    expect(appended.map((batch) => batch.flatMap(eventIds))).toEqual([['e2', 'e3', 'e4']]);
    expect(errors).toEqual([{ dropped: 1 }]);
  });

  it('flushes what is waiting when closed', async () => {
    const { buffer, appended, timers } = setup();
    buffer.record('t1', [event(1)]);
    await buffer.close();
    expect(appended.map((batch) => batch.flatMap(eventIds))).toEqual([['e1']]);
    expect(timers.pendingTimeouts()).toEqual([]);
  });
});
