// User.password over HTTP (RFC 7643 §4.1.1: writeOnly, returned never). Issue 14, item 4: removing a password
// (PATCH remove, replace with null, a path-less null, PUT with null) answered 200 and kept the hash. Now it removes
// the hash (RFC 7644 §3.5.2.2: the attribute becomes unassigned); leaving `password` out of a PUT keeps it.
import request from 'supertest';
import { passwordMatches } from '../helpers/passwords';
import { createTestApp, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let t: TestApp;
let a: TestTenant;
beforeAll(async () => {
  t = await createTestApp();
  a = await t.tenant();
});
afterAll(() => t.close());

let counter = 0;
async function userWithPassword(password = 'first-Passw0rd'): Promise<string> {
  counter += 1;
  const res = await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user(`pw${counter}@example.com`, { password }));
  expect(res.status).toBe(201);
  return res.body.id;
}

const storedOf = async (id: string) => t.store.resources.get(a.tenant.id, 'User', id);
const hashOf = async (id: string) => (await storedOf(id))?.internal.passwordHash as string | undefined;
const patch = (id: string, operations: unknown[]) => request(t.app).patch(`${SCIM}/Users/${id}`).set(a.auth).send({ schemas: [PATCH_OP], Operations: operations });

describe('removing a password', () => {
  it.each([
    ['PATCH remove', [{ op: 'remove', path: 'password' }]],
    ['PATCH replace with null', [{ op: 'replace', path: 'password', value: null }]],
    ['PATCH Replace with null, attribute name in another case', [{ op: 'Replace', path: 'PASSWORD', value: null }]],
    ['PATCH path-less null', [{ op: 'replace', value: { password: null } }]],
    ['PATCH that sets and then removes it', [{ op: 'replace', path: 'password', value: 'second-Passw0rd' }, { op: 'remove', path: 'password' }]],
  ])('%s removes the stored hash and moves the version', async (_name, operations) => {
    const id = await userWithPassword();
    expect(await hashOf(id)).toMatch(/^\$scrypt\$/);
    const res = await patch(id, operations);
    expect(res.status).toBe(200);
    expect(res.body.password).toBeUndefined();
    expect(res.body.meta.version).toBe('W/"2"');
    expect(await storedOf(id)).toMatchObject({ version: 2, internal: {} });
    expect(await hashOf(id)).toBeUndefined();
  });

  it('PUT with "password": null removes it; PUT without password keeps it', async () => {
    const id = await userWithPassword();
    const kept = await request(t.app).put(`${SCIM}/Users/${id}`).set(a.auth).send(user(`pw${counter}@example.com`, { title: 'Kept' }));
    expect(kept.status).toBe(200);
    expect(await passwordMatches('first-Passw0rd', (await hashOf(id)) as string)).toBe(true);
    const removed = await request(t.app).put(`${SCIM}/Users/${id}`).set(a.auth).send(user(`pw${counter}@example.com`, { Password: null }));
    expect(removed.status).toBe(200);
    expect(await hashOf(id)).toBeUndefined();
  });

  it('PUT with null under the core schema URN removes it too', async () => {
    const id = await userWithPassword();
    const body = { ...user(`pw${counter}@example.com`), 'urn:ietf:params:scim:schemas:core:2.0:User': { password: null } };
    expect((await request(t.app).put(`${SCIM}/Users/${id}`).set(a.auth).send(body)).status).toBe(200);
    expect(await hashOf(id)).toBeUndefined();
  });

  it('removing the password of a user who has none changes nothing', async () => {
    const id = (await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('nopassword@example.com'))).body.id;
    const res = await patch(id, [{ op: 'remove', path: 'password' }]);
    expect(res.status).toBe(200);
    expect(res.body.meta.version).toBe('W/"1"');
  });

  it('a PATCH that removes and then sets a password keeps the new one; it can be set again after a removal', async () => {
    const id = await userWithPassword();
    await patch(id, [{ op: 'remove', path: 'password' }, { op: 'add', path: 'password', value: 'second-Passw0rd' }]);
    expect(await passwordMatches('second-Passw0rd', (await hashOf(id)) as string)).toBe(true);
    await patch(id, [{ op: 'remove', path: 'password' }]);
    await patch(id, [{ op: 'replace', value: { password: 'third-Passw0rd' } }]);
    expect(await passwordMatches('third-Passw0rd', (await hashOf(id)) as string)).toBe(true);
    expect((await storedOf(id))?.version).toBe(4);
  });

  it('stores new passwords as PHC strings with the current scrypt parameters', async () => {
    const id = await userWithPassword();
    expect(await hashOf(id)).toMatch(/^\$scrypt\$ln=15,r=8,p=3\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  });
});
