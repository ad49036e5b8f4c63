// The search documents and resource_values rows are derived from the registry (resource-model.ts). When the
// registry changes in a way that changes them (an attribute becomes unique or case-exact, an extension is added,
// the derivation itself changes), the stored derived data is rebuilt at open, in one transaction, before any
// request is served; the model's fingerprint in store_meta says whether that is needed.
import type Database from 'better-sqlite3';
import type { StoreModel } from '../model/resource-model';
import { deriveSearchData, type IndexedValue } from '../model/search-document';
import { unversionedAttributesOf } from '../resource-store';
import { isUniqueViolation } from './sqlite-errors';

const FINGERPRINT_KEY = 'derivation';
const BATCH = 500;

interface SourceRow {
  readonly tenant_id: string;
  readonly resource_type: string;
  readonly id: string;
  readonly data: string;
  readonly unversioned: string;
}

/** Rebuilds the derived data when the model changed since it was written; returns how many resources it rebuilt. */
export function ensureDerivedData(db: Database.Database, model: StoreModel): { rebuilt: boolean; resources: number } {
  return db
    .transaction(() => {
      const stored = db.prepare('SELECT value FROM store_meta WHERE key = ?').get(FINGERPRINT_KEY) as { value: string } | undefined;
      if (stored?.value === model.fingerprint) return { rebuilt: false, resources: 0 };

      db.prepare('DELETE FROM resource_values').run();
      const columns = 'tenant_id, resource_type, id, data, unversioned';
      const first = db.prepare(`SELECT ${columns} FROM resources ORDER BY tenant_id, resource_type, id LIMIT ?`);
      const after = db.prepare(`SELECT ${columns} FROM resources WHERE (tenant_id, resource_type, id) > (?, ?, ?) ORDER BY tenant_id, resource_type, id LIMIT ?`);
      const update = db.prepare('UPDATE resources SET search = ?, unversioned_search = ? WHERE tenant_id = ? AND resource_type = ? AND id = ?');
      const insert = db.prepare('INSERT INTO resource_values (tenant_id, resource_type, path, value, resource_id, is_unique) VALUES (?, ?, ?, ?, ?, ?)');

      let count = 0;
      // Batches by key: a statement cannot run while another one is still being iterated on the same connection.
      let rows = first.all(BATCH) as SourceRow[];
      while (rows.length > 0) {
        for (const row of rows) {
          const resourceModel = model.modelOf(row.resource_type);
          const derived = deriveSearchData(resourceModel, JSON.parse(row.data) as Record<string, unknown>);
          const unversioned = deriveSearchData(resourceModel, unversionedAttributesOf(JSON.parse(row.unversioned) as Record<string, unknown>), 'unversioned');
          update.run(derived.search, unversioned.search, row.tenant_id, row.resource_type, row.id);
          const values: IndexedValue[] = [...derived.values, ...unversioned.values];
          for (const entry of values) {
            try {
              insert.run(row.tenant_id, row.resource_type, entry.path, entry.value, row.id, entry.unique ? 1 : 0);
            } catch (error) {
              if (!isUniqueViolation(error)) throw error;
              throw new Error(
                `Cannot enforce the uniqueness of ${row.resource_type}.${entry.path} in tenant ${row.tenant_id}: ${row.resource_type} ${row.id} repeats a value another resource holds; change one of them with the previous server version first`,
                { cause: error },
              );
            }
          }
          count += 1;
        }
        const last = rows[rows.length - 1];
        rows = after.all(last.tenant_id, last.resource_type, last.id, BATCH) as SourceRow[];
      }
      db.prepare('INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
        FINGERPRINT_KEY,
        model.fingerprint,
      );
      return { rebuilt: true, resources: count };
    })
    .immediate();
}
