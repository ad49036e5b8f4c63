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
  /**
   * A failed delivery, if `token` still holds the claim: pending again from `retryAt`, or dead (no more attempts) when
   * there is no `retryAt`. Null when the token no longer holds it.
   */
  fail(id: string, token: string, failure: { readonly now: string; readonly error: string; readonly retryAt?: string }): Promise<OutboxMessage | null>;
  /** A tenant's messages, oldest first (e.g. its dead letters). */
  list(tenantId: string, options: OutboxListOptions): Promise<OutboxMessage[]>;
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
