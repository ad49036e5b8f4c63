// Delivers audit messages from the outbox to where events are read: the audit event store (GET /AuditEvents), then
// whatever else listens (the webhooks: each subscription gets its own delivery message). A whole claimed batch goes
// in one store write. Both steps are idempotent (events by id, deliveries by key), so a batch delivered again after a
// crash adds nothing twice. Held messages whose writer died are checked first (confirm-condition.ts).
import type { AuditEventStore } from '../../store/audit-event-store';
import type { OutboxMessage } from '../../store/outbox-store';
import { DeliveryFailure, type BatchDelivery, type OutboxTopic } from '../../jobs/outbox-topic';
import type { WorkerLogger } from '../../jobs/job-type';
import { AUDIT_TOPIC, type AuditMessagePayload } from './audit-event';
import { UnknownCondition } from './confirm-condition';

/** Told about the messages delivered to the audit store (e.g. to fan them out to webhooks); must be idempotent. */
export type AuditListener = (messages: readonly OutboxMessage[]) => Promise<void>;

export interface AuditTopicDeps {
  readonly auditEvents: Pick<AuditEventStore, 'append'>;
  readonly holds: (tenantId: string, condition: unknown, payload: AuditMessagePayload) => Promise<boolean>;
  readonly listeners?: readonly AuditListener[];
  readonly logger: WorkerLogger;
}

export function payloadOf(message: OutboxMessage): AuditMessagePayload {
  return message.payload as unknown as AuditMessagePayload;
}

export function auditTopic(deps: AuditTopicDeps): OutboxTopic {
  const deliverBatch = async (messages: readonly OutboxMessage[]): Promise<BatchDelivery> => {
    const accepted: OutboxMessage[] = [];
    const failed = new Map<string, unknown>();
    for (const message of messages) {
      if (message.condition === undefined) {
        accepted.push(message);
        continue;
      }
      let holds: boolean;
      try {
        holds = await deps.holds(message.tenantId, message.condition, payloadOf(message));
      } catch (error) {
        // Kept for an operator (and a server version) that knows the condition; the others go on.
        if (error instanceof UnknownCondition) failed.set(message.id, new DeliveryFailure(error.message, true));
        else throw error;
        continue;
      }
      if (holds) accepted.push(message);
      else deps.logger.info({ messageId: message.id, tenantId: message.tenantId }, 'audit events of a change that did not happen were dropped (its writer stopped midway)');
    }
    await deps.auditEvents.append(accepted.flatMap((message) => payloadOf(message).events));
    for (const listener of deps.listeners ?? []) await listener(accepted);
    return { failed };
  };
  return {
    topic: AUDIT_TOPIC,
    deliverBatch,
    async deliver(message) {
      const failure = (await deliverBatch([message])).failed.get(message.id);
      if (failure) throw failure;
    },
  };
}
