// The outbox port: side effects that must not be lost (audit events, webhooks, mail) are written to the store with,
// or right after, the change they describe, and delivered later by a worker with retries (ARCHITECTURE "Extensions,
// jobs and per-tenant schemas").
//
// Appending is idempotent: a message names the change it describes with a key (e.g. `user.created:<id>:<version>`),
// unique per tenant and topic, so the writer can append again after a crash or a retry without a second delivery.
// Delivery claims a batch, each message with a single-row / single-document compare-and-set (never a transaction):
// a claimed message is hidden until its claim expires, so of two workers each message goes to one; a worker that dies
// mid-delivery leaves its messages to be claimed again after the expiry (at-least-once; the key lets a receiver drop
// a repeat). ack() marks a delivery done; fail() schedules the next attempt, or dead-letters the message.
//
// Held messages. Where a change and its message cannot be written in one transaction (a MongoDB delete, an admin
// command), the writer appends the message FIRST with a `condition` and an availability at the end of a short hold,
// makes the change, then release()s the message (or discard()s it when the change did not happen). If the writer
// dies in between, the message becomes available when the hold ends, still carrying its condition: the topic's handler
// checks the condition against the store (did the change happen?) and delivers or drops the message accordingly. So a
// change that happened is never without its message, and a message whose change did not happen is never delivered.
import type { JsonValue } from './json-value';

export const OutboxStatus = { pending: 'pending', delivered: 'delivered', dead: 'dead' } as const;
export type OutboxStatus = (typeof OutboxStatus)[keyof typeof OutboxStatus];

export interface OutboxMessage {
  readonly id: string;
  readonly tenantId: string;
  /** What kind of side effect (`audit`, `webhook`, `mail`…): the worker delivers each topic with its own handler. */
  readonly topic: string;
  /** The change it describes; unique per tenant and topic. */
  readonly key: string;
  readonly payload: JsonValue;
  readonly status: OutboxStatus;
  /** Delivery attempts so far (claims). */
  readonly attempts: number;
  readonly created: string;
  /** While pending: not claimed before this instant (the next retry, or the end of a running claim). */
  readonly availableAt: string;
  readonly updated: string;
  /** The last failure, for operators (no secrets: handlers report what a person can act on). */
  readonly lastError?: string;
  readonly delivered?: string;
  /** Present on a held message that was never released: what the handler must confirm before delivering it. */
  readonly condition?: JsonValue;
}

export interface NewOutboxMessage {
  readonly id: string;
  readonly tenantId: string;
  readonly topic: string;
  readonly key: string;
  readonly payload: JsonValue;
  readonly created: string;
  /** Default: `created`. */
  readonly availableAt?: string;
  /** Makes the message a held one (see above): give `availableAt` the end of the hold. */
  readonly condition?: JsonValue;
  /**
   * An `audit` message (payload `{events}`) whose only delivery is into the audit event store, because no webhook
   * wants its events: a store that keeps the audit events in the same database writes them there at once, in the
   * writer's transaction, instead of queuing the message for a worker to move (the embedded store); the others queue
   * it as usual. Never set with a `condition`.
   */
  readonly auditStoreOnly?: true;
}

export interface OutboxClaim {
  readonly topics: readonly string[];
  readonly limit: number;
  readonly now: string;
  /** The claimed messages stay hidden until then; ack or fail them before. */
  readonly claimExpires: string;
  /** A fresh random value per claim; ack and fail must present it. */
  readonly token: string;
}

export interface OutboxListOptions {
  readonly limit: number;
  readonly status?: OutboxStatus;
  readonly topic?: string;
  /** Keyset: messages created after this one (oldest first). */
  readonly after?: { readonly created: string; readonly id: string };
}

/** Messages of one topic whose keys start with a prefix, in key order (e.g. one webhook's deliveries). */
export interface OutboxKeyRange {
  readonly topic: string;
  readonly prefix: string;
  readonly limit: number;
  /** Largest key first. */
  readonly descending?: boolean;
  /** Keyset: the keys after this one, in the order asked for. */
  readonly afterKey?: string;
}

export interface OutboxStore {
  /** Appends the messages whose (tenant, topic, key) is new and ignores the others; returns how many were new. */
  append(messages: readonly NewOutboxMessage[]): Promise<number>;
  /**
   * Claims up to `limit` pending messages that are available, oldest availability first: each is hidden until
   * `claimExpires` and counts an attempt. Each message goes to exactly one of concurrent claims.
   */
  claim(claim: OutboxClaim): Promise<OutboxMessage[]>;
  /** Marks a claimed message delivered, if `token` still holds its claim; false when it does not. */
  ack(id: string, token: string, now: string): Promise<boolean>;
  /** ack() for several messages of one claim, in one write; returns how many the token still held. */
  ackMany(ids: readonly string[], token: string, now: string): Promise<number>;
  /**
   * A failed delivery, if `token` still holds the claim: pending again from `retryAt`, or dead (no more attempts) when
   * there is no `retryAt`. Null when the token no longer holds it.
   */
  fail(id: string, token: string, failure: { readonly now: string; readonly error: string; readonly retryAt?: string }): Promise<OutboxMessage | null>;
  /** The message a change appended under this key, in any status; null when there is none (never appended, or purged). */
  find(tenantId: string, topic: string, key: string): Promise<OutboxMessage | null>;
  /** A tenant's messages, oldest first (e.g. its dead letters). */
  list(tenantId: string, options: OutboxListOptions): Promise<OutboxMessage[]>;
  /** A tenant's messages of one topic by key prefix, in key order (index-backed: the key is unique per tenant and topic). */
  listByKey(tenantId: string, range: OutboxKeyRange): Promise<OutboxMessage[]>;
  /** How many of a tenant's messages of one topic have a key starting with `prefix`. */
  countByKey(tenantId: string, topic: string, prefix: string): Promise<number>;
  /**
   * Ends the hold of held messages that no claim holds: available from `now`, condition cleared (their change
   * happened). Returns how many were released.
   */
  release(tenantId: string, topic: string, keys: readonly string[], now: string): Promise<number>;
  /** Deletes held messages that no claim holds (their change did not happen). Returns how many were deleted. */
  discard(tenantId: string, topic: string, keys: readonly string[]): Promise<number>;
  /** A dead message is pending again, with its attempts reset (an operator fixed the receiver); null when the tenant has no dead message with that id. */
  requeue(tenantId: string, id: string, now: string): Promise<OutboxMessage | null>;
  /** Deletes up to `limit` messages delivered before `before`; returns how many. */
  purgeDelivered(before: string, limit: number): Promise<number>;
  /**
   * How many messages of all tenants wait for delivery (pending, claimed ones included) and are dead: the backlog
   * operators watch (the metrics). Index-backed per status, so its cost follows the backlog, not the delivered ones.
   */
  countBacklog(): Promise<{ readonly pending: number; readonly dead: number }>;
}
