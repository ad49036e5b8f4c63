// The `schemas` a resource body declares (RFC 7643 §3) and the schema URNs it uses, over HTTP on POST, PUT and Bulk,
// for Users and Groups: the core schema must be named, every URN must be a schema of the resource type, and an
// extension whose attributes the body carries must be listed. Each refusal is 400 invalidSyntax naming the URN and
// changes nothing (README "Errors" and "Tolerances").
import request from 'supertest';
import { LIFECYCLE } from '../helpers/lifecycle';
import { createTestApp, ENTERPRISE_SCHEMA, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, USER_SCHEMA, type TestApp, type TestTenant } from '../helpers/test-app';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const NOT_A_USER = 'urn:example:params:scim:schemas:not-a-user';
const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
// Microsoft's schema URNs are URLs; Entra ID's documented Create Group lists the Group one with nothing under it.
const ADSCIM_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const ADSCIM_USER = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User';

let t: TestApp;
let a: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  a = await t.tenant({ name: 'schemas' });
});
afterAll(() => t.close());

const post = (endpoint: string, body: unknown) => request(t.app).post(`${SCIM}${endpoint}`).set(a.auth).send(body as object);
const put = (endpoint: string, id: string, body: unknown) => request(t.app).put(`${SCIM}${endpoint}/${id}`).set(a.auth).send(body as object);
const count = async (endpoint: string, filter: string) => {
  const res = await request(t.app).get(`${SCIM}${endpoint}`).query({ filter, count: 0 }).set(a.auth);
  expect(res.status).toBe(200);
  return res.body.totalResults as number;
};

function expectRefused(res: request.Response, ...named: RegExp[]): void {
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidSyntax' });
  for (const pattern of named) expect(res.body.detail).toMatch(pattern);
}

const quoted = (urn: string) => new RegExp(urn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

interface Case {
  readonly name: string;
  readonly body: (name: string) => Record<string, unknown>;
  /** Patterns the error detail must contain. */
  readonly detail: readonly RegExp[];
}

const USER_CASES: Case[] = [
  { name: 'names only a schema the server does not know', body: (userName) => ({ schemas: [NOT_A_USER], userName }), detail: [quoted(NOT_A_USER), quoted(USER_SCHEMA)] },
  { name: 'has no "schemas" at all', body: (userName) => ({ userName }), detail: [/"schemas" is required/, quoted(USER_SCHEMA)] },
  { name: 'has an empty "schemas"', body: (userName) => ({ schemas: [], userName }), detail: [quoted(USER_SCHEMA)] },
  { name: 'names the Group schema instead of the User schema', body: (userName) => ({ schemas: [GROUP_SCHEMA], userName }), detail: [quoted(GROUP_SCHEMA), quoted(USER_SCHEMA)] },
  {
    name: 'carries attributes under an unknown schema it lists beside the User schema',
    body: (userName) => ({ schemas: [USER_SCHEMA, ADSCIM_USER], userName, [ADSCIM_USER]: { division: 'x' } }),
    detail: [quoted(ADSCIM_USER), /does not know/],
  },
  {
    name: 'carries Enterprise attributes without listing the extension',
    body: (userName) => ({ schemas: [USER_SCHEMA], userName, [ENTERPRISE_SCHEMA]: { department: 'R&D' } }),
    detail: [quoted(ENTERPRISE_SCHEMA), /"schemas" does not list it/],
  },
  {
    name: 'carries an extension the server does not know, listed in schemas',
    body: (userName) => ({ schemas: [USER_SCHEMA, ACME], userName, [ACME]: { costCenter: 'x' } }),
    detail: [quoted(ACME)],
  },
  { name: 'has a "schemas" value that is not a list of URNs', body: (userName) => ({ schemas: [1], userName }), detail: [/"schemas"/] },
];

describe('POST /Users and PUT /Users/{id}: the schemas a body names', () => {
  it.each(USER_CASES.map((c, index) => [c.name, c, index] as const))('refuses a body that %s (POST and PUT), changing nothing', async (_name, c, index) => {
    const userName = `schemas-${index}`;
    expectRefused(await post('/Users', c.body(userName)), ...c.detail);
    expect(await count('/Users', `userName eq "${userName}"`)).toBe(0);

    const created = await post('/Users', { schemas: [USER_SCHEMA], userName: `${userName}-put`, title: 'Before' });
    expect(created.status).toBe(201);
    expectRefused(await put('/Users', created.body.id, { ...c.body(`${userName}-put`), title: 'After' }), ...c.detail);
    const stored = await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(a.auth);
    expect(stored.body).toEqual(created.body);
  });

  it('accepts the URNs in any case, an extension listed without attributes of its own, and Enterprise attributes it lists', async () => {
    const upper = await post('/Users', { schemas: [USER_SCHEMA.toUpperCase()], userName: 'upper-urn' });
    expect(upper.status).toBe(201);
    // Microsoft's "User 2 replace test" lists the extension and sends none of its attributes.
    const listed = await post('/Users', { schemas: [ENTERPRISE_SCHEMA, USER_SCHEMA], userName: 'listed-only' });
    expect(listed.status).toBe(201);
    // Not the Enterprise URN: it holds no attribute (the server's own lifecycle extension is on every user).
    expect(listed.body.schemas).toEqual([USER_SCHEMA, LIFECYCLE]);
    const enterprise = await post('/Users', { schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA.toLowerCase()], userName: 'ent', [ENTERPRISE_SCHEMA]: { department: 'R&D' } });
    expect(enterprise.status).toBe(201);
    expect(enterprise.body).toMatchObject({ schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA, LIFECYCLE], [ENTERPRISE_SCHEMA]: { department: 'R&D' } });
    // An extension set to null carries no attributes, so it need not be listed (it unassigns the extension).
    const cleared = await put('/Users', enterprise.body.id, { schemas: [USER_SCHEMA], userName: 'ent', [ENTERPRISE_SCHEMA]: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).not.toHaveProperty([ENTERPRISE_SCHEMA]);
  });
});

describe('POST /Groups and PUT /Groups/{id}: the schemas a body names', () => {
  it('refuses a group body that names the User schema, or none, changing nothing', async () => {
    expectRefused(await post('/Groups', { schemas: [USER_SCHEMA], displayName: 'Wrong schema' }), quoted(USER_SCHEMA), quoted(GROUP_SCHEMA));
    expectRefused(await post('/Groups', { displayName: 'No schemas' }), /"schemas" is required/, quoted(GROUP_SCHEMA));
    expectRefused(await post('/Groups', { schemas: [GROUP_SCHEMA, ENTERPRISE_SCHEMA], displayName: 'User extension' }), quoted(ENTERPRISE_SCHEMA));
    expect(await count('/Groups', 'displayName pr')).toBe(0);

    const created = await post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Team' });
    expect(created.status).toBe(201);
    expectRefused(await put('/Groups', created.body.id, { displayName: 'Renamed' }), /"schemas" is required/);
    expectRefused(await put('/Groups', created.body.id, { schemas: [NOT_A_USER], displayName: 'Renamed' }), quoted(NOT_A_USER));
    expect((await request(t.app).get(`${SCIM}/Groups/${created.body.id}`).set(a.auth)).body).toEqual(created.body);
  });
});

describe('a schema URN the server does not know, listed in "schemas" with no attributes under it', () => {
  it('is ignored on POST, PUT and Bulk, for Users and Groups: not stored, not echoed, not an error', async () => {
    const group = await post('/Groups', { schemas: [GROUP_SCHEMA, ADSCIM_GROUP], externalId: 'ext-1', displayName: 'Listed only' });
    expect(group.status).toBe(201);
    expect(group.body).toMatchObject({ schemas: [GROUP_SCHEMA], externalId: 'ext-1', displayName: 'Listed only' });
    expect(JSON.stringify(group.body)).not.toMatch(/ADSCIM/);
    const read = await request(t.app).get(`${SCIM}/Groups/${group.body.id}`).set(a.auth);
    expect(read.body).toEqual(group.body);

    const renamed = await put('/Groups', group.body.id, { schemas: [ADSCIM_GROUP, GROUP_SCHEMA], displayName: 'Renamed', [ADSCIM_GROUP]: {} });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ schemas: [GROUP_SCHEMA], displayName: 'Renamed' });

    const user = await post('/Users', { schemas: [USER_SCHEMA, ACME, ENTERPRISE_SCHEMA], userName: 'listed-unknown', [ENTERPRISE_SCHEMA]: { department: 'R&D' }, [ACME]: null });
    expect(user.status).toBe(201);
    expect(user.body.schemas).toEqual([USER_SCHEMA, ENTERPRISE_SCHEMA, LIFECYCLE]);
    expect(user.body).not.toHaveProperty([ACME]);

    const bulk = await request(t.app)
      .post(`${SCIM}/Bulk`)
      .set(a.auth)
      .send({
        schemas: [BULK_REQUEST],
        Operations: [
          { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP_SCHEMA, ADSCIM_GROUP], displayName: 'Bulk listed only' } },
          { method: 'PUT', path: `/Users/${user.body.id}`, data: { schemas: [USER_SCHEMA, ACME], userName: 'listed-unknown', title: 'Bulk' } },
        ],
      });
    expect(bulk.body.Operations.map((operation: { status: string }) => operation.status)).toEqual(['201', '200']);
    const replaced = await request(t.app).get(`${SCIM}/Users/${user.body.id}`).set(a.auth);
    expect(replaced.body).toMatchObject({ schemas: [USER_SCHEMA, LIFECYCLE], userName: 'listed-unknown', title: 'Bulk' });
  });

  it('is still refused when the body carries attributes under it, or when it is a schema of another resource type', async () => {
    expectRefused(await post('/Groups', { schemas: [GROUP_SCHEMA, ADSCIM_GROUP], displayName: 'With attributes', [ADSCIM_GROUP]: { mailEnabled: true } }), quoted(ADSCIM_GROUP), /does not know/);
    expectRefused(await post('/Groups', { schemas: [GROUP_SCHEMA, USER_SCHEMA], displayName: 'Other type' }), quoted(USER_SCHEMA), /another resource type/);
    expect(await count('/Groups', 'displayName eq "With attributes" or displayName eq "Other type"')).toBe(0);
  });
});

describe('PATCH: a path or key under a schema URN the resource type does not have', () => {
  const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

  it.each([
    ['a path under an unknown extension', [{ op: 'replace', path: `${ACME}:costCenter`, value: 'x' }], ACME],
    ['an unknown extension as a whole', [{ op: 'add', path: ACME, value: { costCenter: 'x' } }], ACME],
    ['an unknown extension key in a path-less value', [{ op: 'replace', value: { title: 'T', [ACME]: { costCenter: 'x' } } }], ACME],
    ['a path under the Group schema', [{ op: 'replace', path: `${GROUP_SCHEMA}:displayName`, value: 'x' }], GROUP_SCHEMA],
  ])('refuses %s with 400 invalidPath naming it and the schemas of User', async (_name, Operations, urn) => {
    const created = await post('/Users', { schemas: [USER_SCHEMA], userName: `patch-${urn.length}-${Operations.length}-${_name.length}` });
    expect(created.status).toBe(201);
    const res = await request(t.app).patch(`${SCIM}/Users/${created.body.id}`).set(a.auth).send({ schemas: [PATCH_OP], Operations });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: 'invalidPath', detail: expect.stringMatching(/^Operation 0\b/) });
    expect(res.body.detail).toContain(urn);
    expect(res.body.detail).toContain(`the schemas of User are "${USER_SCHEMA}", "${ENTERPRISE_SCHEMA}"`);
    expect((await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(a.auth)).body).toEqual(created.body);
  });
});

describe('POST /Bulk: the same rules in each operation', () => {
  it('answers a create or replace with wrong schemas in its result, and runs the others', async () => {
    const target = await post('/Users', { schemas: [USER_SCHEMA], userName: 'bulk-target' });
    const res = await request(t.app)
      .post(`${SCIM}/Bulk`)
      .set(a.auth)
      .send({
        schemas: [BULK_REQUEST],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'bad', data: { schemas: [NOT_A_USER], userName: 'bulk-bad' } },
          { method: 'POST', path: '/Users', bulkId: 'good', data: { schemas: [USER_SCHEMA], userName: 'bulk-good' } },
          { method: 'PUT', path: `/Users/${target.body.id}`, data: { userName: 'bulk-target', title: 'x' } },
        ],
      });
    expect(res.status).toBe(200);
    const [bad, good, replaced] = res.body.Operations;
    expect(bad).toMatchObject({ status: '400', response: { scimType: 'invalidSyntax', detail: expect.stringContaining(NOT_A_USER) } });
    expect(good).toMatchObject({ status: '201' });
    expect(replaced).toMatchObject({ status: '400', response: { scimType: 'invalidSyntax', detail: expect.stringMatching(/"schemas" is required/) } });
    expect(await count('/Users', 'userName eq "bulk-bad"')).toBe(0);
  });
});
