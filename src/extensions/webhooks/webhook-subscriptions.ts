// Which audit events a tenant's webhooks subscribe to. The fan-out reads them for each batch it delivers
// (webhook-fanout.ts); the audit buffer asks before each flush which of its read events some webhook wants, so that only
// those take the outbox to the webhooks and the rest go straight into the audit store (audit-buffer.ts). That question
// is asked for every flush of every tenant with traffic, so its answer is remembered for `ttlMs`, and forgotten at once
// when a webhook of the tenant is written through this instance (afterWrite / afterDelete of the webhook behaviour).
// Another instance's change is seen within `ttlMs`.
import type { ResourceReader } from '../../store/resource-store';
import { eventMatcher } from './event-patterns';
import { MAX_WEBHOOKS_PER_TENANT, WEBHOOK_TYPE } from './webhook-events';

export interface ActiveWebhook {
  readonly id: string;
  readonly matches: (type: string) => boolean;
}

/** The tenant's active webhooks with a matcher of their events (a tenant has at most MAX_WEBHOOKS_PER_TENANT). */
export async function activeWebhooks(resources: Pick<ResourceReader, 'list'>, tenantId: string): Promise<ActiveWebhook[]> {
  const { resources: webhooks } = await resources.list(tenantId, { resourceType: WEBHOOK_TYPE, page: { kind: 'index', startIndex: 1, count: MAX_WEBHOOKS_PER_TENANT } });
  return webhooks
    .filter((webhook) => webhook.attributes.active !== false)
    .map((webhook) => ({ id: webhook.id, matches: eventMatcher((webhook.attributes.events as string[] | undefined) ?? []) }));
}

/** Tests an event type against every active webhook of a tenant. */
export type SubscribedTest = (type: string) => boolean;

export interface WebhookSubscriptions {
  /** Whether some active webhook of the tenant wants an event type; undefined when the tenant has no active webhook. */
  subscribed(tenantId: string): Promise<SubscribedTest | undefined>;
  /**
   * Without waiting: false only when the remembered answer says that no active webhook of the tenant wants the type;
   * true when one does, or when nothing fresh is remembered (then the tenant's webhooks are read in the background).
   */
  mayWant(tenantId: string, type: string): boolean;
  /** A webhook of the tenant was written on this instance: read its webhooks again next time. */
  forget(tenantId: string): void;
}

export interface WebhookSubscriptionsDeps {
  readonly resources: Pick<ResourceReader, 'list'>;
  readonly clock: () => Date;
  readonly ttlMs?: number;
}

/** How long another instance's change of a webhook may go unseen by the read events of this one. */
export const SUBSCRIPTIONS_CACHE_MS = 5000;
/** Tenants remembered at most; beyond it everything is forgotten at once (each tenant costs one read to relearn). */
const MAX_TENANTS = 10_000;

interface Entry {
  readonly test: SubscribedTest | undefined;
  readonly until: number;
}

export function webhookSubscriptions(deps: WebhookSubscriptionsDeps): WebhookSubscriptions {
  const ttlMs = deps.ttlMs ?? SUBSCRIPTIONS_CACHE_MS;
  const remembered = new Map<string, Entry>();
  // Bumped by forget(): a read that started before a webhook was written must not be remembered after it.
  const generations = new Map<string, number>();

  // One read per tenant at a time, however many callers ask meanwhile.
  const reading = new Map<string, Promise<SubscribedTest | undefined>>();

  const read = (tenantId: string, now: number): Promise<SubscribedTest | undefined> => {
    const running = reading.get(tenantId);
    if (running) return running;
    const generation = generations.get(tenantId) ?? 0;
    const started = activeWebhooks(deps.resources, tenantId)
      .then((webhooks) => {
        const test: SubscribedTest | undefined = webhooks.length === 0 ? undefined : (type) => webhooks.some((webhook) => webhook.matches(type));
        if ((generations.get(tenantId) ?? 0) === generation) {
          if (remembered.size >= MAX_TENANTS) remembered.clear();
          remembered.set(tenantId, { test, until: now + ttlMs });
        }
        return test;
      })
      .finally(() => {
        if (reading.get(tenantId) === started) reading.delete(tenantId);
      });
    reading.set(tenantId, started);
    return started;
  };

  const fresh = (tenantId: string, now: number): Entry | undefined => {
    const entry = remembered.get(tenantId);
    return entry && entry.until > now ? entry : undefined;
  };

  return {
    async subscribed(tenantId) {
      const now = deps.clock().getTime();
      const entry = fresh(tenantId, now);
      return entry ? entry.test : read(tenantId, now);
    },
    mayWant(tenantId, type) {
      const now = deps.clock().getTime();
      const entry = fresh(tenantId, now);
      if (entry) return entry.test?.(type) ?? false;
      // Not known now: assume a webhook wants it (its message is queued), and learn for the next write.
      read(tenantId, now).catch(() => undefined);
      return true;
    },
    forget(tenantId) {
      remembered.delete(tenantId);
      reading.delete(tenantId);
      generations.set(tenantId, (generations.get(tenantId) ?? 0) + 1);
    },
  };
}
