// RateLimitStore on MongoDB (collection `rate_counters`): one document per (key, window), `_id` = `<key>@<window>`.
// Each hit is one findOneAndUpdate upsert with $inc, atomic on its document; the hits of one call run side by side.
// Two instances creating the same counter at once may meet a duplicate key on `_id`: the loser's upsert is retried,
// and then finds the document.
import type { Collection } from 'mongodb';
import type { CounterHit, RateLimitStore } from '../rate-limit-store';
import { isDuplicateKey, whenReady } from './mongo-errors';

export interface RateCounterDocument {
  readonly _id: string;
  readonly count: number;
  readonly expires: string;
}

export function createMongoRateLimitStore(deps: { counters: Collection<RateCounterDocument>; ready: () => Promise<void> }): RateLimitStore {
  const { counters } = deps;
  const run = whenReady(deps.ready);

  const addOne = async (hit: CounterHit, attempt = 1): Promise<number> => {
    try {
      const document = await counters.findOneAndUpdate(
        { _id: `${hit.key}@${hit.window}` },
        { $inc: { count: hit.points }, $max: { expires: hit.expires } },
        { upsert: true, returnDocument: 'after' },
      );
      return document?.count ?? hit.points;
    } catch (error) {
      if (attempt === 1 && isDuplicateKey(error)) return addOne(hit, 2);
      throw error;
    }
  };

  return {
    async add(hits) {
      if (hits.length === 0) return [];
      return run(() => Promise.all(hits.map((hit) => addOne(hit))));
    },

    async purgeExpired(now, limit) {
      return run(async () => {
        const ids = (await counters.find({ expires: { $lte: now } }, { projection: { _id: 1 }, limit }).toArray()).map((document) => document._id);
        if (ids.length === 0) return 0;
        return (await counters.deleteMany({ _id: { $in: ids }, expires: { $lte: now } })).deletedCount;
      });
    },
  };
}
