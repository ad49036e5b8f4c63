// MembershipStore on MongoDB: one document per (tenant, group, member) in `memberships` (membership-document.ts),
// unique on that key. Every call touches only the documents it names, through the (tenant, group, member) or
// (tenant, member, group) index, so the cost of a change is the number of members changed, never the group's size.
// Adds are upserts with $setOnInsert, so a member already there keeps its document and a retried add is harmless.
//
// settle() (membership-store.ts) cannot apply a change and clear it in one transaction here: it applies the
// resource's pending changes step by step (each step an idempotent single-collection write), then pulls them from the
// resource. Two settles of one group may therefore run at once, or one may run late, after the change was cleared and
// newer ones applied. Rows are made safe against that by last-writer-wins on `stamp`, the version of the group change
// that wrote them: a write carries its change's stamp and only replaces an older row, and a removed member leaves a
// tombstone (`present: false`) with its stamp instead of disappearing, so that an older add cannot bring it back.
// Reads skip tombstones. A deleted user or group leaves tombstones stamped "forever" in every group it was in, and an
// add re-checks after writing that its member still exists (the delete marks the member before it writes its
// tombstones, so one of the two always sees the other). In the same way a settle re-checks after writing that the
// group itself still stands, and removes what it wrote when the group is gone or being deleted.
import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import { MongoBulkWriteError } from 'mongodb';
import { isBeingDeleted, type Member, type MembershipEdge, type MembershipStore, type PendingChange } from '../membership-store';
import type { MemberGroupsResolver } from './filter-to-mongo';
import { DUPLICATE_KEY, whenReady } from './mongo-errors';
import { StoreError } from '../store-error';
import { PRESENT, toMember, toMembershipDocument, type MembershipDocument } from './membership-document';
import type { OutboxStore } from '../outbox-store';
import { appendHeldEffects, type PendingMessage } from './mongo-resource-store';
import type { ResourceDocument } from './resource-document';

export interface MongoMembershipStoreDeps {
  readonly memberships: Collection<MembershipDocument>;
  /** The resources collection: settle() reads and clears pending changes there, and deletes marked resources. */
  readonly resources: Collection<ResourceDocument>;
  /** Where the effects a deleted resource's document still holds go before it does (mongo-resource-store.ts). */
  readonly outbox: Pick<OutboxStore, 'append'>;
  readonly ready: () => Promise<void>;
}

/** The stamp of a deleted member's tombstones: newer than any change can be. */
const FOREVER = Number.MAX_SAFE_INTEGER;
/** A row written by a change older than `stamp` (rows written without settle() have no stamp). */
const olderThan = (stamp: number) => ({ $or: [{ stamp: { $lt: stamp } }, { stamp: { $exists: false } }] });

/** Ids are sent in batches: a filter with 100,000 ids would exceed a command's size. */
const BATCH = 5000;

export function createMongoMembershipStore(deps: MongoMembershipStoreDeps): MembershipStore {
  const { memberships, resources } = deps;
  const run = whenReady(deps.ready);

  const insertAll = async (tenantId: string, groupId: string, members: readonly Member[]): Promise<number> => {
    // Only the first of a member named twice counts, as in a sequence of inserts.
    const seen = new Set<string>();
    const unique = members.filter((member) => !seen.has(member.value) && seen.add(member.value) !== undefined);
    let added = 0;
    for (let start = 0; start < unique.length; start += BATCH) {
      const batch = unique.slice(start, start + BATCH);
      // A tombstone left by settle() is not a member: a direct add (which knows no stamps) replaces it.
      await memberships.deleteMany({ tenantId, groupId, memberId: { $in: batch.map((member) => member.value) }, present: false });
      const operations: AnyBulkWriteOperation<MembershipDocument>[] = batch.map((member) => ({
        updateOne: {
          filter: { tenantId, groupId, memberId: member.value },
          update: { $setOnInsert: toMembershipDocument(tenantId, groupId, member) },
          upsert: true,
        },
      }));
      added += await upserted(memberships, operations);
    }
    return added;
  };

  const deleteAll = async (tenantId: string, groupId: string, memberIds: readonly string[]): Promise<number> => {
    let removed = 0;
    for (let start = 0; start < memberIds.length; start += BATCH) {
      const result = await memberships.deleteMany({ tenantId, groupId, memberId: { $in: memberIds.slice(start, start + BATCH) }, ...PRESENT });
      removed += result.deletedCount;
    }
    return removed;
  };

  /** Writes `operations` unordered; a duplicate key means a newer row got there first, which then wins. */
  const writeStamped = async (operations: AnyBulkWriteOperation<MembershipDocument>[]) => {
    for (let start = 0; start < operations.length; start += BATCH) await upserted(memberships, operations.slice(start, start + BATCH));
  };

  /** Members added by the change stamped `stamp`; rows newer than it are left as they are. */
  const stampedAdds = (tenantId: string, groupId: string, members: readonly Member[], stamp: number): AnyBulkWriteOperation<MembershipDocument>[] =>
    members.flatMap((member): AnyBulkWriteOperation<MembershipDocument>[] => {
      const key = { tenantId, groupId, memberId: member.value };
      const row = { ...toMembershipDocument(tenantId, groupId, member), present: true, stamp };
      return [
        // An older tombstone: the member is back, as this change gives it.
        { updateOne: { filter: { ...key, present: false, stamp: { $lt: stamp } }, update: { $set: row } } },
        // An older row of a present member: it stays as it was first added, and takes the newer stamp.
        { updateOne: { filter: { ...key, ...PRESENT, ...olderThan(stamp) }, update: { $set: { stamp } } } },
        // No row: a new member.
        { updateOne: { filter: key, update: { $setOnInsert: row }, upsert: true } },
      ];
    });

  /** Members removed by the change stamped `stamp`: a tombstone, unless a newer row is there (then the upsert is a duplicate). */
  const stampedRemoves = (tenantId: string, groupId: string, memberIds: readonly string[], stamp: number): AnyBulkWriteOperation<MembershipDocument>[] =>
    memberIds.map((memberId) => ({
      updateOne: { filter: { tenantId, groupId, memberId, ...olderThan(stamp) }, update: { $set: { present: false, stamp } }, upsert: true },
    }));

  /** After adding: members that no longer exist, or are being deleted, are tombstoned for good (see the top). */
  const dropDeletedMembers = async (tenantId: string, groupId: string, members: readonly Member[]) => {
    if (members.length === 0) return;
    const live = new Set<string>();
    const query = { tenantId, id: { $in: members.map((member) => member.value) }, resourceType: { $in: [...new Set(members.map((member) => member.type))] } };
    for await (const found of resources.find(query, { projection: { _id: 0, id: 1, pending: 1 } })) {
      if (!isBeingDeleted(found)) live.add(found.id);
    }
    const gone = members.map((member) => member.value).filter((id) => !live.has(id));
    if (gone.length > 0) await memberships.updateMany({ tenantId, groupId, memberId: { $in: gone } }, { $set: { present: false, stamp: FOREVER } });
  };

  /** One recorded change; every step is idempotent, so a settle that stops part-way is finished by the next. */
  const apply = async (tenantId: string, resourceType: string, id: string, { change, stamp }: PendingChange): Promise<void> => {
    switch (change.kind) {
      case 'delta': {
        const removed = new Set(change.remove);
        const added = change.add.filter((member) => !removed.has(member.value));
        await writeStamped([...stampedRemoves(tenantId, id, [...removed], stamp), ...stampedAdds(tenantId, id, added, stamp)]);
        await dropDeletedMembers(tenantId, id, added);
        return;
      }
      case 'replace': {
        const wanted = new Set(change.members.map((member) => member.value));
        const leaving: string[] = [];
        for await (const row of memberships.find({ tenantId, groupId: id, ...PRESENT, ...olderThan(stamp) }, { projection: { _id: 0, memberId: 1 } })) {
          if (!wanted.has(row.memberId)) leaving.push(row.memberId);
        }
        await writeStamped([...stampedRemoves(tenantId, id, leaving, stamp), ...stampedAdds(tenantId, id, change.members, stamp)]);
        await dropDeletedMembers(tenantId, id, change.members);
        return;
      }
      case 'delete':
        // The resource leaves every group for good, then loses its own members, then goes.
        await memberships.updateMany({ tenantId, memberId: id }, { $set: { present: false, stamp: FOREVER } });
        await memberships.deleteMany({ tenantId, groupId: id });
        {
          // Effects a write left in the document (its process died before appending them) go to the outbox first; any
          // pushed in the meantime leave with the document and are appended right after.
          type Held = { outboxPending?: PendingMessage[] };
          const found = (await resources.findOne({ tenantId, resourceType, id }, { projection: { _id: 0, outboxPending: 1 } })) as Held | null;
          await appendHeldEffects(deps.outbox, tenantId, found?.outboxPending);
          const deleted = (await resources.findOneAndDelete({ tenantId, resourceType, id }, { projection: { _id: 0, outboxPending: 1 } })) as Held | null;
          const appended = new Set((found?.outboxPending ?? []).map((pending) => pending.id));
          await appendHeldEffects(deps.outbox, tenantId, deleted?.outboxPending?.filter((pending) => !appended.has(pending.id)));
        }
        return;
    }
  };

  return {
    async add(tenantId, groupId, members) {
      if (members.length === 0) return 0;
      return run(() => insertAll(tenantId, groupId, members));
    },

    async remove(tenantId, groupId, memberIds) {
      if (memberIds.length === 0) return 0;
      return run(() => deleteAll(tenantId, groupId, [...new Set(memberIds)]));
    },

    async replaceAll(tenantId, groupId, members) {
      await run(async () => {
        const wanted = new Map(members.map((member) => [member.value, member]));
        const existing: string[] = [];
        for await (const document of memberships.find({ tenantId, groupId, ...PRESENT }, { projection: { _id: 0, memberId: 1 } })) existing.push(document.memberId);
        // Only the difference is written: members that stay keep their documents.
        await deleteAll(
          tenantId,
          groupId,
          existing.filter((memberId) => !wanted.has(memberId)),
        );
        for (const memberId of existing) wanted.delete(memberId);
        await insertAll(tenantId, groupId, [...wanted.values()]);
      });
    },

    async list(tenantId, groupId, options) {
      const limit = Math.max(0, Math.trunc(options.limit));
      if (!(limit > 0)) return [];
      return run(async () => {
        const query = options.afterMemberId === undefined ? { tenantId, groupId } : { tenantId, groupId, memberId: { $gt: options.afterMemberId } };
        const documents = await memberships
          .find({ ...query, ...PRESENT }, { projection: { _id: 0, memberId: 1, type: 1, display: 1 }, sort: { memberId: 1 }, limit })
          .toArray();
        return documents.map(toMember);
      });
    },

    async has(tenantId, groupId, memberIds) {
      if (memberIds.length === 0) return new Set<string>();
      return run(async () => {
        const found = new Set<string>();
        const distinct = [...new Set(memberIds)];
        for (let start = 0; start < distinct.length; start += BATCH) {
          const query = { tenantId, groupId, memberId: { $in: distinct.slice(start, start + BATCH) }, ...PRESENT };
          for await (const document of memberships.find(query, { projection: { _id: 0, memberId: 1 } })) found.add(document.memberId);
        }
        return found;
      });
    },

    async groupsOf(tenantId, memberIds) {
      if (memberIds.length === 0) return [];
      return run(async () => {
        const edges: MembershipEdge[] = [];
        const distinct = [...new Set(memberIds)];
        for (let start = 0; start < distinct.length; start += BATCH) {
          const query = { tenantId, memberId: { $in: distinct.slice(start, start + BATCH) }, ...PRESENT };
          for await (const document of memberships.find(query, { projection: { _id: 0, memberId: 1, groupId: 1 } })) {
            edges.push({ memberId: document.memberId, groupId: document.groupId });
          }
        }
        return edges;
      });
    },

    async removeEverywhere(tenantId, id) {
      await run(async () => {
        // Two single-collection deletes, each idempotent: a retry after a failure between them finishes the job.
        await memberships.deleteMany({ tenantId, groupId: id });
        await memberships.deleteMany({ tenantId, memberId: id });
      });
    },

    async settle(tenantId, resourceType, id) {
      await run(async () => {
        const document = await resources.findOne({ tenantId, resourceType, id }, { projection: { _id: 0, pending: 1 } });
        const changes = [...(document?.pending ?? [])].sort((a, b) => a.stamp - b.stamp);
        if (changes.length === 0) return;
        for (const change of changes) {
          await apply(tenantId, resourceType, id, change);
          if (change.change.kind === 'delete') return;
        }
        // Only the changes applied here: one recorded meanwhile is the next settle's.
        const after = await resources.findOneAndUpdate(
          { tenantId, resourceType, id },
          { $pull: { pending: { id: { $in: changes.map((change) => change.id) } } } },
          { returnDocument: 'after', projection: { _id: 0, pending: 1 } },
        );
        // This settle may have run late: the group deleted meanwhile (by a delete that applied these changes itself and
        // removed the rows before the ones written here). Rows written for a group that is gone or being deleted go
        // again. Written, then checked: a delete recorded after the check removes its rows after these were written.
        if (!after || isBeingDeleted(after)) await memberships.deleteMany({ tenantId, groupId: id });
      });
    },

    async unsettled(tenantId) {
      return run(async () => {
        const found = await resources.find({ tenantId, 'pending.0': { $exists: true } }, { projection: { _id: 0, resourceType: 1, id: 1 } }).toArray();
        return found.map((document) => ({ resourceType: document.resourceType, id: document.id }));
      });
    },
  };
}

/**
 * How many of the upserts inserted a document. Two concurrent adds of one member may both try the insert; the
 * unique index lets one win and the other's duplicate key means "already a member", not an error.
 */
async function upserted(memberships: Collection<MembershipDocument>, operations: AnyBulkWriteOperation<MembershipDocument>[]): Promise<number> {
  try {
    return (await memberships.bulkWrite(operations, { ordered: false })).upsertedCount;
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    if (error.err !== undefined || writeErrors.some((writeError) => writeError.code !== DUPLICATE_KEY)) throw error;
    return error.upsertedCount;
  }
}

/** The resolver filters use for `members` conditions: the distinct ids of the groups with a matching membership. */
/**
 * At most this many groups answer the members condition of a Group filter: their ids become one `$in` of the list's
 * query, and a MongoDB command is limited to 16 MB (100,000 ids of 36 characters take about 5 MB).
 */
export const MEMBER_GROUPS_LIMIT = 100_000;

/** The distinct groups of a tenant with a membership matching `memberQuery`, one more than `limit` at most. */
export function memberGroupsPipeline(tenantId: string, memberQuery: Record<string, unknown>, limit: number): Document[] {
  return [
    { $match: { $and: [{ tenantId }, PRESENT, memberQuery] } },
    { $group: { _id: '$groupId' } },
    // One more than the bound: its presence says the condition matches too many groups.
    { $limit: limit + 1 },
  ];
}

export function memberGroupsResolver(memberships: Collection<MembershipDocument>, tenantId: string, limit = MEMBER_GROUPS_LIMIT): MemberGroupsResolver {
  return async (memberQuery) => {
    const groups = memberships.aggregate<{ _id: string }>(memberGroupsPipeline(tenantId, memberQuery, limit));
    const ids: string[] = [];
    for await (const group of groups) ids.push(group._id);
    if (ids.length > limit) {
      throw new StoreError(
        'too_many',
        `the members condition of the filter matches more than ${limit} groups, more than one query can name; narrow it (e.g. members.value eq the id of one member)`,
      );
    }
    return ids;
  };
}
