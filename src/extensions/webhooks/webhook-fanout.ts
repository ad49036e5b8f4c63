// From the audit trail to the webhooks: told about the audit messages just stored (audit-topic.ts), it appends one
// delivery message per webhook and audit message holding the events that webhook subscribes to. Idempotent: the
// delivery's key names the webhook and the audit message, so a redelivered audit message adds no second delivery.
// A tenant's active webhooks are read once per batch (at most MAX_WEBHOOKS_PER_TENANT of them).
import type { AuditListener } from '../audit/audit-topic';
import { payloadOf } from '../audit/audit-topic';
import type { JsonValue } from '../../store/json-value';
import type { NewOutboxMessage, OutboxMessage, OutboxStore } from '../../store/outbox-store';
import type { ResourceReader } from '../../store/resource-store';
import { WEBHOOK_TOPIC, deliveryKeyPrefix, type DeliveryPayload } from './webhook-events';
import { activeWebhooks } from './webhook-subscriptions';

export interface WebhookFanOutDeps {
  readonly resources: Pick<ResourceReader, 'list'>;
  readonly outbox: Pick<OutboxStore, 'append'>;
  readonly clock: () => Date;
  readonly newId: () => string;
}

export function webhookFanOut(deps: WebhookFanOutDeps): AuditListener {
  return async (messages) => {
    const byTenant = new Map<string, OutboxMessage[]>();
    for (const message of messages) byTenant.set(message.tenantId, [...(byTenant.get(message.tenantId) ?? []), message]);
    const deliveries: NewOutboxMessage[] = [];
    const created = deps.clock().toISOString();
    for (const [tenantId, ofTenant] of byTenant) {
      const webhooks = await activeWebhooks(deps.resources, tenantId);
      if (webhooks.length === 0) continue;
      for (const message of ofTenant) {
        const events = payloadOf(message).events;
        for (const webhook of webhooks) {
          const matching = events.filter((event) => webhook.matches(event.type));
          if (matching.length === 0) continue;
          const payload: DeliveryPayload = { webhookId: webhook.id, events: matching };
          // Keyed by the time of its first event: the delivery log lists by key, so it lists in event order.
          const key = `${deliveryKeyPrefix(webhook.id)}${matching[0].time}/${message.key}`;
          deliveries.push({ id: deps.newId(), tenantId, topic: WEBHOOK_TOPIC, key, payload: payload as unknown as JsonValue, created });
        }
      }
    }
    await deps.outbox.append(deliveries);
  };
}
