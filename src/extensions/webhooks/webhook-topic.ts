// Delivers webhook messages (topic `webhook`): a signed POST to the subscriber (post-delivery.ts), retried by the
// worker host with exponential backoff (5 s doubling, at most an hour apart) for a day from the event, then given up
// (dead-lettered, with the last error in the delivery log). A 410 Gone or a destination the SSRF policy refuses ends
// it at once. A delivery of a webhook deleted since is dropped; one of a webhook that was deactivated is given up.
//
// A claimed batch is delivered webhook by webhook side by side, each webhook's deliveries in the order claimed: a
// receiver sees its events in order (as far as retries allow), and a slow or unreachable receiver costs the batch one
// timeout per delivery of its own, not one per delivery of every tenant behind it.
import { DeliveryFailure, type BatchDelivery, type DeliveryContext, type OutboxTopic } from '../../jobs/outbox-topic';
import type { OutboxMessage } from '../../store/outbox-store';
import type { ResourceReader } from '../../store/resource-store';
import { postDelivery, type DeliveryPolicy } from './post-delivery';
import type { SecretBox } from './secret-box';
import { DELIVERY_DEADLINE_MS, WEBHOOK_TOPIC, WEBHOOK_TYPE, deliveryBody, type DeliveryPayload } from './webhook-events';

export interface WebhookTopicDeps {
  readonly resources: Pick<ResourceReader, 'get'>;
  readonly secrets: SecretBox | undefined;
  readonly policy: DeliveryPolicy;
}

/**
 * A ceiling the day's deadline reaches first: the backoff waits between half and all of an hour once it is capped, so
 * a day holds at most about 60 attempts; the deadline, not the count, ends a delivery.
 */
const MAX_ATTEMPTS = 100;

export function webhookTopic(deps: WebhookTopicDeps): OutboxTopic {
  const deliver = async (message: OutboxMessage, { clock }: DeliveryContext): Promise<void> => {
    const now = clock();
    if (now.getTime() - Date.parse(message.created) > DELIVERY_DEADLINE_MS) {
      throw new DeliveryFailure(`Given up: not delivered within a day of the event (last error: ${message.lastError ?? 'none'})`, true);
    }
    const payload = message.payload as unknown as DeliveryPayload;
    const webhook = await deps.resources.get(message.tenantId, WEBHOOK_TYPE, payload.webhookId);
    if (!webhook) return;
    if (webhook.attributes.active === false) throw new DeliveryFailure('Not delivered: the webhook is inactive', true);
    if (!deps.secrets) throw new DeliveryFailure('Not delivered yet: the server has no webhook secret key (SCIM_WEBHOOK_SECRET_KEY)');
    let secret: string;
    try {
      secret = deps.secrets.open(String(webhook.internal.secret), webhook.id);
    } catch {
      throw new DeliveryFailure('Not delivered: the signing secret cannot be opened with this server’s key (was SCIM_WEBHOOK_SECRET_KEY changed?)', true);
    }
    const result = await postDelivery({ url: String(webhook.attributes.url), body: deliveryBody(message.id, payload), secret, webhookId: webhook.id, deliveryId: message.id, now }, deps.policy);
    if (!result.delivered) throw new DeliveryFailure(result.error ?? 'Not delivered', result.permanent ?? false);
  };

  return {
    topic: WEBHOOK_TOPIC,
    maxAttempts: MAX_ATTEMPTS,
    deliver,
    async deliverBatch(messages, context): Promise<BatchDelivery> {
      const byWebhook = new Map<string, OutboxMessage[]>();
      for (const message of messages) {
        const key = `${message.tenantId}/${(message.payload as unknown as DeliveryPayload).webhookId}`;
        byWebhook.set(key, [...(byWebhook.get(key) ?? []), message]);
      }
      const failed = new Map<string, unknown>();
      await Promise.all(
        [...byWebhook.values()].map(async (ofWebhook) => {
          for (const message of ofWebhook) {
            try {
              await deliver(message, context);
            } catch (error) {
              failed.set(message.id, error);
            }
          }
        }),
      );
      return { failed };
    },
  };
}
