// Delivers one batch of outbox messages with the registered topic handlers (see outbox-topic.ts for the rules).
// Messages are delivered one after the other in the order claimed, so that a tenant's events reach a receiver in the
// order they were written, as far as retries allow.
import type { OutboxMessage, OutboxStore } from '../store/outbox-store';
import { retryDelayMs } from './backoff';
import type { WorkerLogger } from './job-type';
import { DeliveryFailure, type OutboxTopic } from './outbox-topic';

export const DEFAULT_OUTBOX_MAX_ATTEMPTS = 8;
/** How long a claimed batch stays hidden from other workers. */
export const OUTBOX_CLAIM_MS = 60_000;

export interface OutboxRelayDeps {
  readonly outbox: Pick<OutboxStore, 'claim' | 'ack' | 'ackMany' | 'fail'>;
  readonly topics: ReadonlyMap<string, OutboxTopic>;
  readonly clock: () => Date;
  readonly logger: WorkerLogger;
  readonly newToken: () => string;
  readonly random?: () => number;
}

/** Claims and delivers up to `limit` messages; returns how many were claimed (0: nothing was available). */
export async function relayOutboxBatch(deps: OutboxRelayDeps, limit: number, stopping: AbortSignal): Promise<number> {
  const { outbox, clock } = deps;
  if (deps.topics.size === 0) return 0;
  const token = deps.newToken();
  const now = clock();
  const batch = await outbox.claim({
    topics: [...deps.topics.keys()],
    limit,
    now: now.toISOString(),
    claimExpires: new Date(now.getTime() + OUTBOX_CLAIM_MS).toISOString(),
    token,
  });
  // Topics that deliver a batch at once get all their messages of this claim together; the others one by one.
  const batched = new Map<string, OutboxMessage[]>();
  for (const message of batch) {
    if (stopping.aborted) {
      // Not attempted: handed back at once rather than left hidden until the claim expires.
      await outbox.fail(message.id, token, { now: clock().toISOString(), error: 'Not attempted: the worker was stopping', retryAt: clock().toISOString() });
      continue;
    }
    const topic = deps.topics.get(message.topic)!;
    if (topic.deliverBatch) batched.set(topic.topic, [...(batched.get(topic.topic) ?? []), message]);
    else await deliverOne(deps, topic, message, token, stopping);
  }
  for (const [name, messages] of batched) await deliverMany(deps, deps.topics.get(name)!, messages, token, stopping);
  return batch.length;
}

async function deliverMany(deps: OutboxRelayDeps, topic: OutboxTopic, messages: readonly OutboxMessage[], token: string, stopping: AbortSignal): Promise<void> {
  let refused: ReadonlyMap<string, unknown>;
  try {
    refused = (await topic.deliverBatch!(messages, { signal: stopping, clock: deps.clock }))?.failed ?? new Map();
  } catch (error) {
    for (const message of messages) await failed(deps, topic, message, token, error);
    return;
  }
  for (const message of messages) if (refused.has(message.id)) await failed(deps, topic, message, token, refused.get(message.id));
  const delivered = messages.filter((message) => !refused.has(message.id));
  const acked = await deps.outbox.ackMany(
    delivered.map((message) => message.id),
    token,
    deps.clock().toISOString(),
  );
  if (acked < delivered.length) deps.logger.warn({ topic: topic.topic, delivered: delivered.length, acknowledged: acked }, 'outbox messages delivered after their claim expired; they may be delivered again');
}

/** A failed delivery: retried after a backoff, or dead-lettered (a permanent failure, or the last attempt). */
async function failed(deps: OutboxRelayDeps, topic: OutboxTopic, message: OutboxMessage, token: string, error: unknown): Promise<void> {
  const log = { messageId: message.id, topic: message.topic, tenantId: message.tenantId, attempt: message.attempts };
  const maxAttempts = topic.maxAttempts ?? DEFAULT_OUTBOX_MAX_ATTEMPTS;
  const dead = (error instanceof DeliveryFailure && error.permanent) || message.attempts >= maxAttempts;
  const now = deps.clock();
  const reason = error instanceof DeliveryFailure ? error.message : 'Internal error while delivering; the server log has the details';
  const retryAt = dead ? undefined : new Date(now.getTime() + retryDelayMs(message.attempts, { random: deps.random })).toISOString();
  await deps.outbox.fail(message.id, token, { now: now.toISOString(), error: reason, ...(retryAt ? { retryAt } : {}) });
  if (dead) deps.logger.error({ ...log, err: error }, 'outbox message dead-lettered: it will not be delivered again unless requeued');
  else deps.logger.warn({ ...log, err: error, retryAt }, 'outbox delivery failed; it will be retried');
}

async function deliverOne(deps: OutboxRelayDeps, topic: OutboxTopic, message: OutboxMessage, token: string, stopping: AbortSignal): Promise<void> {
  const { outbox, clock, logger } = deps;
  const log = { messageId: message.id, topic: message.topic, tenantId: message.tenantId, attempt: message.attempts };
  try {
    await topic.deliver(message, { signal: stopping, clock });
  } catch (error) {
    await failed(deps, topic, message, token, error);
    return;
  }
  if (!(await outbox.ack(message.id, token, clock().toISOString()))) {
    logger.warn(log, 'outbox message delivered after its claim expired; it may be delivered again');
  }
}
