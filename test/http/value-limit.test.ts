// SCIM_MAX_ATTRIBUTE_VALUES: the most values one multi-valued attribute of a User or Group may hold, on POST, PUT,
// PATCH and Bulk alike (400 tooMany naming the attribute; nothing is stored). Group members are a relation of their
// own and are not counted. A resource stored before the limit was lowered can still be changed, but not grow.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const LIMIT = 5;

const emails = (n: number, prefix = 'e') => Array.from({ length: n }, (_, i) => ({ value: `${prefix}${i}@example.com`, type: 'work' }));
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

function expectTooMany(res: request.Response, attribute: string, count: number): void {
  expect(res.status).toBe(400);
  expect(res.body).toEqual({
    schemas: [ERROR_SCHEMA],
    status: '400',
    scimType: 'tooMany',
    detail: expect.stringContaining(`Attribute '${attribute}' would hold ${count} values; a resource may hold at most ${LIMIT} values`),
  });
  expect(res.body.detail).toContain('SCIM_MAX_ATTRIBUTE_VALUES');
}

describe('SCIM_MAX_ATTRIBUTE_VALUES', () => {
  let t: TestApp;
  let a: TestTenant;

  beforeEach(async () => {
    t = await createTestApp({ SCIM_MAX_ATTRIBUTE_VALUES: String(LIMIT) });
    a = await t.tenant();
  });
  afterEach(() => t.close());

  const countUsers = async () => (await request(t.app).get(`${SCIM}/Users`).query({ count: 0 }).set(a.auth)).body.totalResults as number;

  it('accepts exactly the limit and refuses one more on POST, storing nothing', async () => {
    expect((await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('fits', { emails: emails(LIMIT) }))).status).toBe(201);
    expectTooMany(await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('too-many', { emails: emails(LIMIT + 1) })), 'emails', LIMIT + 1);
    expect(await countUsers()).toBe(1);
  });

  it('counts every multi-valued attribute (roles)', async () => {
    const roles = Array.from({ length: LIMIT + 2 }, (_, i) => ({ value: `role-${i}` }));
    expectTooMany(await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('roles', { roles })), 'roles', LIMIT + 2);
  });

  it('refuses a PUT or a PATCH that grows a list beyond the limit, and leaves the user as it was', async () => {
    const created = await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('u', { emails: emails(LIMIT) }));
    const id = created.body.id as string;
    expectTooMany(await request(t.app).put(`${SCIM}/Users/${id}`).set(a.auth).send(user('u', { emails: emails(LIMIT + 3) })), 'emails', LIMIT + 3);
    expectTooMany(await request(t.app).patch(`${SCIM}/Users/${id}`).set(a.auth).send(patch({ op: 'add', path: 'emails', value: emails(1, 'new') })), 'emails', LIMIT + 1);
    // Operations one value at a time are counted on the result, like the rest of the request.
    expectTooMany(
      await request(t.app)
        .patch(`${SCIM}/Users/${id}`)
        .set(a.auth)
        .send(patch(...emails(2, 'one').map((email) => ({ op: 'add', path: 'emails', value: [email] })))),
      'emails',
      LIMIT + 2,
    );
    const stored = await request(t.app).get(`${SCIM}/Users/${id}`).set(a.auth);
    expect(stored.body.emails).toHaveLength(LIMIT);
    expect(stored.body.meta.version).toBe(created.body.meta.version);
  });

  it('answers tooMany in the result of a Bulk operation, and runs the others', async () => {
    const res = await request(t.app)
      .post(`${SCIM}/Bulk`)
      .set(a.auth)
      .send({
        schemas: [BULK_REQUEST],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'big', data: user('big', { emails: emails(LIMIT + 1) }) },
          { method: 'POST', path: '/Users', bulkId: 'small', data: user('small', { emails: emails(2) }) },
        ],
      });
    expect(res.status).toBe(200);
    expect(res.body.Operations[0]).toMatchObject({ status: '400', response: { scimType: 'tooMany' } });
    expect(res.body.Operations[1]).toMatchObject({ status: '201' });
    expect(await countUsers()).toBe(1);
  });

  it('does not count Group members, which are a relation of their own', async () => {
    const ids: string[] = [];
    for (let i = 0; i < LIMIT + 2; i += 1) ids.push((await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user(`m${i}`))).body.id as string);
    const group = await request(t.app)
      .post(`${SCIM}/Groups`)
      .set(a.auth)
      .send({ schemas: [GROUP_SCHEMA], displayName: 'Big', members: ids.map((value) => ({ value })) });
    expect(group.status).toBe(201);
    expect(group.body.members).toHaveLength(LIMIT + 2);
  });
});

describe('SCIM_MAX_ATTRIBUTE_VALUES lowered after resources were stored', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'scim-value-limit-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('lets a resource that holds more keep them and shrink, but not grow', async () => {
    const path = join(directory, 'scim.db');
    const before = await createTestApp({}, { path });
    const a = await before.tenant();
    const id = (await request(before.app).post(`${SCIM}/Users`).set(a.auth).send(user('u', { emails: emails(LIMIT + 3) }))).body.id as string;
    await before.close();

    const after = await createTestApp({ SCIM_MAX_ATTRIBUTE_VALUES: String(LIMIT) }, { path });
    try {
      expect((await request(after.app).patch(`${SCIM}/Users/${id}`).set(a.auth).send(patch({ op: 'replace', path: 'title', value: 'Still editable' }))).status).toBe(200);
      expectTooMany(await request(after.app).patch(`${SCIM}/Users/${id}`).set(a.auth).send(patch({ op: 'add', path: 'emails', value: emails(1, 'x') })), 'emails', LIMIT + 4);
      const shrunk = await request(after.app).patch(`${SCIM}/Users/${id}`).set(a.auth).send(patch({ op: 'remove', path: 'emails[value eq "e0@example.com"]' }));
      expect(shrunk.status).toBe(200);
      expect(shrunk.body.emails).toHaveLength(LIMIT + 2);
    } finally {
      await after.close();
    }
  });
});
