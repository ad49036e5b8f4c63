// MembershipStore on MongoDB: one document per (tenant, group, member) in `memberships` (membership-document.ts),
// unique on that key. Every call touches only the documents it names, through the (tenant, group, member) or
// (tenant, member, group) index, so the cost of a change is the number of members changed, never the group's size.
// Adds are upserts with $setOnInsert, so a member already there keeps its document and a retried add is harmless.
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import { MongoBulkWriteError } from 'mongodb';
import type { Member, MembershipEdge, MembershipStore } from '../membership-store';
import type { MemberGroupsResolver } from './filter-to-mongo';
import { DUPLICATE_KEY, whenReady } from './mongo-errors';
import { toMember, toMembershipDocument, type MembershipDocument } from './membership-document';

export interface MongoMembershipStoreDeps {
  readonly memberships: Collection<MembershipDocument>;
  readonly ready: () => Promise<void>;
}

/** Ids are sent in batches: a filter with 100,000 ids would exceed a command's size. */
const BATCH = 5000;

export function createMongoMembershipStore(deps: MongoMembershipStoreDeps): MembershipStore {
  const { memberships } = deps;
  const run = whenReady(deps.ready);

  const insertAll = async (tenantId: string, groupId: string, members: readonly Member[]): Promise<number> => {
    // Only the first of a member named twice counts, as in a sequence of inserts.
    const seen = new Set<string>();
    const unique = members.filter((member) => !seen.has(member.value) && seen.add(member.value) !== undefined);
    let added = 0;
    for (let start = 0; start < unique.length; start += BATCH) {
      const operations: AnyBulkWriteOperation<MembershipDocument>[] = unique.slice(start, start + BATCH).map((member) => ({
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
      const result = await memberships.deleteMany({ tenantId, groupId, memberId: { $in: memberIds.slice(start, start + BATCH) } });
      removed += result.deletedCount;
    }
    return removed;
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
        for await (const document of memberships.find({ tenantId, groupId }, { projection: { _id: 0, memberId: 1 } })) existing.push(document.memberId);
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
        const documents = await memberships.find(query, { projection: { _id: 0, memberId: 1, type: 1, display: 1 }, sort: { memberId: 1 }, limit }).toArray();
        return documents.map(toMember);
      });
    },

    async has(tenantId, groupId, memberIds) {
      if (memberIds.length === 0) return new Set<string>();
      return run(async () => {
        const found = new Set<string>();
        const distinct = [...new Set(memberIds)];
        for (let start = 0; start < distinct.length; start += BATCH) {
          const query = { tenantId, groupId, memberId: { $in: distinct.slice(start, start + BATCH) } };
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
          const query = { tenantId, memberId: { $in: distinct.slice(start, start + BATCH) } };
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
export function memberGroupsResolver(memberships: Collection<MembershipDocument>, tenantId: string): MemberGroupsResolver {
  return async (memberQuery) => {
    const groups = memberships.aggregate<{ _id: string }>([{ $match: { $and: [{ tenantId }, memberQuery] } }, { $group: { _id: '$groupId' } }]);
    const ids: string[] = [];
    for await (const group of groups) ids.push(group._id);
    return ids;
  };
}
