// The audit events of invitation steps that no bearer-token request records (README "Audit events", "Invitations"):
// an accept (its link is its only credential, so the HTTP layer has no tenant or actor to record it for), an expiry
// (by the sweep, or found at accept), and each mail delivery attempt. Each is one outbox message of the audit topic
// holding the step's pair of events, INVITATION_<ACTION>_START then _SUCCESS or _FAIL, in the shape the HTTP layer
// writes (src/extensions/audit/operation-audit.ts), appended right after the change it describes. The routes with a
// token (create, read, list, resend, cancel) are recorded by the HTTP layer from their OpenAPI declarations.
// Never in an event: the link or its token.
import type { RequestContext } from '../../auth/request-context';
import type { AuditEventRecord } from '../../store/audit-event-store';
import type { JsonValue } from '../../store/json-value';
import type { NewOutboxMessage } from '../../store/outbox-store';
import { AUDIT_TOPIC, auditDeclaration, AuditPhase, eventId, eventType, type AuditMessagePayload } from '../audit/audit-event';

export const InvitationAuditAction = { accept: 'ACCEPT', expire: 'EXPIRE', deliver: 'DELIVER' } as const;
export type InvitationAuditAction = (typeof InvitationAuditAction)[keyof typeof InvitationAuditAction];

export interface InvitationStep {
  readonly action: InvitationAuditAction;
  readonly context: Pick<RequestContext, 'tenantId' | 'actor' | 'requestId' | 'clientAddress'>;
  readonly invitationId: string;
  readonly started: Date;
  readonly ended: Date;
  /** A step that failed: the status answered (or, for a delivery, 502: the mail server refused or could not be reached). */
  readonly failure?: { readonly status: number; readonly scimType?: string };
}

/** The outbox message holding a step's START and outcome events. */
export function invitationAuditMessage(step: InvitationStep, newId: () => string): NewOutboxMessage {
  const declaration = auditDeclaration('INVITATION', step.action);
  const startId = eventId(step.started);
  const base = (id: string, phase: AuditPhase, time: Date): AuditEventRecord => ({
    id,
    tenantId: step.context.tenantId,
    type: eventType(declaration, phase),
    time: time.toISOString(),
    outcome: phase === AuditPhase.start ? 'started' : phase === AuditPhase.success ? 'success' : 'failure',
    actor: { kind: step.context.actor.kind, tokenId: step.context.actor.tokenId, label: step.context.actor.label },
    requestId: step.context.requestId,
    clientAddress: step.context.clientAddress,
    resource: { type: 'Invitation', id: step.invitationId },
  });
  const outcome: AuditEventRecord = {
    ...base(eventId(step.ended), step.failure ? AuditPhase.fail : AuditPhase.success, step.ended),
    durationMs: Math.max(0, step.ended.getTime() - step.started.getTime()),
    ...(step.failure ? { error: step.failure.scimType ? { status: step.failure.status, scimType: step.failure.scimType } : { status: step.failure.status } } : {}),
  };
  const payload: AuditMessagePayload = { events: [base(startId, AuditPhase.start, step.started), outcome] };
  return {
    id: newId(),
    tenantId: step.context.tenantId,
    topic: AUDIT_TOPIC,
    key: `invitation:${step.action}:${startId}`,
    payload: payload as unknown as JsonValue,
    created: step.ended.toISOString(),
  };
}
