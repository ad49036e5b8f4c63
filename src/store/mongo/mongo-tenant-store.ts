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

/**
 * The first start's claim, in `store_meta` under BOOTSTRAP_KEY: the tenant and token to create (`value`, JSON) and
 * whether they are written yet. Without transactions, the claim is what makes the first start safe: one instance's
 * insert wins, and whoever finds a claim still `pending` (its instance stopped between two writes) completes it.
 */
export interface BootstrapClaim {
  readonly _id: string;
  readonly value: string;
  readonly state: 'pending' | 'done';
}

export const BOOTSTRAP_KEY = 'bootstrap';

export interface MongoTenantStoreDeps {
  readonly tenants: Collection<TenantDocument>;
  readonly tokens: Collection<TokenDocument>;
  /** `store_meta`, where the first start's claim is kept. */
  readonly meta: Collection<BootstrapClaim>;
  readonly ready: () => Promise<void>;
}

/** How often the first start looks again after losing a race; each round sees another instance's finished step. */
const BOOTSTRAP_ROUNDS = 5;

export function createMongoTenantStore(deps: MongoTenantStoreDeps): Omit<TenantStore, 'onAccessChange'> {
  const { tenants, tokens, meta } = deps;
  const run = whenReady(deps.ready);

  /** Writes a claim's tenant and token if they are missing (upserts: idempotent), then marks the claim done. */
  const complete = async (claim: BootstrapClaim) => {
    const { tenant, token } = JSON.parse(claim.value) as { tenant: Tenant; token: TokenRecord };
    const { _id: tenantId, ...tenantFields } = toTenantDocument(tenant);
    await tenants.updateOne({ _id: tenantId }, { $setOnInsert: tenantFields }, { upsert: true });
    const { _id: tokenId, ...tokenFields } = toTokenDocument(token);
    await tokens.updateOne({ _id: tokenId }, { $setOnInsert: tokenFields }, { upsert: true });
    await meta.updateOne({ _id: BOOTSTRAP_KEY, value: claim.value, state: 'pending' }, { $set: { state: 'done' } });
  };

  /** Claims the first start for `value`: true when this call's insert or compare-and-set won. */
  const claim = async (value: string, previous: BootstrapClaim | null): Promise<boolean> => {
    if (previous) {
      // Every tenant was deleted since an earlier first start: the store is empty again, and may be bootstrapped again.
      return (await meta.updateOne({ _id: BOOTSTRAP_KEY, value: previous.value, state: 'done' }, { $set: { value, state: 'pending' } })).modifiedCount === 1;
    }
    try {
      await meta.insertOne({ _id: BOOTSTRAP_KEY, value, state: 'pending' });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  };

  return {
    async createTenant(tenant: Tenant) {
      await run(async () => {
        try {
          await tenants.insertOne(toTenantDocument(tenant));
        } catch (error) {
          if (isDuplicateKey(error)) throw new StoreError('conflict', `Tenant ${tenant.id} already exists`, { attribute: 'id', cause: error });
          throw error;
        }
      });
    },

    async createFirstTenant(tenant: Tenant, token: TokenRecord) {
      return run(async () => {
        const value = JSON.stringify({ tenant, token });
        for (let round = 0; round < BOOTSTRAP_ROUNDS; round++) {
          const found = await meta.findOne({ _id: BOOTSTRAP_KEY });
          if (found?.state === 'pending') {
            await complete(found);
            continue;
          }
          if ((await tenants.countDocuments({}, { limit: 1 })) > 0) return false;
          if (!(await claim(value, found))) continue;
          await complete({ _id: BOOTSTRAP_KEY, value, state: 'pending' });
          return true;
        }
        throw new StoreError('conflict', `The first tenant could not be created in ${BOOTSTRAP_ROUNDS} rounds: other instances keep changing the store`);
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
          await tokens.insertOne(toTokenDocument(token));
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

function toTenantDocument(tenant: Tenant): TenantDocument {
  return { _id: tenant.id, name: tenant.name, profile: tenant.profile, created: tenant.created };
}

function toTokenDocument(token: TokenRecord): TokenDocument {
  return {
    _id: token.id,
    tenantId: token.tenantId,
    label: token.label,
    scopes: [...token.scopes],
    secretHash: token.secretHash,
    created: token.created,
    ...(token.revoked === undefined ? {} : { revoked: token.revoked }),
    ...(token.expires === undefined ? {} : { expires: token.expires }),
    ...(token.lastUsed === undefined ? {} : { lastUsed: token.lastUsed }),
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
