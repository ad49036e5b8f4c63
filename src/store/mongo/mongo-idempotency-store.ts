// IdempotencyStore on MongoDB (collection `idempotency_keys`), one document per (tenant, key id), `_id` =
// `<tenant id>/<key id>`. No transaction: a claim inserts the document (the unique `_id` lets one of concurrent
// claims in), or takes over an expired or abandoned one with a single findOneAndUpdate conditional on exactly that
// state; complete and release are conditional on the claim token.
import type { Collection } from 'mongodb';
import { IdempotencyState, type IdempotencyRecord, type IdempotencyStore } from '../idempotency-store';
import { isDuplicateKey, whenReady } from './mongo-errors';

export interface IdempotencyDocument {
  readonly _id: string;
  readonly tenantId: string;
  readonly id: string;
  readonly fingerprint: string;
  readonly state: IdempotencyState;
  readonly claimToken?: string;
  readonly created: string;
  readonly expires: string;
  readonly lockedUntil?: string;
  readonly response?: string;
}

const documentId = (tenantId: string, id: string) => `${tenantId}/${id}`;
/** Claims that find the document, then lose it to a concurrent change, look again this many times. */
const CLAIM_ROUNDS = 3;

export function createMongoIdempotencyStore(deps: { keys: Collection<IdempotencyDocument>; ready: () => Promise<void> }): IdempotencyStore {
  const { keys } = deps;
  const run = whenReady(deps.ready);

  return {
    async claim(claim) {
      return run(async () => {
        const _id = documentId(claim.tenantId, claim.id);
        const fresh: IdempotencyDocument = {
          _id,
          tenantId: claim.tenantId,
          id: claim.id,
          fingerprint: claim.fingerprint,
          state: IdempotencyState.pending,
          claimToken: claim.token,
          created: claim.now,
          expires: claim.expires,
          lockedUntil: claim.lockedUntil,
        };
        for (let round = 0; round < CLAIM_ROUNDS; round++) {
          try {
            await keys.insertOne({ ...fresh });
            return { claimed: true } as const;
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
          }
          const { _id: _ignored, ...replacement } = fresh;
          const taken = await keys.findOneAndUpdate(
            { _id, $or: [{ expires: { $lte: claim.now } }, { state: IdempotencyState.pending, lockedUntil: { $lte: claim.now } }] },
            { $set: replacement, $unset: { response: '' } },
            { returnDocument: 'after' },
          );
          if (taken?.claimToken === claim.token) return { claimed: true } as const;
          const existing = await keys.findOne({ _id });
          if (existing) return { claimed: false, record: toRecord(existing) } as const;
          // Deleted between the two reads (purged or released): insert again.
        }
        throw new Error(`Could not claim idempotency key ${claim.id} after ${CLAIM_ROUNDS} rounds of concurrent changes`);
      });
    },

    async complete(tenantId, id, token, completion) {
      return run(async () => {
        const { matchedCount } = await keys.updateOne(
          { _id: documentId(tenantId, id), claimToken: token, state: IdempotencyState.pending },
          { $set: { state: IdempotencyState.completed, response: completion.response }, $unset: { claimToken: '', lockedUntil: '' } },
        );
        return matchedCount > 0;
      });
    },

    async release(tenantId, id, token) {
      return run(async () => (await keys.deleteOne({ _id: documentId(tenantId, id), claimToken: token, state: IdempotencyState.pending })).deletedCount > 0);
    },

    async purgeExpired(now, limit) {
      return run(async () => {
        const ids = (await keys.find({ expires: { $lte: now } }, { projection: { _id: 1 }, limit }).toArray()).map((document) => document._id);
        if (ids.length === 0) return 0;
        return (await keys.deleteMany({ _id: { $in: ids }, expires: { $lte: now } })).deletedCount;
      });
    },
  };
}

function toRecord(document: IdempotencyDocument): IdempotencyRecord {
  return {
    tenantId: document.tenantId,
    id: document.id,
    fingerprint: document.fingerprint,
    state: document.state,
    created: document.created,
    expires: document.expires,
    ...(document.lockedUntil === undefined ? {} : { lockedUntil: document.lockedUntil }),
    ...(document.response === undefined ? {} : { response: document.response }),
  };
}
