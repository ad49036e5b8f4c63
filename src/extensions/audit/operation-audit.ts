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

type MutableEvent = { -readonly [K in keyof AuditEventRecord]: AuditEventRecord[K] };

/** The three event types of a declaration, made once per declaration instead of twice per request. */
interface EventTypes {
  readonly start: string;
  readonly success: string;
  readonly fail: string;
}

const typesOfDeclaration = new WeakMap<AuditDeclaration, EventTypes>();

function typesOf(declaration: AuditDeclaration): EventTypes {
  let types = typesOfDeclaration.get(declaration);
  if (!types) {
    types = { start: eventType(declaration, AuditPhase.start), success: eventType(declaration, AuditPhase.success), fail: eventType(declaration, AuditPhase.fail) };
    typesOfDeclaration.set(declaration, types);
  }
  return types;
}

/**
 * One operation's record. A class rather than an object of closures: every request makes one, and its methods are
 * then shared instead of made anew per request (with a get-by-id at well under a millisecond of CPU, what an event
 * costs to build is a visible part of what auditing costs: README "What auditing costs").
 */
class Operation implements OperationAudit {
  /** Fixed at the start: a write retried after losing a race carries the same START, and the same outbox key. */
  private readonly startId: string;
  private readonly types: EventTypes;
  private targeted: Target | undefined;
  private done = false;

  constructor(
    private readonly deps: OperationAuditDeps,
    readonly declaration: AuditDeclaration,
    private readonly who: AuditedActor,
    private readonly started: Date,
    private readonly bulkOperation: { readonly index: number; readonly bulkId?: string } | undefined,
  ) {
    this.startId = eventId(started);
    this.types = typesOf(declaration);
  }

  get settled(): boolean {
    return this.done;
  }

  target(type: string, id?: string): void {
    this.targeted = id === undefined ? { type } : { type, id };
  }

  effectsOfSuccess(change: SuccessfulChange): NewOutboxMessage[] {
    const { deps, who } = this;
    const now = deps.clock();
    const success = this.ended(this.types.success, AuditOutcome.success, now, { type: change.resourceType, id: change.resourceId });
    if (change.changedAttributes) success.changedAttributes = [...change.changedAttributes];
    const events = [this.startEvent(), success];
    const payload: AuditMessagePayload = { events };
    const forWebhooks = !deps.mayBeSubscribed || events.some((event) => deps.mayBeSubscribed?.(who.tenantId, event.type));
    const message: NewOutboxMessage = { id: deps.newId(), tenantId: who.tenantId, topic: AUDIT_TOPIC, key: `operation:${this.startId}`, payload: payload as unknown as JsonValue, created: now.toISOString() };
    return [forWebhooks ? message : { ...message, auditStoreOnly: true }];
  }

  committed(): void {
    this.done = true;
  }

  succeed(details: { readonly changedAttributes?: readonly string[] } = {}): void {
    if (this.done) return;
    this.done = true;
    const success = this.ended(this.types.success, AuditOutcome.success, this.deps.clock(), this.targeted);
    if (details.changedAttributes) success.changedAttributes = [...details.changedAttributes];
    this.deps.sink.record(this.who.tenantId, [this.startEvent(), success]);
  }

  fail(failure: AuditedFailure): void {
    if (this.done) return;
    this.done = true;
    const fail = this.ended(this.types.fail, AuditOutcome.failure, this.deps.clock(), this.targeted);
    fail.error = failure.scimType ? { status: failure.status, scimType: failure.scimType } : { status: failure.status };
    this.deps.sink.record(this.who.tenantId, [this.startEvent(), fail]);
  }

  child(childDeclaration: AuditDeclaration, position: { readonly index: number; readonly bulkId?: string }): OperationAudit {
    return new Operation(this.deps, childDeclaration, this.who, this.deps.clock(), position);
  }

  /** An event in its final shape (its fields in the order they are stored), built once, with no copies. */
  private event(id: string, type: string, outcome: AuditOutcome, time: Date, resource: Target | undefined): MutableEvent {
    const { who } = this;
    const event: MutableEvent = { id, tenantId: who.tenantId, type, time: time.toISOString(), outcome, actor: who.actor, requestId: who.requestId, clientAddress: who.clientAddress };
    if (resource) event.resource = resource;
    if (this.bulkOperation) event.bulkOperation = this.bulkOperation;
    return event;
  }

  private startEvent(): MutableEvent {
    return this.event(this.startId, this.types.start, AuditOutcome.started, this.started, this.targeted);
  }

  private ended(type: string, outcome: AuditOutcome, now: Date, resource: Target | undefined): MutableEvent {
    const event = this.event(eventId(now), type, outcome, now, resource);
    event.durationMs = Math.max(0, now.getTime() - this.started.getTime());
    return event;
  }
}

export function createOperationAudit(
  deps: OperationAuditDeps,
  declaration: AuditDeclaration,
  who: AuditedActor,
  started: Date,
  bulkOperation?: { readonly index: number; readonly bulkId?: string },
): OperationAudit {
  return new Operation(deps, declaration, who, started, bulkOperation);
}
