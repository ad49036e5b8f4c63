// The audit record of one operation: its START event and, once it ends, its SUCCESS or FAIL event. An operation
// ends in exactly one of two ways:
//   - a write that changes state: the service asks effectsOfSuccess() for the outbox messages of START + SUCCESS and
//     hands them to the store with the write, so that they are durable exactly when the write is (same transaction on
//     the embedded store; see mongo-resource-store.ts for MongoDB), then calls committed(). When no webhook of the
//     tenant wants these events, the message is for the audit store only, and the embedded store writes the events
//     there in that same transaction instead of queuing them;
//   - anything else (a read, a search, a failure, a write that changed nothing): succeed() or fail() hands START and
//     its outcome to the sink, which buffers them and writes them in batches (audit-buffer.ts): such events describe no
//     change of state, and writing each at once would cost a synchronous store write per read.
// The first outcome counts; later calls are ignored, so the HTTP layer can record the answered status without knowing
// whether a write already recorded the outcome.
import type { AuditActorRecord, AuditEventRecord } from '../../store/audit-event-store';
import { AuditOutcome } from '../../store/audit-event-store';
import type { JsonValue } from '../../store/json-value';
import type { NewOutboxMessage } from '../../store/outbox-store';
import { AUDIT_TOPIC, AuditPhase, eventId, eventType, type AuditDeclaration, type AuditMessagePayload } from './audit-event';

/** Where events that describe no state change go (audit-buffer.ts). */
export interface AuditSink {
  record(tenantId: string, events: readonly AuditEventRecord[]): void;
}

/** Who acts: the parts of a RequestContext an event records. */
export interface AuditedActor {
  readonly tenantId: string;
  readonly actor: AuditActorRecord;
  readonly requestId: string;
  readonly clientAddress: string | null;
}

export interface SuccessfulChange {
  readonly resourceType: string;
  readonly resourceId: string;
  /** Names only, never values (changed-attributes.ts); absent for a delete. */
  readonly changedAttributes?: readonly string[];
}

export interface AuditedFailure {
  readonly status: number;
  readonly scimType?: string;
}

/** What services and routers see of an operation's audit record. */
export interface OperationAudit {
  readonly declaration: AuditDeclaration;
  /** Names what the operation acts on; the START event shows it (a create learns its id only at SUCCESS). */
  target(resourceType: string, id?: string): void;
  /** The outbox messages that record this operation's success, for the store to write with the change. */
  effectsOfSuccess(change: SuccessfulChange): NewOutboxMessage[];
  /** The write that carried effectsOfSuccess() committed: the outcome is recorded. */
  committed(): void;
  /** Records START and SUCCESS through the sink, unless an outcome is recorded already. */
  succeed(details?: { readonly changedAttributes?: readonly string[] }): void;
  /** Records START and FAIL through the sink, unless an outcome is recorded already. */
  fail(failure: AuditedFailure): void;
  /** An operation inside this one (one operation of a Bulk request), starting now. */
  child(declaration: AuditDeclaration, bulkOperation: { readonly index: number; readonly bulkId?: string }): OperationAudit;
  readonly settled: boolean;
}

export interface OperationAuditDeps {
  readonly sink: AuditSink;
  readonly clock: () => Date;
  /** Ids of outbox messages (event ids are eventId(): ordered by their time). */
  readonly newId: () => string;
  /**
   * Whether some webhook of the tenant may want an event type, from what is known now without waiting: false only when
   * it is known that none does (webhook-subscriptions.ts). A write whose events no webhook wants marks its message
   * `auditStoreOnly`, so that a store holding both writes the events straight into the audit store with the change.
   * Absent: every message is queued.
   */
  readonly mayBeSubscribed?: (tenantId: string, type: string) => boolean;
}

interface Target {
  readonly type: string;
  readonly id?: string;
}

export function createOperationAudit(
  deps: OperationAuditDeps,
  declaration: AuditDeclaration,
  who: AuditedActor,
  started: Date,
  bulkOperation?: { readonly index: number; readonly bulkId?: string },
): OperationAudit {
  // Fixed at the start: a write retried after losing a race carries the same START, and the same outbox key.
  const startId = eventId(started);
  let target: Target | undefined;
  let settled = false;

  // Two events per request: each is built once, in its final shape (its fields in the order they are stored), with no
  // intermediate objects to copy.
  const base = (id: string, phase: AuditPhase, time: Date, resource: Target | undefined): { -readonly [K in keyof AuditEventRecord]: AuditEventRecord[K] } => {
    const event: { -readonly [K in keyof AuditEventRecord]: AuditEventRecord[K] } = {
      id,
      tenantId: who.tenantId,
      type: eventType(declaration, phase),
      time: time.toISOString(),
      outcome: phase === AuditPhase.start ? AuditOutcome.started : phase === AuditPhase.success ? AuditOutcome.success : AuditOutcome.failure,
      actor: who.actor,
      requestId: who.requestId,
      clientAddress: who.clientAddress,
    };
    if (resource) event.resource = resource.id === undefined ? { type: resource.type } : { type: resource.type, id: resource.id };
    if (bulkOperation) event.bulkOperation = bulkOperation;
    return event;
  };
  const startEvent = () => base(startId, AuditPhase.start, started, target);
  const ended = (phase: AuditPhase, now: Date, resource: Target | undefined, extra: Pick<AuditEventRecord, 'changedAttributes' | 'error'>): AuditEventRecord => {
    const event = base(eventId(now), phase, now, resource);
    event.durationMs = Math.max(0, now.getTime() - started.getTime());
    if (extra.changedAttributes) event.changedAttributes = extra.changedAttributes;
    if (extra.error) event.error = extra.error;
    return event;
  };

  return {
    declaration,
    get settled() {
      return settled;
    },
    target(type, id) {
      target = id === undefined ? { type } : { type, id };
    },
    effectsOfSuccess(change) {
      const now = deps.clock();
      const extra = change.changedAttributes ? { changedAttributes: [...change.changedAttributes] } : {};
      const success = ended(AuditPhase.success, now, { type: change.resourceType, id: change.resourceId }, extra);
      const events = [startEvent(), success];
      const payload: AuditMessagePayload = { events };
      const forWebhooks = !deps.mayBeSubscribed || events.some((event) => deps.mayBeSubscribed?.(who.tenantId, event.type));
      const message: NewOutboxMessage = { id: deps.newId(), tenantId: who.tenantId, topic: AUDIT_TOPIC, key: `operation:${startId}`, payload: payload as unknown as JsonValue, created: now.toISOString() };
      return [forWebhooks ? message : { ...message, auditStoreOnly: true }];
    },
    committed() {
      settled = true;
    },
    succeed(details = {}) {
      if (settled) return;
      settled = true;
      const extra = details.changedAttributes ? { changedAttributes: [...details.changedAttributes] } : {};
      deps.sink.record(who.tenantId, [startEvent(), ended(AuditPhase.success, deps.clock(), target, extra)]);
    },
    fail(failure) {
      if (settled) return;
      settled = true;
      const error = failure.scimType ? { status: failure.status, scimType: failure.scimType } : { status: failure.status };
      deps.sink.record(who.tenantId, [startEvent(), ended(AuditPhase.fail, deps.clock(), target, { error })]);
    },
    child(childDeclaration, position) {
      return createOperationAudit(deps, childDeclaration, who, deps.clock(), position);
    },
  };
}
