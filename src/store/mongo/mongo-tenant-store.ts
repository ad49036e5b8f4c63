// TenantStore on MongoDB: tenants ({ _id: tenant id, name, profile, created }) and their bearer tokens ({ _id: token
// id, tenantId, label, scopes, secretHash, created, revoked?, expires?, lastUsed? }); only the SHA-256 of each secret is stored, under a
// unique index. A token names an existing tenant: without a foreign key (or a transaction) the tenant is checked
// first. Deleting a tenant removes its tokens first (deleteTenant in mongo-store.ts), so a token created for it
// while it is being deleted is removed by the same deletion.
import type { Collection } from 'mongodb';
import { StoreError } from '../store-error';
import type { Tenant, TenantStore, TokenRecord } from '../tenant-store';
import { TOKEN_SECRET_INDEX } from './indexes';
import { duplicateKeyDetails, duplicateKeyIndex, isDuplicateKey, whenReady } from './mongo-errors';

export interface TenantDocument {
  readonly _id: string;
  readonly name: string;
  readonly profile: string;
  readonly created: string;
}

export interface TokenDocument {
  readonly _id: string;
  readonly tenantId: string;
  readonly label: string;
  readonly scopes: string[];
  readonly secretHash: string;
  readonly created: string;
  readonly revoked?: string;
  readonly expires?: string;
  readonly lastUsed?: string;
}

export interface MongoTenantStoreDeps {
  readonly tenants: Collection<TenantDocument>;
  readonly tokens: Collection<TokenDocument>;
  readonly ready: () => Promise<void>;
}

export function createMongoTenantStore(deps: MongoTenantStoreDeps): TenantStore {
  const { tenants, tokens } = deps;
  const run = whenReady(deps.ready);

  return {
    async createTenant(tenant: Tenant) {
      await run(async () => {
        try {
          await tenants.insertOne({ _id: tenant.id, name: tenant.name, profile: tenant.profile, created: tenant.created });
        } catch (error) {
          if (isDuplicateKey(error)) throw new StoreError('conflict', `Tenant ${tenant.id} already exists`, { attribute: 'id', cause: error });
          throw error;
        }
      });
    },

    async getTenant(id) {
      return run(async () => {
        const document = await tenants.findOne({ _id: id });
        return document ? toTenant(document) : null;
      });
    },

    async listTenants() {
      return run(async () => (await tenants.find({}, { sort: { created: 1, _id: 1 } }).toArray()).map(toTenant));
    },

    async updateTenantProfile(id, profile: string) {
      return run(async () => (await tenants.updateOne({ _id: id }, { $set: { profile } })).matchedCount > 0);
    },

    async createToken(token: TokenRecord) {
      await run(async () => {
        if ((await tenants.countDocuments({ _id: token.tenantId }, { limit: 1 })) === 0) {
          throw new StoreError('not_found', `Tenant ${token.tenantId} not found`);
        }
        try {
          await tokens.insertOne({
            _id: token.id,
            tenantId: token.tenantId,
            label: token.label,
            scopes: [...token.scopes],
            secretHash: token.secretHash,
            created: token.created,
            ...(token.revoked === undefined ? {} : { revoked: token.revoked }),
            ...(token.expires === undefined ? {} : { expires: token.expires }),
            ...(token.lastUsed === undefined ? {} : { lastUsed: token.lastUsed }),
          });
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          const { fields, indexName } = duplicateKeyIndex(duplicateKeyDetails(error));
          if (indexName === TOKEN_SECRET_INDEX || fields?.includes('secretHash')) {
            throw new StoreError('conflict', 'A token with this secret already exists', { attribute: 'secretHash', cause: error });
          }
          throw new StoreError('conflict', `Token ${token.id} already exists`, { attribute: 'id', cause: error });
        }
      });
    },

    async findTokenBySecretHash(secretHash) {
      return run(async () => {
        const document = await tokens.findOne({ secretHash });
        return document ? toToken(document) : null;
      });
    },

    async listTokens(tenantId?: string) {
      return run(async () => {
        const query = tenantId === undefined ? {} : { tenantId };
        return (await tokens.find(query, { sort: { created: 1, _id: 1 } }).toArray()).map(toToken);
      });
    },

    async revokeToken(id, at) {
      return run(async () => {
        // Revoking twice keeps the first revocation time; the token exists either way.
        const first = await tokens.updateOne({ _id: id, revoked: { $exists: false } }, { $set: { revoked: at } });
        if (first.matchedCount > 0) return true;
        return (await tokens.countDocuments({ _id: id }, { limit: 1 })) > 0;
      });
    },

    async expireToken(id, expires) {
      return run(async () => {
        // An expiry only moves closer; ISO 8601 UTC instants of one format compare correctly as strings.
        const moved = await tokens.updateOne({ _id: id, $or: [{ expires: { $exists: false } }, { expires: { $gt: expires } }] }, { $set: { expires } });
        if (moved.matchedCount > 0) return true;
        return (await tokens.countDocuments({ _id: id }, { limit: 1 })) > 0;
      });
    },

    async touchToken(id, at) {
      await run(() => tokens.updateOne({ _id: id, $or: [{ lastUsed: { $exists: false } }, { lastUsed: { $lt: at } }] }, { $set: { lastUsed: at } }));
    },
  };
}

function toTenant(document: TenantDocument): Tenant {
  return { id: document._id, name: document.name, profile: document.profile, created: document.created };
}

function toToken(document: TokenDocument): TokenRecord {
  return {
    id: document._id,
    tenantId: document.tenantId,
    label: document.label,
    scopes: [...document.scopes],
    secretHash: document.secretHash,
    created: document.created,
    ...(document.revoked === undefined || document.revoked === null ? {} : { revoked: document.revoked }),
    ...(document.expires === undefined || document.expires === null ? {} : { expires: document.expires }),
    ...(document.lastUsed === undefined || document.lastUsed === null ? {} : { lastUsed: document.lastUsed }),
  };
}
