// Work per key done in batches, one batch at a time per key (README "Export and import"): the records of an import that
// join the same group come to it while a batch for it runs, and are then handled together by the next one. So one key
// is worked on by one batch at a time (a group is created once, its member writes never race each other), yet many
// records cost one batch's writes: the import of a directory whose users all belong to one group makes one member
// write per batch instead of one per user, each waiting for the one before it.

export interface KeyedBatches<T> {
  /** Queues `item` at `key`; settles with the item's own outcome once the batch that took it ended. */
  (key: string, item: T): Promise<void>;
  /** Keys with a batch running or items waiting: a key nobody waits at takes no memory. */
  readonly size: number;
}

/**
 * What one batch does: `items` in the order they came; the result has one entry per item, undefined for an item that
 * succeeded and its error otherwise. A batch that throws fails each of its items with that error.
 */
export type BatchWork<T> = (key: string, items: readonly T[]) => Promise<readonly unknown[]>;

interface Waiting<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export function createKeyedBatches<T>(work: BatchWork<T>): KeyedBatches<T> {
  /** Per key, the items waiting for the next batch; present while a batch of the key runs. */
  const queues = new Map<string, Waiting<T>[]>();

  const drain = async (key: string) => {
    // The first batch waits for the rest of this turn of the event loop: the records whose users one group commit wrote
    // are answered together, and all reach their group in that turn (store/sqlite/group-commit.ts gathers alike).
    await new Promise((resolve) => setImmediate(resolve));
    for (let batch = queues.get(key)!; batch.length > 0; batch = queues.get(key)!) {
      queues.set(key, []);
      let outcomes: readonly unknown[];
      try {
        outcomes = await work(key, batch.map((waiting) => waiting.item));
      } catch (error) {
        outcomes = batch.map(() => error);
      }
      batch.forEach((waiting, at) => (outcomes[at] === undefined ? waiting.resolve() : waiting.reject(outcomes[at])));
    }
    queues.delete(key);
  };

  const add = (key: string, item: T) =>
    new Promise<void>((resolve, reject) => {
      const queue = queues.get(key);
      if (queue) {
        queue.push({ item, resolve, reject });
        return;
      }
      queues.set(key, [{ item, resolve, reject }]);
      void drain(key);
    });
  return Object.defineProperty(add, 'size', { get: () => queues.size }) as KeyedBatches<T>;
}
