// Extension schemas added by an operator (SCIM_SCHEMAS_DIR, test/fixtures/schemas-dir): listed in /Schemas and
// /ResourceTypes, and validated, filtered, sorted, patched, projected and made unique like the built-in ones, over
// HTTP on BOTH stores (the embedded SQLite store, and the MongoDB store's code over the mingo stand-in), with the
// registry loaded exactly as main.ts loads it.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import { buildApp } from '../../src/app';
import { Scope } from '../../src/auth/scopes';
import { issueToken } from '../../src/auth/tokens';
import { loadConfig } from '../../src/config/load-config';
import { loadRegistry } from '../../src/config/schemas-dir';
import { createLogger } from '../../src/logger';
import { mongoStoreOn } from '../../src/store/mongo/mongo-store';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { Store } from '../../src/store/tenant-store';
import { createMingoDb } from '../unit/store/mongo/mingo-db';
import { ERROR_SCHEMA, GROUP_SCHEMA, SCIM, USER_SCHEMA } from '../helpers/test-app';

const DIR = join(__dirname, '..', 'fixtures', 'schemas-dir');
const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
const ACME_GROUP = 'urn:example:params:scim:schemas:extension:acme:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** The product's own User extension: every user carries its lifecycle. */
const LIFECYCLE = 'urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

const STORES: readonly [string, (registry: ReturnType<typeof loadRegistry>) => Promise<Store>][] = [
  ['SQLite', async (registry) => createSqliteStore({ path: ':memory:', registry })],
  [
    'MongoDB (mingo)',
    async (registry) => {
      const store = mongoStoreOn({ db: createMingoDb().db, registry, close: async () => undefined });
      await store.prepare();
      return store;
    },
  ],
];

describe.each(STORES)('operator extensions from SCIM_SCHEMAS_DIR on the %s store', (_name, openStore) => {
  /** One listening server, so that meta.location keeps its port across requests. */
  let app: Server;
  let store: Store;
  let auth: { Authorization: string };

  beforeAll(async () => {
    const config = loadConfig({ SCIM_LOG_LEVEL: 'silent', SCIM_SCHEMAS_DIR: DIR });
    const registry = loadRegistry(config.schemasDir);
    store = await openStore(registry);
    app = createServer(buildApp({ config, store, registry, logger: createLogger('silent') }));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const tenantId = randomUUID();
    await store.tenants.createTenant({ id: tenantId, name: 'acme', profile: 'standard', created: new Date().toISOString() });
    const { token, record } = issueToken({ tenantId, label: 'test', scopes: [Scope.read, Scope.write], now: new Date() });
    await store.tenants.createToken(record);
    auth = { Authorization: `Bearer ${token}` };
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => app.close(() => resolve()));
    await store.close();
  });

  const acmeUser = (userName: string, acme: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ schemas: [USER_SCHEMA, ACME], userName, [ACME]: acme, ...extra });
  const post = (endpoint: string, body: unknown) => request(app).post(`${SCIM}${endpoint}`).set(auth).send(body as object);
  const patch = (endpoint: string, id: string, ...Operations: unknown[]) => request(app).patch(`${SCIM}${endpoint}/${id}`).set(auth).send({ schemas: [PATCH_OP], Operations });
  const list = (query: Record<string, string>) => request(app).get(`${SCIM}/Users`).query(query).set(auth);
  const userNames = (res: request.Response) => (res.body.Resources as { userName: string }[]).map((resource) => resource.userName);

  it('lists the schemas in /Schemas and as extensions in /ResourceTypes', async () => {
    const schemas = await request(app).get(`${SCIM}/Schemas`).set(auth);
    expect(schemas.body.Resources.map((schema: { id: string }) => schema.id)).toEqual(expect.arrayContaining([ACME, ACME_GROUP]));
    const acme = await request(app).get(`${SCIM}/Schemas/${ACME}`).set(auth);
    expect(acme.status).toBe(200);
    expect(acme.body).toMatchObject({ id: ACME, name: 'AcmeUser', meta: { resourceType: 'Schema' } });
    expect(acme.body.attributes.find((attribute: { name: string }) => attribute.name === 'badge')).toMatchObject({ type: 'string', uniqueness: 'server', caseExact: false });
    const userType = await request(app).get(`${SCIM}/ResourceTypes/User`).set(auth);
    expect(userType.body.schemaExtensions).toEqual([
      { schema: ENTERPRISE, required: false },
      { schema: LIFECYCLE, required: false },
      { schema: ACME, required: false },
    ]);
    const groupType = await request(app).get(`${SCIM}/ResourceTypes/Group`).set(auth);
    expect(groupType.body.schemaExtensions).toEqual([{ schema: ACME_GROUP, required: false }]);
  });

  it('creates, reads, validates and makes extension attributes unique like built-in ones', async () => {
    const created = await post(
      '/Users',
      acmeUser('ann', { costCenter: 'CC-1', badge: 'B1', level: 3, hireDate: '2021-03-01T09:00:00Z', remote: 'True', code: 'X1', skills: [{ value: 'go', level: 4, primary: true }, { value: 'sql', level: 2 }] }),
    );
    expect(created.status).toBe(201);
    expect(created.body.schemas).toEqual([USER_SCHEMA, LIFECYCLE, ACME]);
    expect(created.body[ACME]).toEqual({ costCenter: 'CC-1', badge: 'B1', level: 3, hireDate: '2021-03-01T09:00:00Z', remote: true, code: 'X1', skills: [{ value: 'go', level: 4, primary: true }, { value: 'sql', level: 2 }] });
    expect((await request(app).get(`${SCIM}/Users/${created.body.id}`).set(auth)).body).toEqual(created.body);

    const wrongType = await post('/Users', acmeUser('bad-level', { level: 'high' }));
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidValue', detail: expect.stringContaining(`${ACME}.level`) });
    const noSkillValue = await post('/Users', acmeUser('bad-skill', { skills: [{ level: 1 }] }));
    expect(noSkillValue.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('skills.value') });
    const taken = await post('/Users', acmeUser('bob', { badge: 'b1' }));
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ scimType: 'uniqueness', detail: expect.stringContaining('badge') });
    expect(userNames(await list({ filter: 'userName eq "bad-level" or userName eq "bad-skill" or userName eq "bob"' }))).toEqual([]);
  });

  it('filters and sorts on extension attributes, in the database', async () => {
    for (const [userName, acme] of [
      ['cat', { costCenter: 'cc-2', level: 1, hireDate: '2019-05-01T00:00:00Z', skills: [{ value: 'go', level: 1 }] }],
      ['dan', { costCenter: 'CC-2', level: 5, hireDate: '2023-01-10T00:00:00+01:00', skills: [{ value: 'rust', level: 5 }] }],
      ['eve', { costCenter: 'cc-3', badge: 'B9' }],
    ] as const) {
      expect((await post('/Users', acmeUser(userName, acme))).status).toBe(201);
    }
    const names = async (filter: string, extra: Record<string, string> = {}) => {
      const res = await list({ filter, ...extra });
      expect(res.status).toBe(200);
      return userNames(res);
    };
    expect((await names(`${ACME}:costCenter eq "CC-2"`)).sort()).toEqual(['cat', 'dan']);
    expect(await names(`${ACME}:level gt 3`)).toEqual(['dan']);
    expect((await names(`${ACME}:skills[value eq "go" and level ge 1]`)).sort()).toEqual(['ann', 'cat']);
    expect(await names(`${ACME}:hireDate lt "2020-01-01T00:00:00Z"`)).toEqual(['cat']);
    expect(await names('badge eq "b9"')).toEqual(['eve']); // unqualified: only the Acme extension has `badge`
    expect(await names(`${ACME}:remote eq true`)).toEqual(['ann']);
    expect(await names(`${ACME}:code pr and userName sw "a"`)).toEqual(['ann']);
    const sorted = await list({ filter: `${ACME}:level pr`, sortBy: `${ACME}:level`, sortOrder: 'descending' });
    expect(userNames(sorted)).toEqual(['dan', 'ann', 'cat']);
    const projected = await list({ filter: 'userName eq "dan"', attributes: `${ACME}:costCenter` });
    expect(projected.body.Resources).toEqual([{ schemas: [USER_SCHEMA, ACME], id: expect.any(String), [ACME]: { costCenter: 'CC-2' } }]);
    const excluded = await list({ filter: 'userName eq "dan"', excludedAttributes: ACME });
    expect(excluded.body.Resources[0]).not.toHaveProperty([ACME]);
  });

  it('patches extension attributes with every path form, and keeps their mutability and required rules', async () => {
    const created = await post('/Users', acmeUser('fay', { costCenter: 'A', code: 'F1', skills: [{ value: 'go', level: 1 }] }));
    const id = created.body.id as string;
    const changed = await patch(
      '/Users',
      id,
      { op: 'replace', path: `${ACME}:costCenter`, value: 'B' },
      { op: 'add', path: `${ACME}:skills`, value: [{ value: 'sql', level: 2, primary: true }] },
      { op: 'replace', path: `${ACME}:skills[value eq "go"].level`, value: 3 },
      { op: 'replace', value: { [ACME]: { level: 7 }, title: 'Lead' } },
    );
    expect(changed.status).toBe(200);
    expect(changed.body[ACME]).toEqual({ costCenter: 'B', code: 'F1', level: 7, skills: [{ value: 'go', level: 3 }, { value: 'sql', level: 2, primary: true }] });
    const removed = await patch('/Users', id, { op: 'remove', path: `${ACME}:skills[value eq "go"]` });
    expect(removed.body[ACME].skills).toEqual([{ value: 'sql', level: 2, primary: true }]);

    const immutable = await patch('/Users', id, { op: 'replace', path: `${ACME}:code`, value: 'F2' });
    expect(immutable.body).toMatchObject({ status: '400', scimType: 'mutability' });
    const requiredSub = await patch('/Users', id, { op: 'remove', path: `${ACME}:skills[value eq "sql"].value` });
    expect(requiredSub.body).toMatchObject({ status: '400', scimType: 'mutability', detail: expect.stringContaining("'skills.value' is required") });
    const wrongType = await patch('/Users', id, { op: 'replace', path: `${ACME}:level`, value: 'seven' });
    expect(wrongType.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect((await request(app).get(`${SCIM}/Users/${id}`).set(auth)).body).toEqual(removed.body);
    expect(userNames(await list({ filter: `${ACME}:costCenter eq "b" and ${ACME}:level eq 7` }))).toEqual(['fay']);
  });

  it('replaces extension attributes with PUT, refusing a change of an immutable one', async () => {
    const created = await post('/Users', acmeUser('gus', { costCenter: 'A', code: 'G1' }));
    const url = `${SCIM}/Users/${created.body.id}`;
    const replaced = await request(app).put(url).set(auth).send(acmeUser('gus', { costCenter: 'Z', code: 'G1' }));
    expect(replaced.status).toBe(200);
    expect(replaced.body[ACME]).toEqual({ costCenter: 'Z', code: 'G1' });
    const immutable = await request(app).put(url).set(auth).send(acmeUser('gus', { code: 'G2' }));
    expect(immutable.body).toMatchObject({ status: '400', scimType: 'mutability', detail: expect.stringContaining('code') });
  });

  it('takes extension attributes in Bulk, and on Groups through resource-types.json', async () => {
    const bulk = await request(app)
      .post(`${SCIM}/Bulk`)
      .set(auth)
      .send({
        schemas: [BULK_REQUEST],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'h', data: acmeUser('hal', { costCenter: 'BULK' }) },
          { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP_SCHEMA, ACME_GROUP], displayName: 'Ops', [ACME_GROUP]: { owner: 'hal', costCenter: 'BULK' }, members: [{ value: 'bulkId:h' }] } },
        ],
      });
    expect(bulk.body.Operations.map((operation: { status: string }) => operation.status)).toEqual(['201', '201']);
    expect(userNames(await list({ filter: `${ACME}:costCenter eq "bulk"` }))).toEqual(['hal']);
    const groups = await request(app).get(`${SCIM}/Groups`).query({ filter: `${ACME_GROUP}:owner eq "HAL"` }).set(auth);
    expect(groups.body.Resources).toEqual([expect.objectContaining({ displayName: 'Ops', schemas: [GROUP_SCHEMA, ACME_GROUP], [ACME_GROUP]: { owner: 'hal', costCenter: 'BULK' } })]);

    const groupId = groups.body.Resources[0].id as string;
    const noOwner = await patch('/Groups', groupId, { op: 'remove', path: `${ACME_GROUP}:owner` });
    expect(noOwner.body).toMatchObject({ status: '400', scimType: 'mutability', detail: expect.stringContaining("'owner' is required") });
    const ownerless = await post('/Groups', { schemas: [GROUP_SCHEMA, ACME_GROUP], displayName: 'No owner', [ACME_GROUP]: { costCenter: 'x' } });
    expect(ownerless.body).toMatchObject({ status: '400', scimType: 'invalidValue', detail: expect.stringContaining(`${ACME_GROUP}:owner`) });
    // The User extension is not one of Group's.
    const wrong = await post('/Groups', { schemas: [GROUP_SCHEMA, ACME], displayName: 'Wrong', [ACME]: { costCenter: 'x' } });
    expect(wrong.body).toMatchObject({ status: '400', scimType: 'invalidSyntax', detail: expect.stringContaining(ACME) });
  });
});
