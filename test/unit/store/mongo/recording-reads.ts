// A Db whose reads of the resources collection are recorded (operation, query and options), for tests that check
// what the MongoDB store asks the server.
import type { Db } from 'mongodb';

const READS = new Set(['find', 'countDocuments', 'aggregate']);

export interface RecordedRead {
  readonly operation: string;
  /** The filter of a find or count, the pipeline of an aggregation. */
  readonly query: unknown;
  readonly options: Record<string, unknown>;
}

/** The Db with every read of the resources collection recorded: the operation, its query and its options. */
export function recordingReads(db: Db): { db: Db; reads: RecordedRead[] } {
  const reads: RecordedRead[] = [];
  const recorded = new Proxy(db, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'collection' || typeof value !== 'function') return value;
      return (name: string, ...rest: unknown[]) => {
        const collection = (value as (...args: unknown[]) => object).call(target, name, ...rest);
        if (name !== 'resources') return collection;
        return new Proxy(collection, {
          get(inner, method, innerReceiver) {
            const fn: unknown = Reflect.get(inner, method, innerReceiver);
            if (typeof method !== 'string' || !READS.has(method) || typeof fn !== 'function') return fn;
            return (query: unknown, options: Record<string, unknown> = {}) => {
              reads.push({ operation: method, query, options });
              return (fn as (...args: unknown[]) => unknown).call(inner, query, options);
            };
          },
        });
      };
    },
  });
  return { db: recorded, reads };
}
