// SettingsStore on MongoDB: one document per tenant that has set anything, { _id: tenant id, tenantId, values: JSON
// text, version, updated } (`tenantId` as in every tenant-scoped collection, so that deleting a tenant finds it). The values are JSON text for the same reason as a resource's attributes (resource-document.ts):
// setting keys contain "." (`jobs.retentionDays`), which a field path would read as a sub-document.
//
// An update is a compare-and-set on the version (one single-document write, no transaction): read, merge, write if
// the version is still the one read, else read again. The first write of a tenant is an insert that a concurrent
// first write makes fail with a duplicate _id, which is retried the same way.
import type { Collection } from 'mongodb';
import { applySettingsChange, type SettingsStore, type TenantSettingsRecord } from '../settings-store';
import { StoreError } from '../store-error';
import { isDuplicateKey, whenReady } from './mongo-errors';
import type { TenantDocument } from './mongo-tenant-store';

export interface SettingsDocument {
  readonly _id: string;
  readonly tenantId: string;
  readonly values: string;
  readonly version: number;
  readonly updated: string;
}

export interface MongoSettingsStoreDeps {
  readonly settings: Collection<SettingsDocument>;
  readonly tenants: Collection<TenantDocument>;
  readonly ready: () => Promise<void>;
}

/** Concurrent updates of one tenant's settings are rare (an operator's command); this many lost races is a fault. */
const MAX_ATTEMPTS = 20;

export function createMongoSettingsStore(deps: MongoSettingsStoreDeps): SettingsStore {
  const { settings, tenants } = deps;
  const run = whenReady(deps.ready);

  return {
    async read(tenantId) {
      return run(async () => {
        const document = await settings.findOne({ _id: tenantId });
        return document ? toRecord(document) : { values: {}, version: 0 };
      });
    },

    async version(tenantId) {
      return run(async () => (await settings.findOne({ _id: tenantId }, { projection: { _id: 0, version: 1 } }))?.version ?? 0);
    },

    async update(tenantId, change) {
      return run(async () => {
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
          const current = await settings.findOne({ _id: tenantId });
          const values = applySettingsChange(current ? (JSON.parse(current.values) as Record<string, string>) : {}, change);
          const next: SettingsDocument = { _id: tenantId, tenantId, values: JSON.stringify(values), version: (current?.version ?? 0) + 1, updated: change.at };
          if (current) {
            const { matchedCount } = await settings.updateOne({ _id: tenantId, version: current.version }, { $set: { values: next.values, version: next.version, updated: next.updated } });
            if (matchedCount > 0) return toRecord(next);
            continue;
          }
          // Checked first (there is no foreign key); a tenant deleted meanwhile loses this document in the deletion's
          // second pass (mongo-tenant-deletion.ts).
          if ((await tenants.countDocuments({ _id: tenantId }, { limit: 1 })) === 0) throw new StoreError('not_found', `Tenant ${tenantId} not found`);
          try {
            await settings.insertOne({ ...next });
            return toRecord(next);
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
          }
        }
        throw new StoreError('unavailable', `The settings of tenant ${tenantId} kept changing during the update; try again`);
      });
    },
  };
}

function toRecord(document: SettingsDocument): TenantSettingsRecord {
  return { values: JSON.parse(document.values) as Record<string, string>, version: document.version, updated: document.updated };
}
