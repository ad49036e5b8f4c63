// A token without scim:read may write but never read (issue 14, item 3): a PATCH that changed nothing used to answer
// 200 with the whole resource to such a token. Every write now answers it with the resource's id and meta only
// (README "Tenants and tokens"), and Bulk results never carry resource bodies.
import request from 'supertest';
import { Scope } from '../../src/auth/scopes';
import { createTestApp, GROUP_SCHEMA, SCIM, user, USER_SCHEMA, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let t: TestApp;
let admin: TestTenant;
let writeOnly: { Authorization: string };
beforeEach(async () => {
  t = await createTestApp();
  admin = await t.tenant({ name: 'a' });
  writeOnly = { Authorization: `Bearer ${await t.tokenFor(admin.tenant, [Scope.write])}` };
});
afterEach(() => t.close());

const PRIVATE = user('private@example.com', {
  title: 'Secret title',
  emails: [{ value: 'private@example.com', type: 'work' }],
  [ENTERPRISE]: { employeeNumber: '42' },
});

/** The body a token without scim:read gets from a write: the identity of the resource and nothing it holds. */
function expectIdentityOnly(body: Record<string, unknown>, schema: string, id?: string) {
  expect(Object.keys(body).sort()).toEqual(['id', 'meta', 'schemas']);
  expect(body.schemas).toEqual([schema]);
  if (id) expect(body.id).toBe(id);
  expect(body.meta).toEqual({
    resourceType: expect.any(String),
    created: expect.any(String),
    lastModified: expect.any(String),
    location: expect.stringContaining(`/${body.id as string}`),
    version: expect.stringMatching(/^W\/"\d+"$/),
  });
}

describe('writes with a token that lacks scim:read', () => {
  it('POST answers 201 with Location, ETag and only id and meta', async () => {
    const res = await request(t.app).post(`${SCIM}/Users?attributes=title`).set(writeOnly).send(PRIVATE);
    expect(res.status).toBe(201);
    expectIdentityOnly(res.body, USER_SCHEMA);
    expect(res.headers.location).toBe(res.body.meta.location);
    expect(res.headers.etag).toBe('W/"1"');
    // The write happened in full: a reader sees the data.
    const read = await request(t.app).get(`${SCIM}/Users/${res.body.id}`).set(admin.auth);
    expect(read.body).toMatchObject({ title: 'Secret title', [ENTERPRISE]: { employeeNumber: '42' } });
  });

  it('PUT answers 200 with only id and meta', async () => {
    const id = (await request(t.app).post(`${SCIM}/Users`).set(admin.auth).send(PRIVATE)).body.id;
    const res = await request(t.app).put(`${SCIM}/Users/${id}`).set(writeOnly).send({ ...PRIVATE, title: 'Changed' });
    expect(res.status).toBe(200);
    expectIdentityOnly(res.body, USER_SCHEMA, id);
    expect(res.headers.etag).toBe('W/"2"');
  });

  it('a PATCH that changes nothing answers only id and meta (it read the whole resource before)', async () => {
    const id = (await request(t.app).post(`${SCIM}/Users`).set(admin.auth).send(PRIVATE)).body.id;
    const res = await request(t.app)
      .patch(`${SCIM}/Users/${id}`)
      .set(writeOnly)
      .send({ schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'emails[value eq "nobody@example.com"]' }] });
    expect(res.status).toBe(200);
    expectIdentityOnly(res.body, USER_SCHEMA, id);
    expect(res.body.meta.version).toBe('W/"1"');
    expect(res.text).not.toContain('private@example.com');
    expect(res.text).not.toContain('Secret');
  });

  it('a PATCH that changes something answers only id and meta, with the new version', async () => {
    const id = (await request(t.app).post(`${SCIM}/Users`).set(admin.auth).send(PRIVATE)).body.id;
    const res = await request(t.app)
      .patch(`${SCIM}/Users/${id}?attributes=title`)
      .set(writeOnly)
      .send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(res.status).toBe(200);
    expectIdentityOnly(res.body, USER_SCHEMA, id);
    expect(res.headers.etag).toBe('W/"2"');
  });

  it('Groups get the same: POST, PUT and PATCH answer only id and meta', async () => {
    const member = (await request(t.app).post(`${SCIM}/Users`).set(admin.auth).send(PRIVATE)).body.id;
    const group = { schemas: [GROUP_SCHEMA], displayName: 'Payroll', members: [{ value: member }] };
    const created = await request(t.app).post(`${SCIM}/Groups`).set(writeOnly).send(group);
    expect(created.status).toBe(201);
    expectIdentityOnly(created.body, GROUP_SCHEMA);
    const put = await request(t.app).put(`${SCIM}/Groups/${created.body.id}`).set(writeOnly).send({ ...group, displayName: 'Payroll 2' });
    expectIdentityOnly(put.body, GROUP_SCHEMA, created.body.id);
    const patched = await request(t.app)
      .patch(`${SCIM}/Groups/${created.body.id}`)
      .set(writeOnly)
      .send({ schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${member}"]` }] });
    expect(patched.status).toBe(200);
    expectIdentityOnly(patched.body, GROUP_SCHEMA, created.body.id);
  });

  it('on the entra profile PATCH still answers 204 with an ETag', async () => {
    const entra = await t.tenant({ name: 'entra', profile: 'entra', scopes: [Scope.write] });
    const id = (await request(t.app).post(`${SCIM}/Users`).set(entra.auth).send(PRIVATE)).body.id;
    const res = await request(t.app).patch(`${SCIM}/Users/${id}`).set(entra.auth).send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'T' }] });
    expect(res.status).toBe(204);
    expect(res.headers.etag).toBe('W/"2"');
  });

  it('Bulk and bulk-delete results carry statuses, locations and versions, never resource data', async () => {
    const existing = (await request(t.app).post(`${SCIM}/Users`).set(admin.auth).send(PRIVATE)).body.id;
    const res = await request(t.app)
      .post(`${SCIM}/Bulk`)
      .set(writeOnly)
      .send({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [
          { method: 'POST', bulkId: 'n', path: '/Users', data: user('bulk@example.com', { title: 'Bulk secret' }) },
          { method: 'PATCH', path: `/Users/${existing}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'emails[value eq "x@y"]' }] } },
          { method: 'PUT', path: `/Users/${existing}`, data: { ...PRIVATE, title: 'Other' } },
        ],
      });
    expect(res.status).toBe(200);
    expect(res.body.Operations.map((result: { status: string }) => result.status)).toEqual(['201', '200', '200']);
    for (const result of res.body.Operations) expect(Object.keys(result).sort()).toEqual(expect.arrayContaining(['location', 'status', 'version']));
    expect(res.text).not.toMatch(/secret|Other|private@/i);
    const deleted = await request(t.app).post(`${SCIM}/Users/.bulk-delete`).set(writeOnly).send({ ids: [existing] });
    expect(deleted.body.Operations).toEqual([{ method: 'DELETE', location: expect.stringContaining(existing), status: '204' }]);
  });

  it('reads stay refused (403)', async () => {
    const id = (await request(t.app).post(`${SCIM}/Users`).set(admin.auth).send(PRIVATE)).body.id;
    expect((await request(t.app).get(`${SCIM}/Users/${id}`).set(writeOnly)).status).toBe(403);
    expect((await request(t.app).get(`${SCIM}/Users`).set(writeOnly)).status).toBe(403);
    expect((await request(t.app).post(`${SCIM}/Users/.search`).set(writeOnly).send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] })).status).toBe(403);
  });

  it('a token with both scopes still gets the whole resource', async () => {
    const res = await request(t.app).post(`${SCIM}/Users`).set(admin.auth).send(PRIVATE);
    expect(res.body).toMatchObject({ title: 'Secret title', emails: [{ value: 'private@example.com' }] });
  });
});
