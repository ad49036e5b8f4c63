// What a kind of side effect declares to the worker host: the outbox topic it delivers and how to deliver one
// message. The host claims messages in batches and, per message:
//   - deliver resolves                           -> acknowledged (delivered);
//   - deliver throws DeliveryFailure(permanent)  -> dead-lettered at once (retrying cannot help, e.g. a 410);
//   - deliver throws anything else               -> retried with exponential backoff, dead after `maxAttempts`.
// Delivery is at least once: a worker that dies after delivering and before acknowledging leaves the message to be
// delivered again when its claim expires. Receivers de-duplicate on the message's key.
import type { OutboxMessage } from '../store/outbox-store';

export interface DeliveryContext {
  readonly signal: AbortSignal;
  readonly clock: () => Date;
}

export interface OutboxTopic {
  readonly topic: string;
  /** Attempts before the message is dead-lettered (default 8). */
  readonly maxAttempts?: number;
  deliver(message: OutboxMessage, context: DeliveryContext): Promise<void>;
  /**
   * Delivers the topic's messages of one claimed batch at once (e.g. one store write for all of them): resolves ->
   * acknowledged in one write, except those it names in `failed` (each handled as its own failed delivery); throws ->
   * each is retried as if its own delivery had failed. A topic without it has each message delivered on its own.
   */
  deliverBatch?(messages: readonly OutboxMessage[], context: DeliveryContext): Promise<BatchDelivery | void>;
}

/** What a batch delivery reports about messages it could not deliver, by message id. */
export interface BatchDelivery {
  readonly failed: ReadonlyMap<string, unknown>;
}

/** A delivery failure with a message for operators (kept as the message's lastError; no secrets). */
export class DeliveryFailure extends Error {
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
    this.name = 'DeliveryFailure';
  }
}
