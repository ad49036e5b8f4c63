// The sink of audit events that describe no change of state: reads, searches, discovery, failed operations, writes
// that changed nothing. They are kept in memory and appended to the outbox in batches, one message per tenant, at
// most `flushMs` after the first of them or as soon as `maxEvents` are waiting: a store write per request (with an
// fsync on the embedded store) would cost a get-by-id far more than the event is worth.
//
// The price is a loss window: events recorded in the last `flushMs` before a crash (kill -9, power loss) are lost. A
// graceful stop (SIGTERM) flushes first. Events of writes never take this path: they are written with the write
// (operation-audit.ts), so a change is never without its record.
//
// When the store is unreachable the events wait for the next flush, up to `maxWaiting`; beyond that the oldest are
// dropped, and the drop is logged with a count (the request path never waits for the audit trail, nor fails for it).
import type { AuditEventRecord } from '../../store/audit-event-store';
import type { JsonValue } from '../../store/json-value';
import type { NewOutboxMessage, OutboxStore } from '../../store/outbox-store';
import { AUDIT_TOPIC, type AuditMessagePayload } from './audit-event';
import type { AuditSink } from './operation-audit';

export interface AuditBufferLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface AuditBufferOptions {
  readonly outbox: Pick<OutboxStore, 'append'>;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly logger: AuditBufferLogger;
  /** Longest time an event waits in memory (default 1000 ms): the loss window on a crash. */
  readonly flushMs?: number;
  /** Events that make a flush start at once (default 500). */
  readonly maxEvents?: number;
  /** Most events kept while the store cannot be written (default 50,000). */
  readonly maxWaiting?: number;
  readonly timers?: { setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
}

export interface AuditBuffer extends AuditSink {
  /** Appends everything waiting now; resolves when done (a failed append keeps the events for the next flush). */
  flush(): Promise<void>;
  /** Flushes and stops the timer (graceful shutdown, before the store closes). */
  close(): Promise<void>;
  /** Events waiting in memory. */
  readonly waiting: number;
}

export const DEFAULT_AUDIT_FLUSH_MS = 1000;
const DEFAULT_MAX_EVENTS = 500;
const DEFAULT_MAX_WAITING = 50_000;

const realTimers = {
  setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
};

export function createAuditBuffer(options: AuditBufferOptions): AuditBuffer {
  const flushMs = options.flushMs ?? DEFAULT_AUDIT_FLUSH_MS;
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  const maxWaiting = options.maxWaiting ?? DEFAULT_MAX_WAITING;
  const timers = options.timers ?? realTimers;
  /** Per tenant, oldest first. */
  let waiting = new Map<string, AuditEventRecord[]>();
  let count = 0;
  let dropped = 0;
  let timer: unknown;
  let flushing: Promise<void> = Promise.resolve();
  let closed = false;

  const schedule = () => {
    if (timer !== undefined || closed) return;
    timer = timers.setTimeout(() => {
      timer = undefined;
      void buffer.flush();
    }, flushMs);
  };

  const dropOldest = () => {
    while (count > maxWaiting) {
      const [tenantId, events] = waiting.entries().next().value as [string, AuditEventRecord[]];
      const excess = Math.min(events.length, count - maxWaiting);
      events.splice(0, excess);
      if (events.length === 0) waiting.delete(tenantId);
      count -= excess;
      dropped += excess;
    }
  };

  const flushOnce = async () => {
    if (count === 0) return;
    const taken = waiting;
    const takenCount = count;
    waiting = new Map();
    count = 0;
    const created = options.clock().toISOString();
    const messages: NewOutboxMessage[] = [...taken].map(([tenantId, events]) => {
      const payload: AuditMessagePayload = { events };
      return { id: options.newId(), tenantId, topic: AUDIT_TOPIC, key: `batch:${options.newId()}`, payload: payload as unknown as JsonValue, created };
    });
    try {
      await options.outbox.append(messages);
    } catch (error) {
      // Put back in front of what arrived meanwhile, for the next flush.
      for (const [tenantId, events] of waiting) taken.set(tenantId, [...(taken.get(tenantId) ?? []), ...events]);
      waiting = taken;
      count += takenCount;
      dropOldest();
      options.logger.warn({ err: error, waiting: count }, 'could not write audit events to the outbox; they are kept for the next attempt');
      schedule();
      return;
    }
    if (dropped > 0) {
      options.logger.error({ dropped }, 'audit events were dropped while the store could not be written');
      dropped = 0;
    }
  };

  const buffer: AuditBuffer = {
    get waiting() {
      return count;
    },
    record(tenantId, events) {
      if (events.length === 0) return;
      const list = waiting.get(tenantId);
      if (list) list.push(...events);
      else waiting.set(tenantId, [...events]);
      count += events.length;
      dropOldest();
      if (count >= maxEvents) void buffer.flush();
      else schedule();
    },
    flush() {
      if (timer !== undefined) {
        timers.clearTimeout(timer);
        timer = undefined;
      }
      // One flush at a time, in order: a second one starts after the first, with what arrived meanwhile.
      flushing = flushing.then(flushOnce, flushOnce);
      return flushing;
    },
    async close() {
      closed = true;
      await buffer.flush();
    },
  };
  return buffer;
}
