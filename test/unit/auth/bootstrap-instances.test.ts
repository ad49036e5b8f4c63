// Several instances starting at once on one empty store (issue 14, item 12): each used to create a "default" tenant,
// and with SCIM_BOOTSTRAP_TOKEN set the second one failed on the token's unique hash and exited. The instances here
// are separate store connections on one SQLite file, and separate MongoDB stores (the store's own code) on one
// database of the mingo stand-in, each running the bootstrap main.ts runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoNetworkError } from 'mongodb';
import { describeBootstrap, ensureBootstrap } from '../../../src/auth/bootstrap';
import { hashSecret } from '../../../src/auth/tokens';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { mongoStoreOn } from '../../../src/store/mongo/mongo-store';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Store, Tenant, TokenRecord } from '../../../src/store/tenant-store';
import { createMingoDb, type MingoDbControls } from '../store/mongo/mingo-db';

const registry = loadBuiltinRegistry();
const CHOSEN = 'bootstrap-token-chosen-by-the-operator-0123456789';
const INSTANCES = 3;

interface SharedStore {
  /** One store object per instance, all on the same database. */
  readonly instances: Store[];
  readonly controls?: MingoDbControls;
  cleanup(): Promise<void>;
}

const onSqliteFile = async (): Promise<SharedStore> => {
  const directory = mkdtempSync(join(tmpdir(), 'scim-bootstrap-'));
  const instances = Array.from({ length: INSTANCES }, () => createSqliteStore({ path: join(directory, 'scim.db'), registry }));
  return {
    instances,
    async cleanup() {
      for (const store of instances) await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
};

const onMongo = async (): Promise<SharedStore> => {
  const { db, controls } = createMingoDb();
  const instances = Array.from({ length: INSTANCES }, () => mongoStoreOn({ db, registry, close: async () => undefined }));
  for (const store of instances) await store.prepare();
  return { instances, controls, cleanup: async () => undefined };
};

describe.each([
  ['SQLite file', onSqliteFile],
  ['MongoDB store on mingo', onMongo],
])('first start of several instances on one empty store (%s)', (_name, open) => {
  let shared: SharedStore;
  beforeEach(async () => {
    shared = await open();
  });
  afterEach(() => shared.cleanup());

  it('creates one "default" tenant between them; with the same SCIM_BOOTSTRAP_TOKEN each instance starts', async () => {
    const results = await Promise.all(shared.instances.map((store) => ensureBootstrap({ tenants: store.tenants, bootstrapToken: CHOSEN })));
    expect(results.filter((result) => result.created)).toHaveLength(1);
    const created = results.find((result) => result.created);
    for (const result of results.filter((other) => !other.created)) {
      expect(result).toMatchObject({ tenant: created?.tenant, chosenToken: 'present', presentTokenId: created?.tokenId });
    }
    const tenants = await shared.instances[0].tenants.listTenants();
    expect(tenants).toEqual([created?.tenant]);
    expect(await shared.instances[0].tenants.findTokenBySecretHash(hashSecret(CHOSEN))).toMatchObject({ id: created?.tokenId, tenantId: tenants[0].id });
  });

  it('without a chosen token, prints one token once and says so on the other instances', async () => {
    const results = await Promise.all(shared.instances.map((store) => ensureBootstrap({ tenants: store.tenants })));
    const printed = results.filter((result) => result.token !== undefined);
    expect(printed).toHaveLength(1);
    expect(await shared.instances[1].tenants.listTenants()).toHaveLength(1);
    expect(await shared.instances[1].tenants.listTokens()).toEqual([expect.objectContaining({ id: printed[0].tokenId })]);
    const others = results.filter((result) => result.token === undefined);
    for (const result of others) expect(describeBootstrap(result)?.message).toContain('Another instance starting on the same empty store created');
  });
});

describe('a first start interrupted between its writes (MongoDB, no transactions)', () => {
  it('is completed by the next start, whichever instance makes it', async () => {
    const shared = await onMongo();
    const [first, second] = shared.instances;
    const tenant: Tenant = { id: 'interrupted', name: 'default', profile: 'standard', created: '2024-05-01T00:00:00.000Z' };
    const token: TokenRecord = { id: 'token-1', tenantId: 'interrupted', label: 'bootstrap', scopes: ['scim:read', 'scim:write'], secretHash: hashSecret(CHOSEN), created: tenant.created };
    // The claim is written, then the connection drops on the first write of the tenant itself.
    shared.controls?.failNext('updateOne', new MongoNetworkError('connection reset'));
    await expect(first.tenants.createFirstTenant(tenant, token)).rejects.toThrow();
    expect(await second.tenants.listTenants()).toEqual([]);

    const next = await ensureBootstrap({ tenants: second.tenants, bootstrapToken: CHOSEN });
    expect(next).toMatchObject({ created: false, tenant, chosenToken: 'present', presentTokenId: 'token-1' });
    expect(await second.tenants.listTenants()).toEqual([tenant]);
    expect(await first.tenants.createFirstTenant({ ...tenant, id: 'late' }, { ...token, id: 'token-2', tenantId: 'late', secretHash: 'other' })).toBe(false);
  });
});
