// POST /Bulk (RFC 7644 §3.7) and POST /Users/.bulk-delete over HTTP: per-operation results, bulkId references in any
// order, circular references, failOnErrors, limits, per-operation If-Match, tenant isolation, batched creates.
import request from 'supertest';
import { createTestApp, ENTERPRISE_SCHEMA, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let t: TestApp;
let a: TestTenant;

afterEach(() => t.close());

async function start(env: Record<string, string> = {}): Promise<void> {
  t = await createTestApp(env);
  a = await t.tenant({ name: 'a' });
}

interface ResultEntry {
  method?: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  response?: { schemas: string[]; status: string; scimType?: string; detail: string };
}

const bulkOf = (Operations: unknown[], extra: Record<string, unknown> = {}) => ({ schemas: [BULK_REQUEST], ...extra, Operations });
const postBulk = (body: unknown, tenant: TestTenant = a) => request(t.app).post(`${SCIM}/Bulk`).set(tenant.auth).send(body as object);
const group = (displayName: string, extra: Record<string, unknown> = {}) => ({ schemas: [GROUP_SCHEMA], displayName, ...extra });
const createUser = async (userName: string, tenant: TestTenant = a, extra: Record<string, unknown> = {}) => {
  const res = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user(userName, extra));
  expect(res.status).toBe(201);
  return res.body as { id: string; meta: { version: string } };
};
const idOf = (location: string | undefined) => (location ?? '').split('/').pop() as string;
const countUsers = async (tenant: TestTenant = a, filter?: string) => {
  const res = await request(t.app)
    .get(`${SCIM}/Users`)
    .query({ count: 0, ...(filter ? { filter } : {}) })
    .set(tenant.auth);
  expect(res.status).toBe(200);
  return res.body.totalResults as number;
};

async function bulk(Operations: unknown[], extra: Record<string, unknown> = {}, tenant: TestTenant = a): Promise<ResultEntry[]> {
  const res = await postBulk(bulkOf(Operations, extra), tenant);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
  expect(res.body.schemas).toEqual([BULK_RESPONSE]);
  return res.body.Operations as ResultEntry[];
}

function expectFailure(result: ResultEntry, status: number, scimType: string | undefined, detail: RegExp): void {
  expect(result.status).toBe(String(status));
  expect(result.response).toBeDefined();
  expect(result.response!.schemas).toEqual([ERROR_SCHEMA]);
  expect(result.response!.status).toBe(String(status));
  expect(result.response!.scimType).toBe(scimType);
  expect(result.response!.detail).toMatch(detail);
}

describe('POST /Bulk: operations and the BulkResponse', () => {
  beforeEach(() => start());

  it('runs POST, PUT, PATCH and DELETE with the results of their single requests', async () => {
    const existing = await createUser('existing');
    const doomed = await createUser('doomed');
    const results = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'qwerty', data: user('alice', { displayName: 'Alice' }) },
      { method: 'PUT', path: `/Users/${existing.id}`, data: user('existing', { title: 'Boss' }) },
      { method: 'PATCH', path: `/Users/${existing.id}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Patched' }] } },
      { method: 'DELETE', path: `/Users/${doomed.id}` },
    ]);
    expect(results).toHaveLength(4);
    const [post, put, patch, del] = results;
    expect(post).toEqual({ method: 'POST', bulkId: 'qwerty', version: 'W/"1"', location: expect.stringMatching(new RegExp(`${SCIM}/Users/[0-9a-f-]{36}$`)), status: '201' });
    expect(put).toEqual({ method: 'PUT', version: 'W/"2"', location: expect.stringMatching(new RegExp(`${SCIM}/Users/${existing.id}$`)), status: '200' });
    expect(patch).toEqual({ method: 'PATCH', version: 'W/"3"', location: put.location, status: '200' });
    expect(del).toEqual({ method: 'DELETE', location: expect.stringMatching(new RegExp(`/Users/${doomed.id}$`)), status: '204' });

    const alice = await request(t.app).get(`${SCIM}/Users/${idOf(post.location)}`).set(a.auth);
    expect(alice.status).toBe(200);
    expect(alice.body).toMatchObject({ userName: 'alice', displayName: 'Alice', meta: { version: 'W/"1"', location: post.location } });
    const updated = await request(t.app).get(`${SCIM}/Users/${existing.id}`).set(a.auth);
    expect(updated.body).toMatchObject({ title: 'Boss', displayName: 'Patched', meta: { version: 'W/"3"' } });
    expect((await request(t.app).get(`${SCIM}/Users/${doomed.id}`).set(a.auth)).status).toBe(404);
  });

  it('applies the rules of the single requests: validation, uniqueness, mutability, unknown ids', async () => {
    await createUser('taken');
    const results = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [user('x').schemas].flat(), displayName: 'no userName' } },
      { method: 'POST', path: '/Users', bulkId: 'b', data: user('TAKEN') },
      { method: 'POST', path: '/Users', bulkId: 'c', data: user('fine') },
      { method: 'PUT', path: '/Users/does-not-exist', data: user('ghost') },
      { method: 'DELETE', path: '/Users/does-not-exist' },
    ]);
    expectFailure(results[0], 400, 'invalidValue', /userName/);
    expect(results[0].location).toBeUndefined(); // RFC 7644 §3.7.3: no location for a failed POST
    expectFailure(results[1], 409, 'uniqueness', /userName/);
    expect(results[2].status).toBe('201');
    expectFailure(results[3], 404, undefined, /does-not-exist/);
    expect(results[3].location).toMatch(/\/Users\/does-not-exist$/);
    expectFailure(results[4], 404, undefined, /does-not-exist/);
    expect(await countUsers()).toBe(2);
  });

  it('answers a malformed operation in its turn and runs the others', async () => {
    const results = await bulk([
      { method: 'FETCH', path: '/Users', bulkId: 'm1', data: user('m1') },
      { method: 'post', path: '/Users', bulkId: 'ok', data: user('ok') },
      { method: 'POST', path: '/Widgets', bulkId: 'w', data: user('w') },
      { method: 'POST', path: '/Users/abc', bulkId: 'p', data: user('p') },
      { method: 'PUT', path: '/Users', data: user('p') },
      { method: 'POST', path: '/Users', bulkId: 'nodata' },
      'not an object',
    ]);
    expect(results).toHaveLength(7);
    expectFailure(results[0], 400, 'invalidValue', /method.*POST, PUT, PATCH, DELETE/);
    expect(results[0]).toMatchObject({ method: 'FETCH', bulkId: 'm1' });
    expect(results[1]).toMatchObject({ method: 'POST', bulkId: 'ok', status: '201' });
    expectFailure(results[2], 404, undefined, /Widgets/);
    expectFailure(results[3], 400, 'invalidValue', /POST path names the endpoint/);
    expectFailure(results[4], 400, 'invalidValue', /names one resource/);
    expectFailure(results[5], 400, 'invalidSyntax', /needs "data"/);
    expectFailure(results[6], 400, 'invalidSyntax', /Operation 6 must be a JSON object/);
    expect(await countUsers()).toBe(1);
  });

  it('answers a POST without bulkId with 400 invalidValue in its result (RFC 7644 §3.7: bulkId is REQUIRED for POST)', async () => {
    const results = await bulk([
      { method: 'POST', path: '/Users', data: user('anonymous') },
      { method: 'POST', path: '/Users', bulkId: 'named', data: user('named') },
      { method: 'POST', path: '/Groups', bulkId: '', data: group('Empty id') },
    ]);
    expect(results).toHaveLength(3);
    expectFailure(results[0], 400, 'invalidValue', /^Operation 0: "bulkId" is required for POST/);
    expect(results[0]).toEqual(expect.not.objectContaining({ location: expect.anything() }));
    expect(results[0].method).toBe('POST');
    expect(results[1]).toMatchObject({ method: 'POST', bulkId: 'named', status: '201' });
    expectFailure(results[2], 400, 'invalidValue', /"bulkId" must be a non-empty string/);
    expect(await countUsers(a, 'userName eq "anonymous"')).toBe(0);
    expect(await countUsers()).toBe(1);
  });

  it('counts a POST without bulkId towards failOnErrors', async () => {
    const results = await bulk(
      [
        { method: 'POST', path: '/Users', data: user('first') },
        { method: 'POST', path: '/Users', bulkId: 'second', data: user('second') },
      ],
      { failOnErrors: 1 },
    );
    expect(results).toHaveLength(1);
    expectFailure(results[0], 400, 'invalidValue', /bulkId/);
    expect(await countUsers()).toBe(0);
  });

  it('refuses a request that is not a BulkRequest, with nothing changed', async () => {
    const noSchema = await postBulk({ Operations: [{ method: 'POST', path: '/Users', bulkId: 'x', data: user('x') }] });
    expect(noSchema.status).toBe(400);
    expect(noSchema.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidSyntax', detail: expect.stringContaining(BULK_REQUEST) });
    const noOperations = await postBulk({ schemas: [BULK_REQUEST] });
    expect(noOperations.body).toMatchObject({ status: '400', scimType: 'invalidSyntax', detail: expect.stringContaining('Operations') });
    const badFail = await postBulk(bulkOf([{ method: 'POST', path: '/Users', bulkId: 'x', data: user('x') }], { failOnErrors: 0 }));
    expect(badFail.body).toMatchObject({ status: '400', scimType: 'invalidValue', detail: expect.stringContaining('failOnErrors') });
    const notJson = await request(t.app).post(`${SCIM}/Bulk`).set(a.auth).set('Content-Type', 'application/scim+json').send('{"schemas":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.scimType).toBe('invalidSyntax');
    expect(await countUsers()).toBe(0);
  });

  it('needs the write scope, and allows only POST', async () => {
    const reader = await t.tenant({ name: 'reader', scopes: ['scim:read'] });
    const res = await postBulk(bulkOf([{ method: 'POST', path: '/Users', bulkId: 'x', data: user('x') }]), reader);
    expect(res.status).toBe(403);
    expect(await countUsers(reader)).toBe(0);
    const get = await request(t.app).get(`${SCIM}/Bulk`).set(a.auth);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('accepts message attribute names in any case (RFC 7643 §2.1)', async () => {
    const res = await postBulk({ SCHEMAS: [BULK_REQUEST.toUpperCase()], operations: [{ METHOD: 'post', PATH: '/users', BULKID: 'x', DATA: user('cased') }] });
    expect(res.status).toBe(200);
    expect(res.body.Operations).toEqual([expect.objectContaining({ method: 'POST', bulkId: 'x', status: '201' })]);
  });
});

describe('POST /Bulk: bulkId references and ordering (RFC 7644 §3.7.2)', () => {
  beforeEach(() => start());

  it('creates users referenced by a group before the group, whatever the request order', async () => {
    const results = await bulk([
      { method: 'POST', path: '/Groups', bulkId: 'team', data: group('Team', { members: [{ value: 'bulkId:u1', type: 'User' }, { value: 'bulkId:u2' }] }) },
      { method: 'POST', path: '/Users', bulkId: 'u1', data: user('u1') },
      { method: 'POST', path: '/Users', bulkId: 'u2', data: user('u2') },
    ]);
    // The response keeps the request order.
    expect(results.map((result) => [result.bulkId, result.status])).toEqual([
      ['team', '201'],
      ['u1', '201'],
      ['u2', '201'],
    ]);
    const team = await request(t.app).get(`${SCIM}/Groups/${idOf(results[0].location)}`).set(a.auth);
    expect(team.status).toBe(200);
    expect(team.body.members.map((member: { value: string }) => member.value).sort()).toEqual([idOf(results[1].location), idOf(results[2].location)].sort());
    const u1 = await request(t.app).get(`${SCIM}/Users/${idOf(results[1].location)}`).set(a.auth);
    expect(u1.body.groups).toEqual([expect.objectContaining({ value: idOf(results[0].location) })]);
  });

  it('resolves bulkId in an operation path, in PATCH values and in a PATCH path filter', async () => {
    const results = await bulk([
      { method: 'PATCH', path: '/Users/bulkId:boss', data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'title', value: 'CEO' }] } },
      { method: 'PATCH', path: '/Groups/bulkId:g', data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:boss' }, { value: 'bulkId:worker' }] }] } },
      { method: 'PATCH', path: '/Groups/bulkId:g', data: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members[value eq "bulkId:worker"]' }] } },
      {
        method: 'PATCH',
        path: '/Users/bulkId:worker',
        data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: `${ENTERPRISE_SCHEMA}:manager`, value: { value: 'bulkId:boss' } }] },
      },
      { method: 'POST', path: '/Users', bulkId: 'boss', data: user('boss') },
      { method: 'POST', path: '/Users', bulkId: 'worker', data: user('worker') },
      { method: 'POST', path: '/Groups', bulkId: 'g', data: group('G') },
    ]);
    expect(results.map((result) => result.status)).toEqual(['200', '200', '200', '200', '201', '201', '201']);
    const [boss, worker, g] = [4, 5, 6].map((index) => idOf(results[index].location));
    expect(idOf(results[0].location)).toBe(boss);
    expect(idOf(results[1].location)).toBe(g);
    const bossRes = await request(t.app).get(`${SCIM}/Users/${boss}`).set(a.auth);
    expect(bossRes.body).toMatchObject({ title: 'CEO', meta: { version: 'W/"2"' } });
    const groupRes = await request(t.app).get(`${SCIM}/Groups/${g}`).set(a.auth);
    expect(groupRes.body.members.map((member: { value: string }) => member.value)).toEqual([boss]);
    const workerRes = await request(t.app).get(`${SCIM}/Users/${worker}`).set(a.auth);
    expect(workerRes.body[ENTERPRISE_SCHEMA].manager.value).toBe(boss);
  });

  it('resolves a cycle of two operations by creating both, then writing the references in (RFC 7644 §3.7.1)', async () => {
    const results = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'ann', data: user('ann', { [ENTERPRISE_SCHEMA]: { department: 'R&D', manager: { value: 'bulkId:bob' } } }) },
      { method: 'POST', path: '/Users', bulkId: 'bob', data: user('bob', { [ENTERPRISE_SCHEMA]: { manager: { value: 'bulkId:ann' } } }) },
    ]);
    expect(results.map((result) => [result.bulkId, result.status])).toEqual([
      ['ann', '201'],
      ['bob', '201'],
    ]);
    const [ann, bob] = results.map((result) => idOf(result.location));
    const annRes = await request(t.app).get(`${SCIM}/Users/${ann}`).set(a.auth);
    const bobRes = await request(t.app).get(`${SCIM}/Users/${bob}`).set(a.auth);
    expect(annRes.body[ENTERPRISE_SCHEMA]).toEqual({ department: 'R&D', manager: { value: bob } });
    expect(bobRes.body[ENTERPRISE_SCHEMA]).toEqual({ manager: { value: ann } });
    // Exactly one of the two was written twice (created without its reference, then completed), and says so.
    expect([annRes.body.meta.version, bobRes.body.meta.version].sort()).toEqual(['W/"1"', 'W/"2"']);
    expect(results.find((result) => result.bulkId === 'ann')!.version).toBe(annRes.body.meta.version);
    expect(results.find((result) => result.bulkId === 'bob')!.version).toBe(bobRes.body.meta.version);
  });

  it('resolves a self-reference', async () => {
    const [result] = await bulk([{ method: 'POST', path: '/Users', bulkId: 'me', data: user('me', { [ENTERPRISE_SCHEMA]: { manager: 'bulkId:me' } }) }]);
    expect(result.status).toBe('201');
    const me = await request(t.app).get(`${SCIM}/Users/${idOf(result.location)}`).set(a.auth);
    expect(me.body[ENTERPRISE_SCHEMA].manager).toEqual({ value: idOf(result.location) });
  });

  it('creates two groups that are members of each other, then refuses the nested-group cycle in the completion, keeping location', async () => {
    const results = await bulk([
      { method: 'POST', path: '/Groups', bulkId: 'g1', data: group('G1', { members: [{ value: 'bulkId:g2', type: 'Group' }] }) },
      { method: 'POST', path: '/Groups', bulkId: 'g2', data: group('G2', { members: [{ value: 'bulkId:g1', type: 'Group' }] }) },
    ]);
    const [g1, g2] = results;
    // G2 closes the cycle: it is created first without its member, then G1 with G2 as member; writing G1 into G2
    // would make the groups contain each other, which this server refuses for nested groups (README "Groups").
    expect(g1).toMatchObject({ bulkId: 'g1', status: '201', version: 'W/"1"' });
    expectFailure(g2, 400, 'invalidValue', /cycle/);
    expect(g2.location).toMatch(/\/Groups\/[0-9a-f-]{36}$/);
    const g1Res = await request(t.app).get(`${SCIM}/Groups/${idOf(g1.location)}`).set(a.auth);
    expect(g1Res.body.members.map((member: { value: string }) => member.value)).toEqual([idOf(g2.location)]);
    const g2Res = await request(t.app).get(`${SCIM}/Groups/${idOf(g2.location)}`).set(a.auth);
    expect(g2Res.status).toBe(200);
    expect(g2Res.body.members).toBeUndefined();
  });

  it('fails only the operations that use an unknown bulkId, with a clear error', async () => {
    const results = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'real', data: user('real') },
      { method: 'POST', path: '/Groups', bulkId: 'g', data: group('G', { members: [{ value: 'bulkId:real' }, { value: 'bulkId:nope' }] }) },
      { method: 'DELETE', path: '/Users/bulkId:nope' },
      { method: 'POST', path: '/Users', bulkId: 'other', data: user('other') },
    ]);
    expect(results[0].status).toBe('201');
    expectFailure(results[1], 409, undefined, /bulkId:nope.*no POST operation in this request has bulkId "nope"/);
    expectFailure(results[2], 409, undefined, /bulkId:nope/);
    expect(results[2].location).toBeUndefined();
    expect(results[3].status).toBe('201');
    expect(await countUsers()).toBe(2);
    const groups = await request(t.app).get(`${SCIM}/Groups`).set(a.auth);
    expect(groups.body.totalResults).toBe(0);
  });

  it('runs both POSTs of a duplicate bulkId but fails the operations that refer to it as ambiguous', async () => {
    const results = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'dup', data: user('first') },
      { method: 'POST', path: '/Users', bulkId: 'dup', data: user('second') },
      { method: 'POST', path: '/Groups', bulkId: 'g', data: group('G', { members: [{ value: 'bulkId:dup' }] }) },
      { method: 'POST', path: '/Groups', bulkId: 'h', data: group('H') },
    ]);
    expect(results.map((result) => result.status)).toEqual(['201', '201', '409', '201']);
    expect(results[2].response!.detail).toMatch(/bulkId:dup.*ambiguous.*operations 0 and 1/);
    expect(await countUsers()).toBe(2);
  });

  it('fails an operation whose referenced POST failed, naming it', async () => {
    await createUser('taken');
    const results = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'u', data: user('taken') },
      { method: 'POST', path: '/Groups', bulkId: 'g', data: group('G', { members: [{ value: 'bulkId:u' }] }) },
      { method: 'PUT', path: '/Users/bulkId:u', data: user('renamed') },
    ]);
    expectFailure(results[0], 409, 'uniqueness', /userName/);
    expectFailure(results[1], 409, undefined, /bulkId:u.*operation 0.*failed/);
    expectFailure(results[2], 409, undefined, /bulkId:u/);
  });

  it('does not resolve a bulkId of another request', async () => {
    await bulk([{ method: 'POST', path: '/Users', bulkId: 'once', data: user('once') }]);
    const [result] = await bulk([{ method: 'DELETE', path: '/Users/bulkId:once' }]);
    expectFailure(result, 409, undefined, /bulkId:once/);
    expect(await countUsers()).toBe(1);
  });
});

describe('POST /Bulk: failOnErrors', () => {
  beforeEach(() => start());

  it('stops after the given number of errors; the rest is not attempted and absent from the response', async () => {
    await createUser('taken');
    const results = await bulk(
      [
        { method: 'POST', path: '/Users', bulkId: 'a', data: user('a') },
        { method: 'POST', path: '/Users', bulkId: 'b', data: user('taken') },
        { method: 'POST', path: '/Users', bulkId: 'c', data: user('c') },
        { method: 'DELETE', path: '/Users/missing' },
        { method: 'POST', path: '/Users', bulkId: 'd', data: user('d') },
        { method: 'POST', path: '/Users', bulkId: 'e', data: user('e') },
      ],
      { failOnErrors: 2 },
    );
    expect(results.map((result) => [result.bulkId ?? result.method, result.status])).toEqual([
      ['a', '201'],
      ['b', '409'],
      ['c', '201'],
      ['DELETE', '404'],
    ]);
    expect(await countUsers(a, 'userName eq "d" or userName eq "e"')).toBe(0);
    expect(await countUsers()).toBe(3);
  });

  it('with failOnErrors 1 stops at the first error, even inside a run of creates', async () => {
    const results = await bulk(
      [
        { method: 'POST', path: '/Users', bulkId: 'a', data: user('same') },
        { method: 'POST', path: '/Users', bulkId: 'b', data: user('SAME') },
        { method: 'POST', path: '/Users', bulkId: 'c', data: user('c') },
      ],
      { failOnErrors: 1 },
    );
    expect(results.map((result) => result.status)).toEqual(['201', '409']);
    expect(await countUsers()).toBe(1);
  });

  it('without failOnErrors runs everything', async () => {
    const results = await bulk([1, 2, 3].map((n) => ({ method: 'DELETE', path: `/Users/missing-${n}` })));
    expect(results.map((result) => result.status)).toEqual(['404', '404', '404']);
  });
});

describe('POST /Bulk: per-operation If-Match (version)', () => {
  beforeEach(() => start());

  it('answers 412 for a stale version and applies a current one', async () => {
    const stale = await createUser('stale');
    const current = await createUser('current');
    await request(t.app).put(`${SCIM}/Users/${stale.id}`).set(a.auth).send(user('stale', { title: 'moved on' })).expect(200);
    const results = await bulk([
      { method: 'PUT', path: `/Users/${stale.id}`, version: 'W/"1"', data: user('stale', { title: 'lost update' }) },
      { method: 'PATCH', path: `/Users/${current.id}`, version: current.meta.version, data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'title', value: 'ok' }] } },
      { method: 'DELETE', path: `/Users/${stale.id}`, version: '"1"' },
      { method: 'DELETE', path: `/Users/${current.id}`, version: 'W/"1"' },
      { method: 'DELETE', path: `/Users/${current.id}`, version: '2' },
    ]);
    expectFailure(results[0], 412, undefined, /W\/"2"/);
    expect(results[0].location).toMatch(new RegExp(`/Users/${stale.id}$`));
    expect(results[1]).toMatchObject({ status: '200', version: 'W/"2"' });
    expectFailure(results[2], 412, undefined, /If-Match/);
    expectFailure(results[3], 412, undefined, /If-Match/);
    expect(results[4].status).toBe('204');
    const staleRes = await request(t.app).get(`${SCIM}/Users/${stale.id}`).set(a.auth);
    expect(staleRes.body).toMatchObject({ title: 'moved on', meta: { version: 'W/"2"' } });
    expect((await request(t.app).get(`${SCIM}/Users/${current.id}`).set(a.auth)).status).toBe(404);
  });
});

describe('POST /Bulk: tenant isolation', () => {
  beforeEach(() => start());

  it("cannot reach another tenant's resources, and creates only in its own tenant", async () => {
    const b = await t.tenant({ name: 'b' });
    const alice = await createUser('alice');
    const results = await bulk(
      [
        { method: 'PUT', path: `/Users/${alice.id}`, data: user('mallory') },
        { method: 'PATCH', path: `/Users/${alice.id}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'mallory' }] } },
        { method: 'DELETE', path: `/Users/${alice.id}` },
        { method: 'POST', path: '/Users', bulkId: 'x', data: user('alice') },
        { method: 'POST', path: '/Groups', bulkId: 'g', data: group('G', { members: [{ value: alice.id }] }) },
      ],
      {},
      b,
    );
    expect(results.slice(0, 3).map((result) => result.status)).toEqual(['404', '404', '404']);
    expect(results[3].status).toBe('201'); // the same userName is free in another tenant
    expect(results[4].status).toBe('400'); // alice is not a user of tenant b
    const aliceRes = await request(t.app).get(`${SCIM}/Users/${alice.id}`).set(a.auth);
    expect(aliceRes.body).toMatchObject({ userName: 'alice', meta: { version: 'W/"1"' } });
    expect(await countUsers(a)).toBe(1);
    expect(await countUsers(b)).toBe(1);
    expect((await request(t.app).get(`${SCIM}/Users/${idOf(results[3].location)}`).set(a.auth)).status).toBe(404);
  });
});

describe('POST /Bulk: limits (RFC 7644 §3.7.4)', () => {
  it('advertises bulk with the configured limits in /ServiceProviderConfig', async () => {
    await start({ SCIM_BULK_MAX_OPERATIONS: '250', SCIM_BULK_MAX_PAYLOAD: '512kb' });
    const res = await request(t.app).get(`${SCIM}/ServiceProviderConfig`).set(a.auth);
    expect(res.body.bulk).toEqual({ supported: true, maxOperations: 250, maxPayloadSize: 512 * 1024 });
  });

  it('answers 413 for more operations than maxOperations, before any runs', async () => {
    await start({ SCIM_BULK_MAX_OPERATIONS: '3' });
    const res = await postBulk(bulkOf([1, 2, 3, 4].map((n) => ({ method: 'POST', path: '/Users', bulkId: `u${n}`, data: user(`u${n}`) }))));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ schemas: [ERROR_SCHEMA], status: '413', detail: expect.stringMatching(/4 operations.*at most 3.*maxOperations/) });
    expect(await countUsers()).toBe(0);
    const ok = await postBulk(bulkOf([1, 2, 3].map((n) => ({ method: 'POST', path: '/Users', bulkId: `u${n}`, data: user(`u${n}`) }))));
    expect(ok.status).toBe(200);
  });

  it('answers 413 for a body over maxPayloadSize while reading it, before any runs; other routes keep their own limit', async () => {
    await start({ SCIM_BULK_MAX_PAYLOAD: '2kb', SCIM_BODY_LIMIT: '1kb' });
    const operations = Array.from({ length: 30 }, (_, n) => ({ method: 'POST', path: '/Users', bulkId: `u${n}`, data: user(`user-${n}`) }));
    const res = await postBulk(bulkOf(operations));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ schemas: [ERROR_SCHEMA], status: '413', detail: expect.stringMatching(/maxPayloadSize, 2048 bytes/) });
    expect(await countUsers()).toBe(0);
    // Larger than the general body limit (1kb) but within the bulk limit (2kb): accepted.
    const within = await postBulk(bulkOf(operations.slice(0, 12)));
    expect(JSON.stringify(bulkOf(operations.slice(0, 12))).length).toBeGreaterThan(1024);
    expect(within.status).toBe(200);
    expect(await countUsers()).toBe(12);
  });

  it('runs a request of 10,000 operations within the limits, writing creates in batches', async () => {
    await start({ SCIM_BULK_MAX_OPERATIONS: '10000', SCIM_BULK_MAX_PAYLOAD: '16mb' });
    const createMany = jest.spyOn(t.store.resources, 'createMany');
    const operations = Array.from({ length: 10_000 }, (_, n) => ({ method: 'POST', path: '/Users', bulkId: `u${n}`, data: user(`bulk-${n}`) }));
    const results = await bulk(operations);
    expect(results).toHaveLength(10_000);
    expect(results.every((result, n) => result.status === '201' && result.bulkId === `u${n}`)).toBe(true);
    expect(new Set(results.map((result) => result.location)).size).toBe(10_000);
    expect(await countUsers()).toBe(10_000);
    // Consecutive creates share store batches instead of one write each.
    expect(createMany.mock.calls.length).toBeLessThanOrEqual(20);
    expect(createMany.mock.calls.reduce((sum, [, batch]) => sum + batch.length, 0)).toBe(10_000);
  }, 120_000);
});

describe('POST /Users/.bulk-delete', () => {
  beforeEach(() => start({ SCIM_BULK_DELETE_MAX_IDS: '5' }));

  it('deletes the listed ids and answers per id', async () => {
    const b = await t.tenant({ name: 'b' });
    const one = await createUser('one');
    const two = await createUser('two');
    const keep = await createUser('keep');
    const foreign = await createUser('foreign', b);
    const res = await request(t.app)
      .post(`${SCIM}/Users/.bulk-delete`)
      .set(a.auth)
      .send({ ids: [one.id, 'unknown-id', two.id, foreign.id] });
    expect(res.status).toBe(200);
    expect(res.body.schemas).toEqual([BULK_RESPONSE]);
    const results = res.body.Operations as ResultEntry[];
    expect(results.map((result) => [idOf(result.location), result.status])).toEqual([
      [one.id, '204'],
      ['unknown-id', '404'],
      [two.id, '204'],
      [foreign.id, '404'],
    ]);
    expect(results[1]).toMatchObject({ method: 'DELETE', response: { schemas: [ERROR_SCHEMA], status: '404' } });
    expect(await countUsers()).toBe(1);
    expect((await request(t.app).get(`${SCIM}/Users/${keep.id}`).set(a.auth)).status).toBe(200);
    expect(await countUsers(b)).toBe(1);
  });

  it('refuses more ids than configured (413) and malformed bodies (400), deleting nothing', async () => {
    const one = await createUser('one');
    const tooMany = await request(t.app)
      .post(`${SCIM}/Users/.bulk-delete`)
      .set(a.auth)
      .send({ ids: [one.id, 'b', 'c', 'd', 'e', 'f'] });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '413', detail: expect.stringMatching(/6 ids.*at most 5/) });
    const notArray = await request(t.app).post(`${SCIM}/Users/.bulk-delete`).set(a.auth).send({ ids: one.id });
    expect(notArray.body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    const badEntry = await request(t.app)
      .post(`${SCIM}/Users/.bulk-delete`)
      .set(a.auth)
      .send({ ids: [one.id, 7] });
    expect(badEntry.body).toMatchObject({ status: '400', scimType: 'invalidValue', detail: expect.stringMatching(/entry 1 is 7/) });
    expect(await countUsers()).toBe(1);
  });

  it('offers the same route for groups', async () => {
    const made = await request(t.app).post(`${SCIM}/Groups`).set(a.auth).send(group('G'));
    const res = await request(t.app)
      .post(`${SCIM}/Groups/.bulk-delete`)
      .set(a.auth)
      .send({ ids: [made.body.id] });
    expect(res.body.Operations).toEqual([{ method: 'DELETE', location: expect.stringMatching(new RegExp(`/Groups/${made.body.id}$`)), status: '204' }]);
    expect((await request(t.app).get(`${SCIM}/Groups/${made.body.id}`).set(a.auth)).status).toBe(404);
    expect((await request(t.app).get(`${SCIM}/Users/.bulk-delete`).set(a.auth)).status).toBe(405);
  });

  it('needs the write scope and removes deleted users from their groups', async () => {
    const reader = await t.tenant({ name: 'reader', scopes: ['scim:read'] });
    const res = await request(t.app).post(`${SCIM}/Users/.bulk-delete`).set(reader.auth).send({ ids: ['x'] });
    expect(res.status).toBe(403);
    const member = await createUser('member');
    const made = await request(t.app)
      .post(`${SCIM}/Groups`)
      .set(a.auth)
      .send(group('G', { members: [{ value: member.id }] }));
    await request(t.app)
      .post(`${SCIM}/Users/.bulk-delete`)
      .set(a.auth)
      .send({ ids: [member.id] })
      .expect(200);
    const g = await request(t.app).get(`${SCIM}/Groups/${made.body.id}`).set(a.auth);
    expect(g.body.members).toBeUndefined();
  });
});
