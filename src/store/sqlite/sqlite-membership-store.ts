// MembershipStore on SQLite: one row per (tenant, group, member) in `memberships` (migration 2). Every call touches
// only the rows it names, through the primary key or memberships_by_member, so the cost of a change is the number
// of members changed, never the size of the group.
//
// settle() runs in ONE immediate transaction: it reads the resource's pending changes, applies them in stamp order,
// and clears them (or deletes the resource), so on this store a change is never seen half applied and a settle that
// comes second finds nothing left to do. A member is added only if it still exists and is not being deleted, checked
// inside the same transaction: a user deleted while a group change naming it was pending is not added back.
import type Database from 'better-sqlite3';
import { isBeingDeleted, type GroupAbove, type Member, type MembershipChange, type MembershipEdge, type MembershipStore, type MemberType, type UnsettledResource } from '../membership-store';
import { GET_MANY_BATCH } from '../resource-store';
import { translateErrors } from './sqlite-errors';
import { deleteResourceRow, parsePending } from './sqlite-resource-store';
import type { StatementCache } from './statement-cache';

export interface SqliteMembershipStoreDeps {
  readonly db: Database.Database;
  readonly statements: StatementCache;
}

interface EdgeRow {
  readonly member_id: string;
  readonly group_id: string;
}

interface AboveRow extends EdgeRow {
  readonly found: 0 | 1;
  readonly display: string | null;
  readonly pending: string | null;
}

interface MemberRow {
  readonly member_id: string;
  readonly member_type: MemberType;
  readonly display: string | null;
}

/** The statements of the membership store (exported for the query-plan test). */
export const MEMBERSHIP_SQL = {
  insert: `INSERT INTO memberships (tenant_id, group_id, member_id, member_type, display) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (tenant_id, group_id, member_id) DO NOTHING`,
  delete: 'DELETE FROM memberships WHERE tenant_id = ? AND group_id = ? AND member_id = ?',
  has: 'SELECT 1 FROM memberships WHERE tenant_id = ? AND group_id = ? AND member_id = ?',
  memberIds: 'SELECT member_id FROM memberships WHERE tenant_id = ? AND group_id = ?',
  firstPage: 'SELECT member_id, member_type, display FROM memberships WHERE tenant_id = ? AND group_id = ? ORDER BY member_id LIMIT ?',
  pageAfter:
    'SELECT member_id, member_type, display FROM memberships WHERE tenant_id = ? AND group_id = ? AND member_id > ? ORDER BY member_id LIMIT ?',
  // The members come as one JSON array parameter: one statement for a whole list page's users, each looked up in
  // memberships_by_member (100 lookups by statement cost a page about five times as much as one statement).
  groupsOf: 'SELECT member_id, group_id FROM memberships WHERE tenant_id = ? AND member_id IN (SELECT value FROM json_each(?))',
  // One member (a read of one resource, and each level above it): the same index lookup without the JSON array, which
  // costs about as much again as the lookup itself.
  groupsOfOne: 'SELECT member_id, group_id FROM memberships WHERE tenant_id = ? AND member_id = ?',
  // The direct groups of one member, as groupsAbove answers them, and whether any of them is itself a member of a
  // group: when none is (no nesting above this member, the usual case), this one statement is the whole answer,
  // about half the cost of the recursive one below.
  groupsAboveDirect: `SELECT m.member_id, m.group_id, r.id IS NOT NULL AS found,
                             CASE json_type(r.data, '$.displayName') WHEN 'text' THEN json_extract(r.data, '$.displayName') END AS display, r.pending,
                             EXISTS (SELECT 1 FROM memberships p WHERE p.tenant_id = m.tenant_id AND p.member_id = m.group_id) AS nested
                      FROM memberships m LEFT JOIN resources r ON r.tenant_id = m.tenant_id AND r.resource_type = ? AND r.id = m.group_id
                      WHERE m.tenant_id = ? AND m.member_id = ?`,
  // Every edge above one member in one statement (a recursive walk up memberships_by_member; UNION drops repeated
  // edges, so a cycle in the data ends the walk), each with its group's row when one exists: its displayName (only
  // a JSON string, as the general path keeps it) and its pending changes, read without parsing the whole document.
  groupsAbove: `WITH RECURSIVE up(member_id, group_id) AS (
                  SELECT member_id, group_id FROM memberships WHERE tenant_id = ? AND member_id = ?
                  UNION
                  SELECT m.member_id, m.group_id FROM up CROSS JOIN memberships m ON m.tenant_id = ? AND m.member_id = up.group_id)
                SELECT up.member_id, up.group_id, r.id IS NOT NULL AS found,
                       CASE json_type(r.data, '$.displayName') WHEN 'text' THEN json_extract(r.data, '$.displayName') END AS display, r.pending
                FROM up LEFT JOIN resources r ON r.tenant_id = ? AND r.resource_type = ? AND r.id = up.group_id`,
  deleteMembers: 'DELETE FROM memberships WHERE tenant_id = ? AND group_id = ?',
  deleteFromGroups: 'DELETE FROM memberships WHERE tenant_id = ? AND member_id = ?',
  // A member that exists and carries no pending delete (the same test settle() applies to every add).
  insertIfLive: `INSERT INTO memberships (tenant_id, group_id, member_id, member_type, display)
                 SELECT ?, ?, ?, ?, ? WHERE EXISTS (
                   SELECT 1 FROM resources WHERE tenant_id = ? AND resource_type = ? AND id = ?
                     AND (pending IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(pending) WHERE json_extract(value, '$.change.kind') = 'delete')))
                 ON CONFLICT (tenant_id, group_id, member_id) DO NOTHING`,
  pendingOf: 'SELECT pending FROM resources WHERE tenant_id = ? AND resource_type = ? AND id = ?',
  clearPending: 'UPDATE resources SET pending = NULL WHERE tenant_id = ? AND resource_type = ? AND id = ?',
  unsettled: 'SELECT resource_type, id FROM resources WHERE tenant_id = ? AND pending IS NOT NULL',
} as const;
const SQL = MEMBERSHIP_SQL;

export function createSqliteMembershipStore(deps: SqliteMembershipStoreDeps): MembershipStore {
  const { db, statements } = deps;
  const run = <T>(call: () => T): T => translateErrors(() => db.open, call);
  const prepared = (sql: string) => statements.get(sql);
  const write = <T>(call: () => T): T => run(() => db.transaction(call).immediate());

  const insertAll = (tenantId: string, groupId: string, members: readonly Member[]): number => {
    const insert = prepared(SQL.insert);
    let added = 0;
    for (const member of members) added += insert.run(tenantId, groupId, member.value, member.type, member.display ?? null).changes;
    return added;
  };

  const insertLive = (tenantId: string, groupId: string, members: readonly Member[]): void => {
    const insert = prepared(SQL.insertIfLive);
    for (const member of members) insert.run(tenantId, groupId, member.value, member.type, member.display ?? null, tenantId, member.type, member.value);
  };

  /** One recorded change, inside settle()'s transaction. */
  const apply = (tenantId: string, resourceType: string, id: string, change: MembershipChange): void => {
    switch (change.kind) {
      case 'delta':
        deleteAll(tenantId, id, new Set(change.remove));
        insertLive(tenantId, id, change.add.filter((member) => !change.remove.includes(member.value)));
        return;
      case 'replace': {
        const wanted = new Set(change.members.map((member) => member.value));
        const existing = (prepared(SQL.memberIds).all(tenantId, id) as { member_id: string }[]).map((row) => row.member_id);
        deleteAll(
          tenantId,
          id,
          existing.filter((memberId) => !wanted.has(memberId)),
        );
        insertLive(tenantId, id, change.members);
        return;
      }
      case 'delete':
        prepared(SQL.deleteMembers).run(tenantId, id);
        prepared(SQL.deleteFromGroups).run(tenantId, id);
        deleteResourceRow(statements, tenantId, resourceType, id);
        return;
    }
  };

  const deleteAll = (tenantId: string, groupId: string, memberIds: Iterable<string>): number => {
    const remove = prepared(SQL.delete);
    let removed = 0;
    for (const memberId of memberIds) removed += remove.run(tenantId, groupId, memberId).changes;
    return removed;
  };

  return {
    async add(tenantId, groupId, members) {
      if (members.length === 0) return 0;
      return write(() => insertAll(tenantId, groupId, members));
    },

    async remove(tenantId, groupId, memberIds) {
      if (memberIds.length === 0) return 0;
      return write(() => deleteAll(tenantId, groupId, new Set(memberIds)));
    },

    async replaceAll(tenantId, groupId, members) {
      write(() => {
        const wanted = new Map(members.map((member) => [member.value, member]));
        const existing = (prepared(SQL.memberIds).all(tenantId, groupId) as { member_id: string }[]).map((row) => row.member_id);
        // Only the difference is written: members kept keep their rows.
        deleteAll(
          tenantId,
          groupId,
          existing.filter((memberId) => !wanted.has(memberId)),
        );
        for (const memberId of existing) wanted.delete(memberId);
        insertAll(tenantId, groupId, [...wanted.values()]);
      });
    },

    async list(tenantId, groupId, options) {
      const limit = Math.max(0, Math.trunc(options.limit));
      return run(() => {
        const rows = (
          options.afterMemberId === undefined
            ? prepared(SQL.firstPage).all(tenantId, groupId, limit)
            : prepared(SQL.pageAfter).all(tenantId, groupId, options.afterMemberId, limit)
        ) as MemberRow[];
        return rows.map(toMember);
      });
    },

    async has(tenantId, groupId, memberIds) {
      return run(() => {
        const lookup = prepared(SQL.has);
        return new Set(memberIds.filter((memberId) => lookup.get(tenantId, groupId, memberId) !== undefined));
      });
    },

    async groupsOf(tenantId, memberIds) {
      const distinct = [...new Set(memberIds)];
      if (distinct.length === 0) return [];
      if (distinct.length === 1) return run(() => (prepared(SQL.groupsOfOne).all(tenantId, distinct[0]) as EdgeRow[]).map(toEdge));
      return run(() => {
        const lookup = prepared(SQL.groupsOf);
        const edges: MembershipEdge[] = [];
        for (let start = 0; start < distinct.length; start += GET_MANY_BATCH) {
          const batch = JSON.stringify(distinct.slice(start, start + GET_MANY_BATCH));
          for (const row of lookup.all(tenantId, batch) as EdgeRow[]) edges.push(toEdge(row));
        }
        return edges;
      });
    },

    async groupsAbove(tenantId, memberId, groupType) {
      const rows = run(() => {
        const direct = prepared(SQL.groupsAboveDirect).all(groupType, tenantId, memberId) as (AboveRow & { nested: 0 | 1 })[];
        return direct.some((row) => row.nested) ? (prepared(SQL.groupsAbove).all(tenantId, memberId, tenantId, tenantId, groupType) as AboveRow[]) : direct;
      });
      const edges: MembershipEdge[] = [];
      const groups = new Map<string, GroupAbove>();
      for (const row of rows) {
        edges.push(toEdge(row));
        if (row.found && !groups.has(row.group_id)) {
          const beingDeleted = row.pending !== null && isBeingDeleted({ pending: parsePending(row.pending) });
          groups.set(row.group_id, row.display === null ? { id: row.group_id, beingDeleted } : { id: row.group_id, displayName: row.display, beingDeleted });
        }
      }
      return { edges, groups: [...groups.values()] };
    },

    async removeEverywhere(tenantId, id) {
      write(() => {
        prepared(SQL.deleteMembers).run(tenantId, id);
        prepared(SQL.deleteFromGroups).run(tenantId, id);
      });
    },

    async settle(tenantId, resourceType, id) {
      write(() => {
        const row = prepared(SQL.pendingOf).get(tenantId, resourceType, id) as { pending: string | null } | undefined;
        const changes = parsePending(row?.pending).sort((a, b) => a.stamp - b.stamp);
        if (changes.length === 0) return;
        for (const { change } of changes) {
          apply(tenantId, resourceType, id, change);
          if (change.kind === 'delete') return;
        }
        prepared(SQL.clearPending).run(tenantId, resourceType, id);
      });
    },

    async unsettled(tenantId): Promise<UnsettledResource[]> {
      return run(() =>
        (prepared(SQL.unsettled).all(tenantId) as { resource_type: string; id: string }[]).map((row) => ({ resourceType: row.resource_type, id: row.id })),
      );
    },
  };
}

function toMember(row: MemberRow): Member {
  return row.display === null ? { value: row.member_id, type: row.member_type } : { value: row.member_id, type: row.member_type, display: row.display };
}

function toEdge(row: EdgeRow): MembershipEdge {
  return { memberId: row.member_id, groupId: row.group_id };
}
