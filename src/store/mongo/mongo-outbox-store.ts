// OutboxStore on MongoDB (collection `outbox`). No multi-document transaction anywhere:
//   - append is one unordered bulk of inserts; the unique index on (tenantId, topic, key) refuses a message that is
//     already there (E11000), which is what makes appending again after a crash harmless;
//   - a batch claim picks candidates, then one updateMany conditional on { _id in candidates, pending, available }:
//     MongoDB applies it document by document, each atomically with the filter re-checked, so a message another
//     worker claimed in between (its availableAt moved to the future) is skipped; the batch is then read back by
//     the claim token;
//   - ack and fail are single-document updates conditional on the claim token;
//   - release and discard touch held messages only (a condition, no claim token), each document atomically.
// The payload (and a held message's condition) is stored as JSON text, like a resource's attributes
// (resource-document.ts).
import type { Collection, Filter } from 'mongodb';
import type { JsonValue } from '../json-value';
import { OutboxStatus, type NewOutboxMessage, type OutboxMessage, type OutboxStore } from '../outbox-store';
import { escapeRegex } from './filter-to-mongo';
import { insertNewDocuments, whenReady } from './mongo-errors';

export interface OutboxDocument {
  readonly _id: string;
  readonly tenantId: string;
  readonly topic: string;
  readonly key: string;
  readonly payload: string;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly created: string;
  readonly availableAt: string;
  readonly updated: string;
  readonly lastError?: string;
  readonly delivered?: string;
  readonly claimToken?: string;
  readonly condition?: string;
}

export interface MongoOutboxStoreDeps {
  readonly outbox: Collection<OutboxDocument>;
  readonly ready: () => Promise<void>;
}

const OLDEST_FIRST = { created: 1, _id: 1 } as const;

/** The document of a new message (exported for the resource store, which carries messages inside its documents). */
export function toOutboxDocument(message: NewOutboxMessage): OutboxDocument {
  return {
    _id: message.id,
    tenantId: message.tenantId,
    topic: message.topic,
    key: message.key,
    payload: JSON.stringify(message.payload),
    status: OutboxStatus.pending,
    attempts: 0,
    created: message.created,
    availableAt: message.availableAt ?? message.created,
    updated: message.created,
    ...(message.condition === undefined ? {} : { condition: JSON.stringify(message.condition) }),
  };
}

/** How many times a claim picks candidates again when other workers took the ones it picked. */
const CLAIM_ROUNDS = 3;

export function createMongoOutboxStore(deps: MongoOutboxStoreDeps): OutboxStore {
  const { outbox } = deps;
  const run = whenReady(deps.ready);

  return {
    async append(messages) {
      if (messages.length === 0) return 0;
      // Duplicates (the unique tenant/topic/key index) are messages already appended.
      return run(() => insertNewDocuments(outbox, messages.map(toOutboxDocument)));
    },

    async claim(claim) {
      if (claim.topics.length === 0 || claim.limit <= 0) return [];
      return run(async () => {
        const available: Filter<OutboxDocument> = { status: OutboxStatus.pending, availableAt: { $lte: claim.now }, topic: { $in: [...claim.topics] } };
        const claimedIds: string[] = [];
        // Under contention another worker may take some candidates first: pick again (a few times) for the rest.
        for (let round = 0; round < CLAIM_ROUNDS && claimedIds.length < claim.limit; round++) {
          const candidates = await outbox
            .find(available, { projection: { _id: 1 }, sort: { availableAt: 1, ...OLDEST_FIRST }, limit: claim.limit - claimedIds.length })
            .toArray();
          if (candidates.length === 0) break;
          const ids = candidates.map((candidate) => candidate._id);
          await outbox.updateMany(
            { ...available, _id: { $in: ids } },
            { $set: { claimToken: claim.token, availableAt: claim.claimExpires, updated: claim.now }, $inc: { attempts: 1 } },
          );
          const won = await outbox.find({ _id: { $in: ids }, claimToken: claim.token }, { projection: { _id: 1 } }).toArray();
          claimedIds.push(...won.map((document) => document._id));
        }
        if (claimedIds.length === 0) return [];
        return (await outbox.find({ _id: { $in: claimedIds }, claimToken: claim.token }, { sort: OLDEST_FIRST }).toArray()).map(toMessage);
      });
    },

    async ack(id, token, now) {
      return run(async () => {
        const { matchedCount } = await outbox.updateOne(
          { _id: id, claimToken: token, status: OutboxStatus.pending },
          { $set: { status: OutboxStatus.delivered, delivered: now, updated: now }, $unset: { claimToken: '' } },
        );
        return matchedCount > 0;
      });
    },

    async ackMany(ids, token, now) {
      if (ids.length === 0) return 0;
      return run(async () => {
        const { matchedCount } = await outbox.updateMany(
          { _id: { $in: [...ids] }, claimToken: token, status: OutboxStatus.pending },
          { $set: { status: OutboxStatus.delivered, delivered: now, updated: now }, $unset: { claimToken: '' } },
        );
        return matchedCount;
      });
    },

    async fail(id, token, failure) {
      return run(async () => {
        const next =
          failure.retryAt === undefined
            ? { status: OutboxStatus.dead, lastError: failure.error, updated: failure.now }
            : { status: OutboxStatus.pending, availableAt: failure.retryAt, lastError: failure.error, updated: failure.now };
        const document = await outbox.findOneAndUpdate(
          { _id: id, claimToken: token, status: OutboxStatus.pending },
          { $set: next, $unset: { claimToken: '' } },
          { returnDocument: 'after' },
        );
        return document ? toMessage(document) : null;
      });
    },

    async find(tenantId, topic, key) {
      return run(async () => {
        const document = await outbox.findOne({ tenantId, topic, key });
        return document ? toMessage(document) : null;
      });
    },

    async list(tenantId, options) {
      return run(async () => {
        const filter: Filter<OutboxDocument> = {
          tenantId,
          ...(options.status === undefined ? {} : { status: options.status }),
          ...(options.topic === undefined ? {} : { topic: options.topic }),
        };
        const query: Filter<OutboxDocument> = options.after
          ? { $and: [filter, { $or: [{ created: { $gt: options.after.created } }, { created: options.after.created, _id: { $gt: options.after.id } }] }] }
          : filter;
        return (await outbox.find(query, { sort: OLDEST_FIRST, limit: options.limit }).toArray()).map(toMessage);
      });
    },

    async listByKey(tenantId, range) {
      return run(async () => {
        // A prefix regular expression on the key reads the unique { tenantId, topic, key } index as a range.
        const key: Filter<OutboxDocument>['key'] =
          range.afterKey === undefined
            ? { $regex: `^${escapeRegex(range.prefix)}` }
            : { $regex: `^${escapeRegex(range.prefix)}`, ...(range.descending ? { $lt: range.afterKey } : { $gt: range.afterKey }) };
        const documents = await outbox.find({ tenantId, topic: range.topic, key }, { sort: { key: range.descending ? -1 : 1 }, limit: range.limit }).toArray();
        return documents.map(toMessage);
      });
    },

    async countByKey(tenantId, topic, prefix) {
      return run(() => outbox.countDocuments({ tenantId, topic, key: { $regex: `^${escapeRegex(prefix)}` } }));
    },

    async release(tenantId, topic, keys, now) {
      if (keys.length === 0) return 0;
      return run(async () => {
        const { matchedCount } = await outbox.updateMany(
          { tenantId, topic, key: { $in: [...keys] }, status: OutboxStatus.pending, claimToken: { $exists: false }, condition: { $exists: true } },
          { $set: { availableAt: now, updated: now }, $unset: { condition: '' } },
        );
        return matchedCount;
      });
    },

    async discard(tenantId, topic, keys) {
      if (keys.length === 0) return 0;
      return run(async () => {
        const { deletedCount } = await outbox.deleteMany({
          tenantId,
          topic,
          key: { $in: [...keys] },
          status: OutboxStatus.pending,
          claimToken: { $exists: false },
          condition: { $exists: true },
        });
        return deletedCount;
      });
    },

    async requeue(tenantId, id, now) {
      return run(async () => {
        const requeued = await outbox.findOneAndUpdate(
          { _id: id, tenantId, status: OutboxStatus.dead },
          { $set: { status: OutboxStatus.pending, attempts: 0, availableAt: now, updated: now } },
          { returnDocument: 'after' },
        );
        return requeued ? toMessage(requeued) : null;
      });
    },

    async purgeDelivered(before, limit) {
      return run(async () => {
        const ids = (await outbox.find({ status: OutboxStatus.delivered, delivered: { $lt: before } }, { projection: { _id: 1 }, limit }).toArray()).map((document) => document._id);
        if (ids.length === 0) return 0;
        return (await outbox.deleteMany({ _id: { $in: ids }, status: OutboxStatus.delivered })).deletedCount;
      });
    },

    async countBacklog() {
      return run(async () => {
        // outbox_available starts with status: each count is a range of its status only.
        const [pending, dead] = await Promise.all([outbox.countDocuments({ status: OutboxStatus.pending }), outbox.countDocuments({ status: OutboxStatus.dead })]);
        return { pending, dead };
      });
    },
  };
}

function toMessage(document: OutboxDocument): OutboxMessage {
  return {
    id: document._id,
    tenantId: document.tenantId,
    topic: document.topic,
    key: document.key,
    payload: JSON.parse(document.payload) as JsonValue,
    status: document.status,
    attempts: document.attempts,
    created: document.created,
    availableAt: document.availableAt,
    updated: document.updated,
    ...(document.lastError === undefined ? {} : { lastError: document.lastError }),
    ...(document.delivered === undefined ? {} : { delivered: document.delivered }),
    ...(document.condition === undefined ? {} : { condition: JSON.parse(document.condition) as JsonValue }),
  };
}
