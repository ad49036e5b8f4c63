import request from 'supertest';
import { Scope } from '../../src/auth/scopes';
import { createTestApp, ENTERPRISE_SCHEMA, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, user, USER_SCHEMA, type TestApp, type TestTenant } from '../helpers/test-app';

let t: TestApp;
let a: TestTenant;

beforeEach(async () => {
  t = await createTestApp();
  a = await t.tenant({ name: 'a' });
});
afterEach(() => t.close());

describe('authentication', () => {
  it('answers 401 with WWW-Authenticate and a SCIM error for a missing or unknown token', async () => {
    for (const auth of [undefined, 'Bearer scim_not-a-real-token', 'Basic dXNlcjpwYXNz']) {
      const req = request(t.app).get(`${SCIM}/Users`);
      const res = await (auth ? req.set('Authorization', auth) : req);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
    }
  });

  it('protects discovery endpoints unless configured public', async () => {
    expect((await request(t.app).get(`${SCIM}/ServiceProviderConfig`)).status).toBe(401);
    const open = await createTestApp({ SCIM_PUBLIC_DISCOVERY: 'true' });
    try {
      expect((await request(open.app).get(`${SCIM}/ServiceProviderConfig`)).status).toBe(200);
      expect((await request(open.app).get(`${SCIM}/Users`)).status).toBe(401);
    } finally {
      await open.close();
    }
  });

  it('answers 403 insufficientScope when a read-only token writes, and a write-only token reads', async () => {
    const reader = await t.tokenFor(a.tenant, [Scope.read]);
    const write = await request(t.app).post(`${SCIM}/Users`).set('Authorization', `Bearer ${reader}`).send(user('nope'));
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '403' });
    expect(await t.store.resources.list(a.tenant.id, { resourceType: 'User', page: { kind: 'index', startIndex: 1, count: 10 } })).toMatchObject({ totalResults: 0 });

    const writer = await t.tokenFor(a.tenant, [Scope.write]);
    const read = await request(t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${writer}`);
    expect(read.status).toBe(403);
  });

  it('stops accepting a token once it is revoked', async () => {
    const [token] = await t.store.tenants.listTokens(a.tenant.id);
    expect((await request(t.app).get(`${SCIM}/Users`).set(a.auth)).status).toBe(200);
    await t.store.tenants.revokeToken(token.id, new Date().toISOString());
    expect((await request(t.app).get(`${SCIM}/Users`).set(a.auth)).status).toBe(401);
  });
});

describe('tenant isolation', () => {
  it("keeps tenant A's users invisible and untouchable to tenant B", async () => {
    const b = await t.tenant({ name: 'b' });
    const created = await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('alice'));
    const id = created.body.id as string;

    expect((await request(t.app).get(`${SCIM}/Users/${id}`).set(b.auth)).status).toBe(404);
    const listed = await request(t.app).get(`${SCIM}/Users`).set(b.auth);
    expect(listed.body.totalResults).toBe(0);
    const filtered = await request(t.app).get(`${SCIM}/Users`).query({ filter: 'userName eq "alice"' }).set(b.auth);
    expect(filtered.body.totalResults).toBe(0);
    expect((await request(t.app).put(`${SCIM}/Users/${id}`).set(b.auth).send(user('stolen'))).status).toBe(404);
    expect((await request(t.app).delete(`${SCIM}/Users/${id}`).set(b.auth)).status).toBe(404);

    const still = await request(t.app).get(`${SCIM}/Users/${id}`).set(a.auth);
    expect(still.status).toBe(200);
    expect(still.body.userName).toBe('alice');
    // The same userName is free in another tenant.
    expect((await request(t.app).post(`${SCIM}/Users`).set(b.auth).send(user('ALICE'))).status).toBe(201);
  });
});

describe('concurrency', () => {
  // A create reads nothing before it writes: the store's unique index alone decides which create wins. Races of a
  // read and a later write are made to happen in interleaved-writes.test.ts.
  it('lets exactly one of 20 parallel creates of one userName win', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user(i % 2 ? 'Race' : 'race'))),
    );
    const statuses = results.map((res) => res.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const res of results.filter((r) => r.status === 409)) expect(res.body.scimType).toBe('uniqueness');
    const listed = await request(t.app).get(`${SCIM}/Users`).set(a.auth);
    expect(listed.body.totalResults).toBe(1);
  });
});

describe('discovery', () => {
  it('advertises exactly what the server does', async () => {
    const res = await request(t.app).get(`${SCIM}/ServiceProviderConfig`).set(a.auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(res.body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    expect(res.body.filter).toEqual({ supported: true, maxResults: 1000 });
    expect(res.body.sort).toEqual({ supported: true });
    expect(res.body.etag).toEqual({ supported: true });
    expect(res.body.authenticationSchemes[0].type).toBe('oauthbearertoken');
    const alias = await request(t.app).get(`${SCIM}/serviceConfiguration`).set(a.auth);
    expect(alias.body).toEqual(res.body);
  });

  it('lists resource types with their schema extensions, and serves each by name', async () => {
    const res = await request(t.app).get(`${SCIM}/ResourceTypes`).set(a.auth);
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.Resources.map((r: { name: string }) => [r.name, r]));
    expect(byName.User).toMatchObject({
      endpoint: '/Users',
      schema: USER_SCHEMA,
      schemaExtensions: [
        { schema: ENTERPRISE_SCHEMA, required: false },
        { schema: 'urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User', required: false },
      ],
    });
    expect(byName.Group).toMatchObject({ endpoint: '/Groups', schema: GROUP_SCHEMA });
    const one = await request(t.app).get(`${SCIM}/ResourceTypes/User`).set(a.auth);
    expect(one.body).toEqual(byName.User);
    expect((await request(t.app).get(`${SCIM}/ResourceTypes/Nope`).set(a.auth)).status).toBe(404);
  });

  it('serves schemas generated from schemas/*.json, each by URN', async () => {
    const res = await request(t.app).get(`${SCIM}/Schemas`).set(a.auth);
    const ids = res.body.Resources.map((s: { id: string }) => s.id);
    expect(ids).toEqual(expect.arrayContaining([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_SCHEMA]));
    const userSchema = await request(t.app).get(`${SCIM}/Schemas/${USER_SCHEMA}`).set(a.auth);
    const userName = userSchema.body.attributes.find((attr: { name: string }) => attr.name === 'userName');
    expect(userName).toMatchObject({ type: 'string', required: true, caseExact: false, uniqueness: 'server' });
    expect(userSchema.body.meta).toMatchObject({ resourceType: 'Schema' });
    expect((await request(t.app).get(`${SCIM}/Schemas/urn:nope`).set(a.auth)).status).toBe(404);
  });

  it('rejects filters on discovery endpoints with 403', async () => {
    const res = await request(t.app).get(`${SCIM}/Schemas`).query({ filter: 'id pr' }).set(a.auth);
    expect(res.status).toBe(403);
    expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
  });
});

describe('unexpected failures', () => {
  it('answers 500 with a fixed detail and no internals when the store throws', async () => {
    const original = t.store.resources.get.bind(t.store.resources);
    t.store.resources.get = async () => {
      throw new Error('secret internal path /var/lib/db');
    };
    try {
      const res = await request(t.app).get(`${SCIM}/Users/00000000-0000-0000-0000-000000000000`).set(a.auth);
      expect(res.status).toBe(500);
      expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
      expect(JSON.stringify(res.body)).not.toContain('secret');
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts/);
    } finally {
      t.store.resources.get = original;
    }
  });
});
