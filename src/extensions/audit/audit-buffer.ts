// The sink of audit events that describe no change of state: reads, searches, discovery, failed operations, writes
// that changed nothing. They are kept in memory and written in batches, at most `flushMs` after the first of them or
// as soon as `maxEvents` are waiting: a store write per request (with an fsync on the embedded store) would cost a
// get-by-id far more than the event is worth.
//
// A batch goes straight into the audit store, in one write (a multi-row insert; insertMany on MongoDB), where
// GET /AuditEvents reads it at once. Only the events that some webhook of their tenant subscribes to take the outbox
// instead (one message per tenant, topic `audit`), whose worker writes them into the audit store too and hands them to
// the webhook fan-out: the outbox's claim, acknowledgement and second write are paid only where a webhook needs them.
// Which events a tenant's webhooks want is asked through `subscribed` (remembered for a few seconds:
// webhook-subscriptions.ts); when that cannot be answered, the whole batch takes the outbox, as it did before.
//
// The price is a loss window: events recorded in the last `flushMs` before a crash (kill -9, power loss) are lost. A
// graceful stop (SIGTERM) flushes first. Events of writes never take this path: they are written with the write
// (operation-audit.ts), so a change is never without its record.
//
// When the store is unreachable the events wait for the next flush, up to `maxWaiting`; beyond that the oldest are
// dropped, and the drop is logged with a count (the request path never waits for the audit trail, nor fails for it).
import type { AuditEventRecord, AuditEventStore } from '../../store/audit-event-store';
import type { JsonValue } from '../../store/json-value';
import type { NewOutboxMessage, OutboxStore } from '../../store/outbox-store';
import { AUDIT_TOPIC, type AuditMessagePayload } from './audit-event';
import type { AuditSink } from './operation-audit';

export interface AuditBufferLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** Whether some webhook of the tenant wants an event type; undefined when none wants any. */
export type SubscribedEvents = (tenantId: string) => Promise<((type: string) => boolean) | undefined>;

export interface AuditBufferOptions {
  readonly auditEvents: Pick<AuditEventStore, 'append'>;
  readonly outbox: Pick<OutboxStore, 'append'>;
  /** The tenant's webhook subscriptions (webhook-subscriptions.ts); absent: no event is for a webhook. */
  readonly subscribed?: SubscribedEvents;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly logger: AuditBufferLogger;
  /** Longest time an event waits in memory (default 1000 ms): the loss window on a crash. */
  readonly flushMs?: number;
  /** Events that make a flush start at once (default 2000). */
  readonly maxEvents?: number;
  /** Most events kept while the store cannot be written (default 50,000). */
  readonly maxWaiting?: number;
  readonly timers?: { setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
}

export interface AuditBuffer extends AuditSink {
  /** Writes everything waiting now; resolves when done (a failed write keeps the events for the next flush). */
  flush(): Promise<void>;
  /** Flushes and stops the timer (graceful shutdown, before the store closes). */
  close(): Promise<void>;
  /** Events waiting in memory. */
  readonly waiting: number;
}

export const DEFAULT_AUDIT_FLUSH_MS = 1000;
// A batch of 2000 writes each index page it touches once for many events: on the embedded store, events cost about a
// quarter less to write than in batches of 500 (the resource-id index takes its events at random places), and the
// write holds the event loop for some 40 ms once a second or so under a load of 1000 requests/s.
const DEFAULT_MAX_EVENTS = 2000;
const DEFAULT_MAX_WAITING = 50_000;

const realTimers = {
  setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
};

/** A batch split by where its events go. */
interface Routed {
  readonly direct: AuditEventRecord[];
  readonly forWebhooks: Map<string, AuditEventRecord[]>;
}

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

  /** Puts events whose write failed back in front of what arrived meanwhile, for the next flush. */
  const putBack = (events: readonly AuditEventRecord[]) => {
    if (events.length === 0) return;
    const returned = new Map<string, AuditEventRecord[]>();
    for (const event of events) {
      const list = returned.get(event.tenantId);
      if (list) list.push(event);
      else returned.set(event.tenantId, [event]);
    }
    for (const [tenantId, later] of waiting) returned.set(tenantId, [...(returned.get(tenantId) ?? []), ...later]);
    waiting = returned;
    count += events.length;
    dropOldest();
  };

  const route = async (taken: Map<string, AuditEventRecord[]>): Promise<Routed> => {
    const routed: Routed = { direct: [], forWebhooks: new Map() };
    for (const [tenantId, events] of taken) {
      let wanted: ((type: string) => boolean) | undefined;
      try {
        wanted = options.subscribed ? await options.subscribed(tenantId) : undefined;
      } catch (error) {
        // Unknown subscriptions: the outbox for all of them, so that no webhook misses an event.
        options.logger.warn({ err: error, tenantId }, "could not read the tenant's webhook subscriptions; its audit events take the outbox");
        wanted = () => true;
      }
      if (!wanted) {
        routed.direct.push(...events);
        continue;
      }
      const forWebhooks: AuditEventRecord[] = [];
      for (const event of events) (wanted(event.type) ? forWebhooks : routed.direct).push(event);
      if (forWebhooks.length > 0) routed.forWebhooks.set(tenantId, forWebhooks);
    }
    return routed;
  };

  const flushOnce = async () => {
    if (count === 0) return;
    const taken = waiting;
    waiting = new Map();
    count = 0;
    const { direct, forWebhooks } = await route(taken);
    let failure: unknown;
    try {
      if (direct.length > 0) await options.auditEvents.append(direct);
    } catch (error) {
      failure = error;
      putBack(direct);
    }
    if (forWebhooks.size > 0) {
      const created = options.clock().toISOString();
      const messages: NewOutboxMessage[] = [...forWebhooks].map(([tenantId, events]) => {
        const payload: AuditMessagePayload = { events };
        return { id: options.newId(), tenantId, topic: AUDIT_TOPIC, key: `batch:${options.newId()}`, payload: payload as unknown as JsonValue, created };
      });
      try {
        await options.outbox.append(messages);
      } catch (error) {
        failure ??= error;
        putBack([...forWebhooks.values()].flat());
      }
    }
    if (failure !== undefined) {
      options.logger.warn({ err: failure, waiting: count }, 'could not write audit events to the store; they are kept for the next attempt');
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
