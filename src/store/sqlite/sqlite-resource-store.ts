// ResourceStore on SQLite. Every write and its side-table maintenance run in ONE immediate transaction, so a
// resource, its search document and its indexed values can never be seen half-written, and a unique-index violation
// undoes the whole write. Versioned writes are a single conditional UPDATE/DELETE (compare-and-set on `version`);
// updateInternal is one conditional UPDATE of the unversioned columns only (compare-and-set on their revision, and on
// the version when asked), with the indexed values of the unversioned attributes in the same transaction. Each kind of
// write keeps the search document and indexed values of its own storage part (resource-model.ts StoragePart): a
// replace never touches those of the unversioned attributes, and updateInternal never those of the document.
// Pending membership changes (membership-store.ts) are kept as a JSON array in the row's `pending` column, stamped
// with the version of the write that recorded them.
// A write's effects (outbox messages: its audit events) are inserted in the same transaction, so they commit with it
// or not at all.
// Writes go through group commit (group-commit.ts): concurrent writes share one immediate transaction, each in a
// savepoint of its own, and each is answered only after that transaction's COMMIT.
import type Database from 'better-sqlite3';
import { refusesMark, type PendingChange, type PendingChangeInput } from '../membership-store';
import {
  GET_MANY_BATCH,
  unversionedAttributesOf,
  type KeysetPosition,
  type NewResource,
  type ResourceMark,
  type WriteEffects,
  type ResourceReplacement,
  type ResourceStore,
  type StoredResource,
  type StoreListResult,
  type StoreQuery,
} from '../resource-store';
import { StoreError } from '../store-error';
import { listQueryToSql, offsetOf, RESOURCE_COLUMNS, type ListCount, type ListSql } from './list-query';
import { createPageAnchors } from './page-anchors';
import { batchedWrite, type GroupCommit } from './group-commit';
import type { SqliteReadPool } from './read-pool';
import type { ResourceModel, StoragePart, StoreModel } from '../model/resource-model';
import { deriveSearchData, type DerivedData, type IndexedValue } from '../model/search-document';
import type { AuditStaging } from './audit-staging';
import { insertOutboxMessages } from './sqlite-outbox-store';
import { isUniqueViolation, translateErrors } from './sqlite-errors';
import type { StatementCache } from './statement-cache';

export interface SqliteResourceStoreDeps {
  readonly db: Database.Database;
  readonly statements: StatementCache;
  readonly model: StoreModel;
  /** Where list queries run when the store is a file (read-pool.ts); without one they run on this connection. */
  readonly readPool?: SqliteReadPool;
  /** The connection's group commit, which every write of the store goes through. */
  readonly commits: GroupCommit;
  /** Where the audit events of writes are staged (audit-staging.ts): gathered per group transaction. */
  readonly auditStaging?: Pick<AuditStaging, 'stage'>;
}

interface ResourceRow {
  readonly id: string;
  readonly resource_type: string;
  readonly version: number;
  readonly created: string;
  readonly last_modified: string;
  readonly data: string;
  readonly internal: string;
  readonly unversioned: string;
  readonly unversioned_revision: number;
  readonly pending?: string | null;
  readonly sort_key?: string | number | null;
}

interface NewRow {
  readonly resource: NewResource;
  readonly derived: DerivedData;
  readonly data: string;
  readonly internal: string;
  readonly pending: string | null;
}

/** RESOURCE_COLUMNS as an UPDATE … RETURNING names them (no table alias there). */
const UPDATED_COLUMNS = RESOURCE_COLUMNS.replace(/\br\./g, '');

/** The statements of the write paths (exported for the query-plan test). */
export const RESOURCE_SQL = {
  get: `SELECT ${RESOURCE_COLUMNS} FROM resources r WHERE r.tenant_id = ? AND r.resource_type = ? AND r.id = ?`,
  // The ids come as one JSON array parameter: one statement text (and one cached plan) whatever their number, each
  // id looked up on the primary key.
  getMany: `SELECT ${RESOURCE_COLUMNS} FROM resources r WHERE r.tenant_id = ? AND r.resource_type = ? AND r.id IN (SELECT value FROM json_each(?))`,
  scanFirst: `SELECT ${RESOURCE_COLUMNS} FROM resources r WHERE r.tenant_id = ? AND r.resource_type = ? ORDER BY r.id LIMIT ?`,
  scanAfter: `SELECT ${RESOURCE_COLUMNS} FROM resources r WHERE r.tenant_id = ? AND r.resource_type = ? AND r.id > ? ORDER BY r.id LIMIT ?`,
  version: 'SELECT version, unversioned_revision FROM resources WHERE tenant_id = ? AND resource_type = ? AND id = ?',
  insert: `INSERT INTO resources (tenant_id, resource_type, id, version, created, last_modified, data, internal, search, pending)
           VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`,
  replace: `UPDATE resources SET version = version + 1, last_modified = ?, data = ?, internal = ?, search = ?
            WHERE tenant_id = ? AND resource_type = ? AND id = ? RETURNING version, created, unversioned, unversioned_revision, pending`,
  replaceIfVersion: `UPDATE resources SET version = version + 1, last_modified = ?, data = ?, internal = ?, search = ?
                     WHERE tenant_id = ? AND resource_type = ? AND id = ? AND version = ? RETURNING version, created, unversioned, unversioned_revision, pending`,
  // The revision and version conditions are each `? IS NULL OR column = ?`: one statement text for every combination.
  updateInternal: `UPDATE resources SET unversioned = ?, unversioned_search = ?, unversioned_revision = unversioned_revision + 1
                   WHERE tenant_id = ? AND resource_type = ? AND id = ?
                     AND (? IS NULL OR unversioned_revision = ?) AND (? IS NULL OR version = ?) RETURNING ${UPDATED_COLUMNS}`,
  versionAndPending: 'SELECT version, pending FROM resources WHERE tenant_id = ? AND resource_type = ? AND id = ?',
  setPending: 'UPDATE resources SET pending = ? WHERE tenant_id = ? AND resource_type = ? AND id = ?',
  mark: `UPDATE resources SET version = version + 1, last_modified = max(last_modified, ?), pending = ?
         WHERE tenant_id = ? AND resource_type = ? AND id = ? RETURNING ${UPDATED_COLUMNS}`,
  delete: 'DELETE FROM resources WHERE tenant_id = ? AND resource_type = ? AND id = ?',
  deleteIfVersion: 'DELETE FROM resources WHERE tenant_id = ? AND resource_type = ? AND id = ? AND version = ?',
  insertValue: 'INSERT INTO resource_values (tenant_id, resource_type, path, value, resource_id, is_unique) VALUES (?, ?, ?, ?, ?, ?)',
  // Rows are read through the per-resource index and deleted by their full key: a DELETE by resource_id alone is
  // planned on the primary key's (tenant_id, resource_type) prefix, a scan of the whole tenant.
  selectValues: 'SELECT path, value, is_unique FROM resource_values WHERE tenant_id = ? AND resource_type = ? AND resource_id = ?',
  deleteValue: 'DELETE FROM resource_values WHERE tenant_id = ? AND resource_type = ? AND path = ? AND value = ? AND resource_id = ?',
} as const;
const SQL = RESOURCE_SQL;

/** Inserts a resource's indexed values; a unique one that is taken is StoreError `conflict` naming the path. */
export function insertValues(statements: StatementCache, tenantId: string, resourceType: string, id: string, values: readonly IndexedValue[]): void {
  const insert = statements.get(SQL.insertValue);
  for (const entry of values) {
    try {
      insert.run(tenantId, resourceType, entry.path, entry.value, id, entry.unique ? 1 : 0);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new StoreError('conflict', `Another ${resourceType} already has this ${entry.path}`, { attribute: entry.path, cause: error });
    }
  }
}

/**
 * Makes the resource's side-table rows of the paths `inPart` accepts (one storage part: pathsOfPart; all by default)
 * equal to `values`, touching only the rows that change.
 */
export function syncValues(
  statements: StatementCache,
  tenantId: string,
  resourceType: string,
  id: string,
  values: readonly IndexedValue[],
  inPart: (path: string) => boolean = () => true,
): void {
  const wanted = new Map(values.map((entry) => [`${entry.path}\u0000${entry.value}`, entry]));
  const existing = statements.get(SQL.selectValues).all(tenantId, resourceType, id) as { path: string; value: string; is_unique: number }[];
  const remove = statements.get(SQL.deleteValue);
  for (const row of existing) {
    if (!inPart(row.path)) continue;
    const key = `${row.path}\u0000${row.value}`;
    const keep = wanted.get(key);
    if (keep && (keep.unique ? 1 : 0) === row.is_unique) wanted.delete(key);
    else remove.run(tenantId, resourceType, row.path, row.value, id);
  }
  insertValues(statements, tenantId, resourceType, id, [...wanted.values()]);
}

/** Deletes a resource row and its indexed values (inside a transaction); false when there was no such row. */
export function deleteResourceRow(statements: StatementCache, tenantId: string, resourceType: string, id: string): boolean {
  const { changes } = statements.get(SQL.delete).run(tenantId, resourceType, id);
  if (changes === 0) return false;
  syncValues(statements, tenantId, resourceType, id, []);
  return true;
}

/** The `pending` column after appending `added`, stamped with `stamp` (the version of the write recording them). */
function appendPending(current: string | null | undefined, added: readonly PendingChangeInput[] | undefined, stamp: number): string | null {
  const recorded = parsePending(current);
  if (!added || added.length === 0) return recorded.length === 0 ? null : JSON.stringify(recorded);
  return JSON.stringify([...recorded, ...added.map((change): PendingChange => ({ id: change.id, stamp, change: change.change }))]);
}

export function parsePending(text: string | null | undefined): PendingChange[] {
  return text ? (JSON.parse(text) as PendingChange[]) : [];
}

export function createSqliteResourceStore(deps: SqliteResourceStoreDeps): ResourceStore {
  const { db, statements, model, readPool, commits, auditStaging } = deps;
  const run = <T>(call: () => T): T => translateErrors(() => db.open, call);
  /** Runs a write's body in the next group transaction (in a savepoint of its own); settles after its COMMIT. */
  const write = <T>(body: () => T): Promise<T> => batchedWrite(db, commits, body);
  const prepared = (sql: string) => statements.get(sql);
  const anchors = createPageAnchors();

  /** A list's count and page rows, read in one snapshot: on a read thread when there is a pool, else here. */
  const readList = async (sql: ListSql): Promise<{ count: ListCount; rows: ResourceRow[] }> => {
    if (sql.totalFromPage) {
      // One statement, so one snapshot: its rows are every match (list-query.ts), and their number is the total.
      const rows = (readPool ? (await readPool.read([sql.page]))[0] : run(() => prepared(sql.page.sql).all(...sql.page.params))) as ResourceRow[];
      return { count: { total: rows.length }, rows };
    }
    if (readPool) {
      // Off the main thread (read-pool.ts): a slow filter holds up its own request only.
      const [count, rows] = await readPool.read([{ ...sql.count, first: true }, sql.page]);
      return { count: count as ListCount, rows: rows as ResourceRow[] };
    }
    return run(() =>
      // One read transaction: the count and the page see the same snapshot.
      db.transaction(() => ({
        count: prepared(sql.count.sql).get(...sql.count.params) as ListCount,
        rows: prepared(sql.page.sql).all(...sql.page.params) as ResourceRow[],
      }))(),
    );
  };

  /** The serialised form of a new resource, computed outside the write transaction. */
  const newRow = (resource: NewResource): NewRow => ({
    resource,
    derived: deriveSearchData(model.modelOf(resource.resourceType), resource.attributes),
    data: JSON.stringify(resource.attributes),
    internal: JSON.stringify(resource.internal),
    pending: appendPending(null, resource.pending, 1),
  });

  /** Inserts a resource and its indexed values; must run inside a transaction. */
  const insertRow = (tenantId: string, { resource, derived, data, internal, pending }: NewRow): StoredResource => {
    const { resourceType, id, created } = resource;
    try {
      prepared(SQL.insert).run(tenantId, resourceType, id, created, created, data, internal, derived.search, pending);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new StoreError('conflict', `${resourceType} ${id} already exists`, { attribute: 'id', cause: error });
    }
    insertValues(statements, tenantId, resourceType, id, derived.values);
    return toStored({ id, resource_type: resourceType, version: 1, created, last_modified: created, data, internal, unversioned: '{}', unversioned_revision: 0, pending });
  };

  /** Inserts a resource with its effects; must run inside a transaction. */
  const insertWithEffects = (tenantId: string, row: NewRow, effects: WriteEffects | undefined): StoredResource => {
    const stored = insertRow(tenantId, row);
    if (effects) insertOutboxMessages(statements, effects, auditStaging);
    return stored;
  };

  // Inside an open transaction, better-sqlite3 runs a nested transaction as a SAVEPOINT.
  const insertInSavepoint = db.transaction(insertWithEffects);

  const readOne = (tenantId: string, resourceType: string, id: string): StoredResource | null => {
    const row = prepared(SQL.get).get(tenantId, resourceType, id) as ResourceRow | undefined;
    return row ? toStored(row) : null;
  };

  /** After a conditional write touched no row: was the resource missing, or at another version (or revision)? */
  const missOf = (tenantId: string, resourceType: string, id: string, expected: { version?: number; revision?: number }): StoreError => {
    const current = prepared(SQL.version).get(tenantId, resourceType, id) as { version: number; unversioned_revision: number } | undefined;
    if (!current) return new StoreError('not_found', `${resourceType} ${id} not found`);
    if (expected.revision !== undefined && expected.revision !== current.unversioned_revision) {
      return new StoreError('version_mismatch', `${resourceType} ${id} has unversioned revision ${current.unversioned_revision}, not ${expected.revision}`);
    }
    return new StoreError('version_mismatch', `${resourceType} ${id} is at version ${current.version}, not ${String(expected.version)}`);
  };

  return {
    async get(tenantId, resourceType, id) {
      return run(() => readOne(tenantId, resourceType, id));
    },

    async getMany(tenantId, resourceType, ids) {
      const distinct = [...new Set(ids)];
      if (distinct.length === 1) {
        // One id (the group of a user who is in one): the primary-key read, without the JSON array of the batch form.
        const found = run(() => readOne(tenantId, resourceType, distinct[0]));
        return found ? [found] : [];
      }
      return run(() => {
        const found: StoredResource[] = [];
        for (let start = 0; start < distinct.length; start += GET_MANY_BATCH) {
          const batch = JSON.stringify(distinct.slice(start, start + GET_MANY_BATCH));
          for (const row of prepared(SQL.getMany).all(tenantId, resourceType, batch) as ResourceRow[]) found.push(toStored(row));
        }
        return found;
      });
    },

    async scan(tenantId, resourceType, { after, limit }) {
      const wanted = Math.max(0, Math.trunc(limit));
      return run(() => {
        // One row more than asked: its presence says another page follows.
        const rows = (
          after === undefined ? prepared(SQL.scanFirst).all(tenantId, resourceType, wanted + 1) : prepared(SQL.scanAfter).all(tenantId, resourceType, after, wanted + 1)
        ) as ResourceRow[];
        const page = rows.slice(0, wanted).map(toStored);
        return rows.length > wanted && page.length > 0 ? { resources: page, next: page[page.length - 1].id } : { resources: page };
      });
    },

    async list(tenantId, query: StoreQuery): Promise<StoreListResult> {
      const modelOfType = model.modelOf(query.resourceType);
      const { page } = query;
      // Unfiltered pages in id order learn and use remembered row positions (page-anchors.ts).
      const anchored = page.kind === 'index' && !query.filter && !query.sort ? { key: `${tenantId}\u0000${query.resourceType}`, offset: offsetOf(page) } : undefined;
      let sql = listQueryToSql(modelOfType, tenantId, query, anchored && anchors.nearest(anchored.key, anchored.offset));
      let { count, rows } = await readList(sql);
      if (sql.from && count.changes !== sql.from.stamp) {
        // Rows were inserted or deleted since the position was read: it may have moved. The long way, once.
        anchors.forget(anchored!.key);
        sql = listQueryToSql(modelOfType, tenantId, query);
        ({ count, rows } = await readList(sql));
      }
      const first = rows[0];
      const last = rows[rows.length - 1];
      if (anchored && count.changes !== undefined && first && last) {
        anchors.remember(anchored.key, count.changes, [
          { offset: anchored.offset, id: first.id },
          { offset: anchored.offset + rows.length - 1, id: last.id },
        ]);
      }
      return listPage(sql, count, rows);
    },

    async create(tenantId, resource: NewResource, effects?: WriteEffects) {
      const row = newRow(resource);
      return write(() => insertWithEffects(tenantId, row, effects));
    },

    async createMany(tenantId, resources: readonly NewResource[], effects?: readonly (WriteEffects | undefined)[]) {
      const rows = resources.map(newRow);
      // One write for the batch; each item in its own savepoint, so that a unique-index violation undoes that item
      // only and the others are still written.
      return write(() =>
        rows.map((row, index): StoredResource | StoreError => {
          try {
            return insertInSavepoint(tenantId, row, effects?.[index]);
          } catch (error) {
            if (error instanceof StoreError) return error;
            throw error;
          }
        }),
      );
    },

    async replace(tenantId, resourceType, id, replacement: ResourceReplacement, expectedVersion?: number, effects?: WriteEffects) {
      const derived = deriveSearchData(model.modelOf(resourceType), replacement.attributes);
      const data = JSON.stringify(replacement.attributes);
      const internal = JSON.stringify(replacement.internal);
      const { lastModified } = replacement;
      return write(() => {
        const written = (
          expectedVersion === undefined
            ? prepared(SQL.replace).get(lastModified, data, internal, derived.search, tenantId, resourceType, id)
            : prepared(SQL.replaceIfVersion).get(lastModified, data, internal, derived.search, tenantId, resourceType, id, expectedVersion)
        ) as Pick<ResourceRow, 'version' | 'created' | 'unversioned' | 'unversioned_revision' | 'pending'> | undefined;
        if (!written) throw missOf(tenantId, resourceType, id, { version: expectedVersion });
        syncValues(statements, tenantId, resourceType, id, derived.values, pathsOfPart(model.modelOf(resourceType), 'document'));
        let pending = written.pending;
        if (replacement.pending && replacement.pending.length > 0) {
          // Recorded in the same transaction, stamped with the version just written (membership-store.ts).
          pending = appendPending(pending, replacement.pending, written.version);
          prepared(SQL.setPending).run(pending, tenantId, resourceType, id);
        }
        if (effects) insertOutboxMessages(statements, effects, auditStaging);
        return toStored({ ...written, id, resource_type: resourceType, last_modified: lastModified, data, internal, pending });
      });
    },

    async delete(tenantId, resourceType, id, expectedVersion?: number, effects?: WriteEffects) {
      await write(() => {
        const { changes } =
          expectedVersion === undefined
            ? prepared(SQL.delete).run(tenantId, resourceType, id)
            : prepared(SQL.deleteIfVersion).run(tenantId, resourceType, id, expectedVersion);
        if (changes === 0) throw missOf(tenantId, resourceType, id, { version: expectedVersion });
        syncValues(statements, tenantId, resourceType, id, []);
        if (effects) insertOutboxMessages(statements, effects, auditStaging);
      });
    },

    async mark(tenantId, resourceType, id, mark: ResourceMark, expectedVersion?: number, effects?: WriteEffects) {
      return write(() => {
        // Read and written in one savepoint of an immediate transaction: nothing can come in between, so no version is lost.
        const current = prepared(SQL.versionAndPending).get(tenantId, resourceType, id) as { version: number; pending: string | null } | undefined;
        if (!current || (expectedVersion !== undefined && current.version !== expectedVersion)) throw missOf(tenantId, resourceType, id, { version: expectedVersion });
        // A resource whose delete is recorded is gone: a change after it would answer success and then vanish with it.
        if (refusesMark(parsePending(current.pending), mark)) throw new StoreError('not_found', `${resourceType} ${id} not found`);
        const pending = appendPending(current.pending, mark.pending, current.version + 1);
        const row = prepared(SQL.mark).get(mark.lastModified, pending, tenantId, resourceType, id) as ResourceRow;
        if (effects) insertOutboxMessages(statements, effects, auditStaging);
        return toStored(row);
      });
    },

    async updateInternal(tenantId, resourceType, id, values, expectedRevision?: number, expectedVersion?: number) {
      const unversioned = JSON.stringify(values);
      const derived = deriveSearchData(model.modelOf(resourceType), unversionedAttributesOf(values), 'unversioned');
      const revision = expectedRevision ?? null;
      const version = expectedVersion ?? null;
      return write(() => {
        // One UPDATE is the compare-and-set and the write, so concurrent writers cannot interleave.
        const row = prepared(SQL.updateInternal).get(unversioned, derived.search, tenantId, resourceType, id, revision, revision, version, version) as
          | ResourceRow
          | undefined;
        if (!row) throw missOf(tenantId, resourceType, id, { revision: expectedRevision, version: expectedVersion });
        syncValues(statements, tenantId, resourceType, id, derived.values, pathsOfPart(model.modelOf(resourceType), 'unversioned'));
        return toStored(row);
      });
    },

    // A write and its effects commit in one transaction here: there is never anything to recover.
    async recoverEffects() {
      return 0;
    },
  };
}

const partPaths = new WeakMap<ResourceModel, Record<StoragePart, ReadonlySet<string>>>();

/** Whether an indexed path (resource_values.path) belongs to a storage part of the model. */
function pathsOfPart(model: ResourceModel, part: StoragePart): (path: string) => boolean {
  let paths = partPaths.get(model);
  if (!paths) {
    const of = (wanted: StoragePart) => new Set(model.indexedPaths.filter((indexed) => indexed.slot.part === wanted).map((indexed) => indexed.path));
    paths = { document: of('document'), unversioned: of('unversioned') };
    partPaths.set(model, paths);
  }
  const inPart = paths[part];
  return (path) => inPart.has(path);
}

/** A list's answer from its count and the rows its page query returned. */
function listPage(sql: ListSql, { total }: ListCount, rows: readonly ResourceRow[]): StoreListResult {
  // Keyset pages fetch one row more than asked: its presence says another page follows.
  const page = rows.slice(0, sql.limit);
  const last = page[page.length - 1];
  const next: KeysetPosition | undefined = rows.length > sql.limit && last ? { sortValue: sql.sorted ? (last.sort_key ?? null) : null, id: last.id } : undefined;
  return { resources: page.map(toStored), totalResults: total, ...(next ? { next } : {}) };
}

function toStored(row: ResourceRow): StoredResource {
  const stored: { -readonly [K in keyof StoredResource]: StoredResource[K] } = {
    resourceType: row.resource_type,
    id: row.id,
    version: row.version,
    created: row.created,
    lastModified: row.last_modified,
    attributes: JSON.parse(row.data) as StoredResource['attributes'],
    internal: JSON.parse(row.internal) as StoredResource['internal'],
    unversioned: { revision: row.unversioned_revision, values: JSON.parse(row.unversioned) as StoredResource['unversioned']['values'] },
  };
  // Every row of a list page passes here, and almost none has pending changes: no empty array, no spread, for those.
  if (row.pending) {
    const pending = parsePending(row.pending);
    if (pending.length > 0) stored.pending = pending;
  }
  return stored;
}
