// The audit record of a change that is not a resource write (an admin command: token create, rotate, revoke). Such a
// change has no transaction to share with its events, so they are written around it as held outbox messages
// (outbox-store.ts, "Held messages"): START and SUCCESS are appended first, held, with a condition that tells whether
// the change happened; then the change is made; then the events are released. If the change fails, the held events
// are discarded and START + FAIL are recorded instead. If the process dies in between, the events surface when the
// hold ends and are delivered only if the condition holds (confirm-condition.ts). SUCCESS therefore carries the time
// just before the store write, not after it: the write of an admin command is one short store call.
import type { JsonValue } from '../../store/json-value';
import type { NewOutboxMessage, OutboxStore } from '../../store/outbox-store';
import { AuditOutcome, type AuditEventRecord } from '../../store/audit-event-store';
import { AUDIT_TOPIC, AuditPhase, eventId, eventType, type AuditDeclaration, type AuditMessagePayload } from './audit-event';
import type { AuditCondition } from './confirm-condition';
import type { AuditedActor } from './operation-audit';

export interface AuditedChangeDeps {
  readonly outbox: Pick<OutboxStore, 'append' | 'release' | 'discard'>;
  readonly clock: () => Date;
  readonly newId: () => string;
}

export interface AuditedChange {
  readonly declaration: AuditDeclaration;
  readonly who: AuditedActor;
  readonly target: { readonly type: string; readonly id: string };
  /** What the store shows once the change happened. */
  readonly condition: AuditCondition;
  readonly changedAttributes?: readonly string[];
}

/** How long the events wait for their change before the audit topic checks the condition itself. */
export const AUDITED_CHANGE_HOLD_MS = 30_000;

export async function auditedChange<T>(deps: AuditedChangeDeps, change: AuditedChange, make: () => Promise<T>): Promise<T> {
  const started = deps.clock();
  const event = (phase: AuditPhase, time: Date, extra: Partial<AuditEventRecord> = {}): AuditEventRecord => ({
    id: eventId(time),
    tenantId: change.who.tenantId,
    type: eventType(change.declaration, phase),
    time: time.toISOString(),
    outcome: phase === AuditPhase.start ? AuditOutcome.started : phase === AuditPhase.success ? AuditOutcome.success : AuditOutcome.failure,
    actor: change.who.actor,
    requestId: change.who.requestId,
    clientAddress: change.who.clientAddress,
    resource: change.target,
    ...(phase === AuditPhase.start ? {} : { durationMs: Math.max(0, time.getTime() - started.getTime()) }),
    ...extra,
  });
  const message = (events: readonly AuditEventRecord[], held: boolean): NewOutboxMessage => {
    const payload: AuditMessagePayload = { events };
    return {
      id: deps.newId(),
      tenantId: change.who.tenantId,
      topic: AUDIT_TOPIC,
      key: `change:${events[0].id}`,
      payload: payload as unknown as JsonValue,
      created: started.toISOString(),
      ...(held ? { availableAt: new Date(started.getTime() + AUDITED_CHANGE_HOLD_MS).toISOString(), condition: change.condition as unknown as JsonValue } : {}),
    };
  };

  const start = event(AuditPhase.start, started);
  const extra = change.changedAttributes ? { changedAttributes: [...change.changedAttributes] } : {};
  const held = message([start, event(AuditPhase.success, deps.clock(), extra)], true);
  await deps.outbox.append([held]);
  let result: T;
  try {
    result = await make();
  } catch (error) {
    await deps.outbox.discard(held.tenantId, AUDIT_TOPIC, [held.key]);
    const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
    await deps.outbox.append([message([start, event(AuditPhase.fail, deps.clock(), { error: { status } })], false)]);
    throw error;
  }
  await deps.outbox.release(held.tenantId, AUDIT_TOPIC, [held.key], deps.clock().toISOString());
  return result;
}
