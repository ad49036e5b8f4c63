// Webhook names shared by the service, the fan-out and the delivery topic.
import type { AuditEventRecord } from '../../store/audit-event-store';

/** The resource type of webhook subscriptions in the resource store. */
export const WEBHOOK_TYPE = 'Webhook';
/** The outbox topic of deliveries: one message per webhook and audit message, keyed `<webhookId>/<time>/<audit key>`. */
export const WEBHOOK_TOPIC = 'webhook';
/** How long a delivery is retried (with exponential backoff, at most an hour apart) before it is given up. */
export const DELIVERY_DEADLINE_MS = 24 * 60 * 60 * 1000;
/** Most webhooks a tenant may have: each audit event is matched against all of them. */
export const MAX_WEBHOOKS_PER_TENANT = 20;

/** What a delivery message carries; the POSTed body adds the delivery's id. */
export interface DeliveryPayload {
  readonly webhookId: string;
  readonly events: readonly AuditEventRecord[];
}

/** The body POSTed to the subscriber. */
export function deliveryBody(deliveryId: string, payload: DeliveryPayload): string {
  return JSON.stringify({ webhookId: payload.webhookId, deliveryId, events: payload.events });
}

/** The key prefix of one webhook's deliveries in the outbox (its delivery log). */
export const deliveryKeyPrefix = (webhookId: string) => `${webhookId}/`;
