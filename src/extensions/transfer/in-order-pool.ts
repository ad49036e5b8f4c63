// Import records several at a time, accounted for one after the other (README "Export and import"). A record spends much
// of its time waiting (the role catalogue and group lookups on the read threads, the store's commit), so while one
// waits the next can work; but whatever follows from a record's outcome (its place in the results or the report, the
// counts, a checkpoint) is done strictly in the records' order. So a checkpoint names a record only once it and every
// record before it are done: a job resumed from it never skips a record, and never repeats more than those in flight.

/**
 * Records of an import in flight at once unless SCIM_IMPORT_CONCURRENCY says otherwise (README "Export and import"): with
 * the joins of a group batched (record-importer.ts), more in flight means more users per commit.
 */
export const IMPORT_CONCURRENCY = 32;

export interface InOrderPool<T, R> {
  /** How many items may be worked on at once (at least 1). */
  readonly concurrency: number;
  /** The work on one item; its outcome goes to `settle`. */
  work(item: T): Promise<R>;
  /** Called once per item, in the items' order, after every item before it was settled. */
  settle(outcome: R, item: T): Promise<void> | void;
  /** True once no further item may start (a job told to stop): the items started are still settled, in order. */
  stopped?(): boolean;
}

/**
 * Runs the pool over `items`, reading ahead at most `concurrency` items. Settles in order: an item whose work ended
 * early waits for the items before it. Once `stopped()` says so, no further item starts and those started are settled.
 * When `settle` or `work` throws, no further item starts, and the call returns (with that error) only once the work
 * already started has ended, so that nothing goes on writing behind the caller.
 */
export async function runInOrder<T, R>(items: AsyncIterable<T> | Iterable<T>, pool: InOrderPool<T, R>): Promise<void> {
  const concurrency = Math.max(1, Math.trunc(pool.concurrency));
  const inFlight: { readonly item: T; readonly outcome: Promise<R> }[] = [];
  const settleHead = async () => {
    const head = inFlight[0];
    const outcome = await head.outcome;
    inFlight.shift();
    await pool.settle(outcome, head.item);
  };
  try {
    for await (const item of items) {
      if (pool.stopped?.()) break;
      const outcome = pool.work(item);
      // Awaited in turn below; until then a failure must not count as unhandled.
      outcome.catch(() => undefined);
      inFlight.push({ item, outcome });
      if (inFlight.length >= concurrency) await settleHead();
    }
    while (inFlight.length > 0) await settleHead();
  } finally {
    await Promise.allSettled(inFlight.map((entry) => entry.outcome));
  }
}
