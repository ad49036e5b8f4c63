// ResourceStore on SQLite. Every write and its side-table maintenance run in ONE immediate transaction, so a
// resource, its search document and its indexed values can never be seen half-written, and a unique-index violation
// undoes the whole write. Versioned writes are a single conditional UPDATE/DELETE (compare-and-set on `version`).
import type Database from 'better-sqlite3';
import type {
  KeysetPosition,
  NewResource,
  ResourceReplacement,
  ResourceStore,
  StoredResource,
  StoreListResult,
  StoreQuery,
} from '../resource-store';
import { StoreError } from '../store-error';
import { listQueryToSql, RESOURCE_COLUMNS } from './list-query';
import type { StoreModel } from '../model/resource-model';
import { deriveSearchData, type DerivedData, type IndexedValue } from '../model/search-document';
import { isUniqueViolation, translateErrors } from './sqlite-errors';
import type { StatementCache } from './statement-cache';

export interface SqliteResourceStoreDeps {
  readonly db: Database.Database;
  readonly statements: StatementCache;
  readonly model: StoreModel;
}

interface ResourceRow {
  readonly id: string;
  readonly resource_type: string;
  readonly version: number;
  readonly created: string;
  readonly last_modified: string;
  readonly data: string;
  readonly internal: string;
  readonly sort_key?: string | number | null;
}

interface NewRow {
  readonly resource: NewResource;
  readonly derived: DerivedData;
  readonly data: string;
  readonly internal: string;
}

/** The statements of the write paths (exported for the query-plan test). */
export const RESOURCE_SQL = {
  get: `SELECT ${RESOURCE_COLUMNS} FROM resources r WHERE r.tenant_id = ? AND r.resource_type = ? AND r.id = ?`,
  version: 'SELECT version FROM resources WHERE tenant_id = ? AND resource_type = ? AND id = ?',
  insert: `INSERT INTO resources (tenant_id, resource_type, id, version, created, last_modified, data, internal, search)
           VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)`,
  replace: `UPDATE resources SET version = version + 1, last_modified = ?, data = ?, internal = ?, search = ?
            WHERE tenant_id = ? AND resource_type = ? AND id = ? RETURNING version, created`,
  replaceIfVersion: `UPDATE resources SET version = version + 1, last_modified = ?, data = ?, internal = ?, search = ?
                     WHERE tenant_id = ? AND resource_type = ? AND id = ? AND version = ? RETURNING version, created`,
  delete: 'DELETE FROM resources WHERE tenant_id = ? AND resource_type = ? AND id = ?',
  deleteIfVersion: 'DELETE FROM resources WHERE tenant_id = ? AND resource_type = ? AND id = ? AND version = ?',
  insertValue: 'INSERT INTO resource_values (tenant_id, resource_type, path, value, resource_id, is_unique) VALUES (?, ?, ?, ?, ?, ?)',
  // Rows are read through the per-resource index and deleted by their full key: a DELETE by resource_id alone is
  // planned on the primary key's (tenant_id, resource_type) prefix, a scan of the whole tenant.
  selectValues: 'SELECT path, value, is_unique FROM resource_values WHERE tenant_id = ? AND resource_type = ? AND resource_id = ?',
  deleteValue: 'DELETE FROM resource_values WHERE tenant_id = ? AND resource_type = ? AND path = ? AND value = ? AND resource_id = ?',
} as const;
const SQL = RESOURCE_SQL;

export function createSqliteResourceStore(deps: SqliteResourceStoreDeps): ResourceStore {
  const { db, statements, model } = deps;
  const run = <T>(call: () => T): T => translateErrors(() => db.open, call);
  const prepared = (sql: string) => statements.get(sql);

  const insertValues = (tenantId: string, resourceType: string, id: string, values: readonly IndexedValue[]) => {
    const insert = prepared(SQL.insertValue);
    for (const entry of values) {
      try {
        insert.run(tenantId, resourceType, entry.path, entry.value, id, entry.unique ? 1 : 0);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new StoreError('conflict', `Another ${resourceType} already has this ${entry.path}`, { attribute: entry.path, cause: error });
      }
    }
  };

  /** Makes the resource's side-table rows equal to `values`, touching only the rows that change. */
  const syncValues = (tenantId: string, resourceType: string, id: string, values: readonly IndexedValue[]) => {
    const wanted = new Map(values.map((entry) => [`${entry.path}\u0000${entry.value}`, entry]));
    const existing = prepared(SQL.selectValues).all(tenantId, resourceType, id) as { path: string; value: string; is_unique: number }[];
    const remove = prepared(SQL.deleteValue);
    for (const row of existing) {
      const key = `${row.path}\u0000${row.value}`;
      const keep = wanted.get(key);
      if (keep && (keep.unique ? 1 : 0) === row.is_unique) wanted.delete(key);
      else remove.run(tenantId, resourceType, row.path, row.value, id);
    }
    insertValues(tenantId, resourceType, id, [...wanted.values()]);
  };

  /** The serialised form of a new resource, computed outside the write transaction. */
  const newRow = (resource: NewResource): NewRow => ({
    resource,
    derived: deriveSearchData(model.modelOf(resource.resourceType), resource.attributes),
    data: JSON.stringify(resource.attributes),
    internal: JSON.stringify(resource.internal),
  });

  /** Inserts a resource and its indexed values; must run inside a transaction. */
  const insertRow = (tenantId: string, { resource, derived, data, internal }: NewRow): StoredResource => {
    const { resourceType, id, created } = resource;
    try {
      prepared(SQL.insert).run(tenantId, resourceType, id, created, created, data, internal, derived.search);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new StoreError('conflict', `${resourceType} ${id} already exists`, { attribute: 'id', cause: error });
    }
    insertValues(tenantId, resourceType, id, derived.values);
    return toStored({ id, resource_type: resourceType, version: 1, created, last_modified: created, data, internal });
  };

  // Inside an open transaction, better-sqlite3 runs a nested transaction as a SAVEPOINT.
  const insertInSavepoint = db.transaction(insertRow);

  /** After a conditional write touched no row: was the resource missing, or at another version? */
  const missOf = (tenantId: string, resourceType: string, id: string, expectedVersion: number | undefined): StoreError => {
    const current = prepared(SQL.version).get(tenantId, resourceType, id) as { version: number } | undefined;
    if (!current) return new StoreError('not_found', `${resourceType} ${id} not found`);
    return new StoreError('version_mismatch', `${resourceType} ${id} is at version ${current.version}, not ${String(expectedVersion)}`);
  };

  return {
    async get(tenantId, resourceType, id) {
      return run(() => {
        const row = prepared(SQL.get).get(tenantId, resourceType, id) as ResourceRow | undefined;
        return row ? toStored(row) : null;
      });
    },

    async list(tenantId, query: StoreQuery): Promise<StoreListResult> {
      const sql = listQueryToSql(model.modelOf(query.resourceType), tenantId, query);
      return run(() =>
        // One read transaction: the count and the page see the same snapshot.
        db.transaction(() => {
          const { total } = prepared(sql.count.sql).get(...sql.count.params) as { total: number };
          const rows = prepared(sql.page.sql).all(...sql.page.params) as ResourceRow[];
          // Keyset pages fetch one row more than asked: its presence says another page follows.
          const page = rows.slice(0, sql.limit);
          const last = page[page.length - 1];
          const next: KeysetPosition | undefined =
            rows.length > sql.limit && last ? { sortValue: sql.sorted ? (last.sort_key ?? null) : null, id: last.id } : undefined;
          return { resources: page.map(toStored), totalResults: total, ...(next ? { next } : {}) };
        })(),
      );
    },

    async create(tenantId, resource: NewResource) {
      const row = newRow(resource);
      return run(() => db.transaction(() => insertRow(tenantId, row)).immediate());
    },

    async createMany(tenantId, resources: readonly NewResource[]) {
      const rows = resources.map(newRow);
      // One immediate transaction for the batch; each item in its own savepoint, so that a unique-index violation
      // undoes that item only and the others are still written.
      return run(() =>
        db
          .transaction(() =>
            rows.map((row): StoredResource | StoreError => {
              try {
                return insertInSavepoint(tenantId, row);
              } catch (error) {
                if (error instanceof StoreError) return error;
                throw error;
              }
            }),
          )
          .immediate(),
      );
    },

    async replace(tenantId, resourceType, id, replacement: ResourceReplacement, expectedVersion?: number) {
      const derived = deriveSearchData(model.modelOf(resourceType), replacement.attributes);
      const data = JSON.stringify(replacement.attributes);
      const internal = JSON.stringify(replacement.internal);
      const { lastModified } = replacement;
      return run(() =>
        db
          .transaction(() => {
            const written = (
              expectedVersion === undefined
                ? prepared(SQL.replace).get(lastModified, data, internal, derived.search, tenantId, resourceType, id)
                : prepared(SQL.replaceIfVersion).get(lastModified, data, internal, derived.search, tenantId, resourceType, id, expectedVersion)
            ) as { version: number; created: string } | undefined;
            if (!written) throw missOf(tenantId, resourceType, id, expectedVersion);
            syncValues(tenantId, resourceType, id, derived.values);
            return toStored({ id, resource_type: resourceType, version: written.version, created: written.created, last_modified: lastModified, data, internal });
          })
          .immediate(),
      );
    },

    async delete(tenantId, resourceType, id, expectedVersion?: number) {
      run(() =>
        db
          .transaction(() => {
            const { changes } =
              expectedVersion === undefined
                ? prepared(SQL.delete).run(tenantId, resourceType, id)
                : prepared(SQL.deleteIfVersion).run(tenantId, resourceType, id, expectedVersion);
            if (changes === 0) throw missOf(tenantId, resourceType, id, expectedVersion);
            syncValues(tenantId, resourceType, id, []);
          })
          .immediate(),
      );
    },
  };
}

function toStored(row: ResourceRow): StoredResource {
  return {
    resourceType: row.resource_type,
    id: row.id,
    version: row.version,
    created: row.created,
    lastModified: row.last_modified,
    attributes: JSON.parse(row.data) as StoredResource['attributes'],
    internal: JSON.parse(row.internal) as StoredResource['internal'],
  };
}
