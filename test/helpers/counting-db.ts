// A MongoDB Db handle for tests that counts the documents the store writes: inserted, upserted, modified or deleted,
// as the server reports them in each write's result. The store contract uses it to check that a change to a large
// group writes a delta, not the whole member list (what a store says it changed is not evidence of what it wrote).
// Works over a driver Db (a real server) and over the mingo stand-in alike.
import { MongoBulkWriteError, type Db } from 'mongodb';

export interface CountingDb {
  readonly db: Db;
  /** Documents written so far, over every collection. */
  documentsWritten(): number;
}

interface WriteCounts {
  readonly insertedCount?: number;
  readonly upsertedCount?: number;
  readonly modifiedCount?: number;
  readonly deletedCount?: number;
}

const sum = (result: WriteCounts | null | undefined) =>
  (result?.insertedCount ?? 0) + (result?.upsertedCount ?? 0) + (result?.modifiedCount ?? 0) + (result?.deletedCount ?? 0);

/** How many documents a write method's result says it wrote. */
const COUNTERS: Readonly<Record<string, (result: unknown) => number>> = {
  insertOne: () => 1,
  insertMany: (result) => sum(result as WriteCounts),
  bulkWrite: (result) => sum(result as WriteCounts),
  updateOne: (result) => sum(result as WriteCounts),
  updateMany: (result) => sum(result as WriteCounts),
  replaceOne: (result) => sum(result as WriteCounts),
  deleteOne: (result) => sum(result as WriteCounts),
  deleteMany: (result) => sum(result as WriteCounts),
  // Without includeResultMetadata these answer the document, or null when nothing matched.
  findOneAndUpdate: (result) => (result === null ? 0 : 1),
  findOneAndReplace: (result) => (result === null ? 0 : 1),
  findOneAndDelete: (result) => (result === null ? 0 : 1),
};

export function countingDb(db: Db): CountingDb {
  let written = 0;
  const wrap = (collection: object) =>
    new Proxy(collection, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        const count = typeof property === 'string' ? COUNTERS[property] : undefined;
        if (!count || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          try {
            const result: unknown = await value.apply(target, args);
            written += count(result);
            return result;
          } catch (error) {
            // An unordered bulk write that failed for some items still wrote the others.
            if (error instanceof MongoBulkWriteError) written += sum(error.result as unknown as WriteCounts);
            throw error;
          }
        };
      },
    });
  const counted = new Proxy(db, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'collection' || typeof value !== 'function') return value;
      return (...args: unknown[]) => wrap(value.apply(target, args) as object);
    },
  });
  return { db: counted, documentsWritten: () => written };
}
