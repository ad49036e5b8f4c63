// The writes taken ahead of the other routers (resourceWritesRouter in src/http/routes/resources-router.ts): POST
// /{Resource}, PATCH and PUT /{Resource}/{id} are answered right after authentication and rate limiting, each route
// reading its own body. What they must keep: the body parser's checks, the scope checks, tenant isolation, and every
// path that is not a resource write going on to its own route, with its body unread.
import request from 'supertest';
import { createTestApp, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let t: TestApp;
let a: TestTenant;
let userId: string;

beforeEach(async () => {
  t = await createTestApp({ SCIM_BODY_LIMIT: '4kb' });
  a = await t.tenant({ name: 'a' });
  const created = await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('ann@example.com', { title: 'Nurse' }));
  expect(created.status).toBe(201);
  userId = created.body.id;
});
afterEach(() => t.close());

const send = (method: 'post' | 'put' | 'patch', path: string, auth: Record<string, string> = a.auth) =>
  request(t.app)[method](`${SCIM}${path}`).set(auth).set('Content-Type', 'application/scim+json');
const replaceTitle = (value: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value }] });
const stored = async () => (await request(t.app).get(`${SCIM}/Users/${userId}`).set(a.auth)).body as Record<string, unknown>;

describe('writes taken ahead of the other routers (resourceWritesRouter)', () => {
  it('answer create, PATCH and PUT as before: status, Location, ETag, the resource', async () => {
    const created = await send('post', '/Users').send(user('bob@example.com'));
    expect(created.status).toBe(201);
    expect(created.headers.location).toMatch(new RegExp(`/scim/v2/Users/${created.body.id}$`));
    expect(created.headers.etag).toBe('W/"1"');
    const patched = await send('patch', `/Users/${userId}`).send(replaceTitle('Head Nurse'));
    expect(patched.status).toBe(200);
    expect(patched.headers.etag).toBe('W/"2"');
    expect(patched.body).toMatchObject({ id: userId, title: 'Head Nurse', meta: { version: 'W/"2"' } });
    const replaced = await send('put', `/Users/${userId}`).send(user('ann@example.com', { title: 'Matron' }));
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: userId, title: 'Matron', meta: { version: 'W/"3"' } });
    expect(await stored()).toMatchObject({ title: 'Matron' });
  });

  it('leave the paths that are no resource write to their own routes, bodies unread', async () => {
    // POST to /{Resource}/.<name>: the endpoint's actions.
    const searched = await send('post', '/Users/.search').send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'userName eq "ann@example.com"' });
    expect(searched.status).toBe(200);
    expect(searched.body).toMatchObject({ totalResults: 1, Resources: [{ id: userId }] });
    expect((await send('post', '/Groups/.search').send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] })).status).toBe(200);
    // PUT and PATCH of a /.<name> path are a wrong method on that endpoint, not a write of the resource ".search".
    for (const [method, path] of [
      ['put', '/Users/.search'],
      ['patch', '/Users/.search'],
      ['patch', '/Users/.export'],
      ['put', '/Users/.verify-credentials'],
      ['patch', '/Users/.bulk-delete'],
      ['put', '/Groups/.search'],
    ] as const) {
      const res = await send(method, path).send({});
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 405 });
    }
    // Two segments deep: the extensions' own writes.
    const locked = await send('post', `/Users/${userId}/lock`).send({ reason: 'Lost badge' });
    expect(locked.status).toBe(200);
    const roles = await send('put', `/Users/${userId}/roles`).send({ roles: [] });
    expect(roles.status).toBe(200);
    expect((await send('patch', `/Users/${userId}/roles`).send({})).status).toBe(405);
  });

  it('read their bodies with the JSON body parser: malformed, too deep and too large bodies are refused and change nothing', async () => {
    const before = await stored();
    for (const [method, path] of [
      ['post', '/Users'],
      ['patch', `/Users/${userId}`],
      ['put', `/Users/${userId}`],
    ] as const) {
      const malformed = await send(method, path).send('{"userName": ');
      expect({ method, status: malformed.status, scimType: malformed.body.scimType }).toEqual({ method, status: 400, scimType: 'invalidSyntax' });
      let deep: unknown = 'x';
      for (let level = 0; level < 40; level++) deep = { deep };
      const tooDeep = await send(method, path).send(JSON.stringify(deep));
      expect({ method, status: tooDeep.status, detail: tooDeep.body.detail }).toEqual({ method, status: 400, detail: expect.stringMatching(/nests objects and arrays more than/) });
      const tooLarge = await send(method, path).send(JSON.stringify(user('carl@example.com', { title: 'x'.repeat(5000) })));
      expect({ method, status: tooLarge.status }).toEqual({ method, status: 413 });
      const notAnObject = await send(method, path).send('[]');
      expect({ method, status: notAnObject.status }).toEqual({ method, status: 400 });
    }
    expect(await stored()).toEqual(before);
    const listed = await request(t.app).get(`${SCIM}/Users`).set(a.auth);
    expect(listed.body.totalResults).toBe(1);
  });

  it('check authentication, scope and tenant: 401 without a token, 403 for a read-only token, 404 for another tenant', async () => {
    const before = await stored();
    expect((await request(t.app).post(`${SCIM}/Users`).send(user('dan@example.com'))).status).toBe(401);
    expect((await request(t.app).patch(`${SCIM}/Users/${userId}`).send(replaceTitle('x'))).status).toBe(401);
    const readOnly = { Authorization: `Bearer ${await t.tokenFor(a.tenant, ['scim:read'])}` };
    expect((await send('post', '/Users', readOnly).send(user('dan@example.com'))).status).toBe(403);
    expect((await send('patch', `/Users/${userId}`, readOnly).send(replaceTitle('x'))).status).toBe(403);
    expect((await send('put', `/Users/${userId}`, readOnly).send(user('ann@example.com', { title: 'x' }))).status).toBe(403);
    const b = await t.tenant({ name: 'b' });
    expect((await send('patch', `/Users/${userId}`, b.auth).send(replaceTitle('x'))).status).toBe(404);
    expect((await send('put', `/Users/${userId}`, b.auth).send(user('ann@example.com', { title: 'x' }))).status).toBe(404);
    expect(await stored()).toEqual(before);
    expect((await request(t.app).get(`${SCIM}/Users`).set(a.auth)).body.totalResults).toBe(1);
  });

  it('keep a create retry-safe with Idempotency-Key: the retry gets the first answer, one user is created', async () => {
    const first = await send('post', '/Users').set('Idempotency-Key', 'create-eve').send(user('eve@example.com'));
    expect(first.status).toBe(201);
    const retry = await send('post', '/Users').set('Idempotency-Key', 'create-eve').send(user('eve@example.com'));
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    const found = await request(t.app).get(`${SCIM}/Users?filter=userName eq "eve@example.com"`).set(a.auth);
    expect(found.body.totalResults).toBe(1);
  });

  it('write the other resource types the same way: a group created, patched and replaced', async () => {
    const group = await send('post', '/Groups').send({ schemas: [GROUP_SCHEMA], displayName: 'Nurses' });
    expect(group.status).toBe(201);
    const added = await send('patch', `/Groups/${group.body.id}`).send({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] });
    expect(added.status).toBe(200);
    expect(added.body.members).toEqual([expect.objectContaining({ value: userId })]);
    const renamed = await send('put', `/Groups/${group.body.id}`).send({ schemas: [GROUP_SCHEMA], displayName: 'Night Nurses', members: [{ value: userId }] });
    expect(renamed.body).toMatchObject({ displayName: 'Night Nurses', meta: { version: 'W/"3"' } });
  });
});
