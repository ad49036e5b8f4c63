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
  readonly outbox: Pick<OutboxStore, 'claim' | 'ack' | 'fail'>;
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
  for (const message of batch) {
    if (stopping.aborted) {
      // Not attempted: handed back at once rather than left hidden until the claim expires.
      await outbox.fail(message.id, token, { now: clock().toISOString(), error: 'Not attempted: the worker was stopping', retryAt: clock().toISOString() });
      continue;
    }
    await deliverOne(deps, deps.topics.get(message.topic)!, message, token, stopping);
  }
  return batch.length;
}

async function deliverOne(deps: OutboxRelayDeps, topic: OutboxTopic, message: OutboxMessage, token: string, stopping: AbortSignal): Promise<void> {
  const { outbox, clock, logger } = deps;
  const log = { messageId: message.id, topic: message.topic, tenantId: message.tenantId, attempt: message.attempts };
  try {
    await topic.deliver(message, { signal: stopping, clock });
  } catch (error) {
    const maxAttempts = topic.maxAttempts ?? DEFAULT_OUTBOX_MAX_ATTEMPTS;
    const dead = (error instanceof DeliveryFailure && error.permanent) || message.attempts >= maxAttempts;
    const now = clock();
    const reason = error instanceof DeliveryFailure ? error.message : 'Internal error while delivering; the server log has the details';
    const retryAt = dead ? undefined : new Date(now.getTime() + retryDelayMs(message.attempts, { random: deps.random })).toISOString();
    await outbox.fail(message.id, token, { now: now.toISOString(), error: reason, ...(retryAt ? { retryAt } : {}) });
    if (dead) logger.error({ ...log, err: error }, 'outbox message dead-lettered: it will not be delivered again unless requeued');
    else logger.warn({ ...log, err: error, retryAt }, 'outbox delivery failed; it will be retried');
    return;
  }
  if (!(await outbox.ack(message.id, token, clock().toISOString()))) {
    logger.warn(log, 'outbox message delivered after its claim expired; it may be delivered again');
  }
}
