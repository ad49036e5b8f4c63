// SignInStore on MongoDB: collection `sign_ins`, one document per entry. A user's page is one range of the index
// {tenantId, userId, time: -1, id: -1} (keyset by (time, id)); the retention sweep finds a tenant's old entries through
// {tenantId, time} and deletes them by _id in bounded batches (deleteMany has no limit of its own).
import type { Collection, ObjectId } from 'mongodb';
import type { SignInEntry, SignInStore } from '../sign-in-store';
import { whenReady } from './mongo-errors';

export interface SignInDocument {
  readonly _id?: ObjectId | string;
  readonly tenantId: string;
  readonly userId: string;
  readonly time: string;
  readonly id: string;
  readonly outcome: string;
  readonly reason?: string;
  readonly clientAddress?: string;
}

const ENTRY_PROJECTION = { _id: 0, tenantId: 1, userId: 1, time: 1, id: 1, outcome: 1, reason: 1, clientAddress: 1 } as const;

export function createMongoSignInStore(deps: { readonly signIns: Collection<SignInDocument>; readonly ready: () => Promise<void> }): SignInStore {
  const { signIns } = deps;
  const run = whenReady(deps.ready);

  return {
    async append(entry) {
      await run(() => signIns.insertOne({ ...entry }));
    },

    async list(tenantId, userId, { after, limit }) {
      const wanted = Math.max(0, Math.trunc(limit));
      return run(async () => {
        const match = after === undefined ? { tenantId, userId } : { tenantId, userId, $or: [{ time: { $lt: after.time } }, { time: after.time, id: { $lt: after.id } }] };
        // One document more than asked: its presence says another page follows.
        const documents = await signIns.find(match, { projection: ENTRY_PROJECTION, sort: { time: -1, id: -1 }, limit: wanted + 1 }).toArray();
        const entries = documents.slice(0, wanted).map(toEntry);
        const last = entries[entries.length - 1];
        return documents.length > wanted && last ? { entries, next: { time: last.time, id: last.id } } : { entries };
      });
    },

    async count(tenantId, userId) {
      return run(() => signIns.countDocuments({ tenantId, userId }));
    },

    async purgeBefore(tenantId, before, limit) {
      return run(async () => {
        const old = await signIns.find({ tenantId, time: { $lt: before } }, { projection: { _id: 1 }, limit: Math.max(0, Math.trunc(limit)) }).toArray();
        if (old.length === 0) return 0;
        const { deletedCount } = await signIns.deleteMany({ _id: { $in: old.map((document) => document._id!) } });
        return deletedCount;
      });
    },

    async deleteForUser(tenantId, userId) {
      return run(async () => (await signIns.deleteMany({ tenantId, userId })).deletedCount);
    },
  };
}

function toEntry(document: SignInDocument): SignInEntry {
  return {
    id: document.id,
    tenantId: document.tenantId,
    userId: document.userId,
    time: document.time,
    outcome: document.outcome,
    ...(document.reason !== undefined ? { reason: document.reason } : {}),
    ...(document.clientAddress !== undefined ? { clientAddress: document.clientAddress } : {}),
  };
}
