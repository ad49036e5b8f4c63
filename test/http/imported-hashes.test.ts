// Imported password hashes over HTTP (issue 18, README "Checking credentials"): a hash made elsewhere, placed in the
// store through its port as an import writes it, lets its user sign in through POST /Users/.verify-credentials with
// the old password; the first success replaces it by the current scrypt, after which the old password still works and
// the foreign hash is gone. A wrong password leaves it as it is, and a hash with parameters out of bounds is refused
// like a wrong password, at once.
import request from 'supertest';
import { Scope } from '../../src/auth/scopes';
import { FOREIGN_HASHES, PASSWORD } from '../fixtures/foreign-password-hashes';
import { cheapPasswords, manualClock } from '../helpers/lifecycle';
import { createTestApp, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

let t: TestApp;
let a: TestTenant;

beforeAll(async () => {
  t = await createTestApp({}, { clock: manualClock().now, passwords: cheapPasswords() });
  a = await t.tenant({ scopes: [Scope.read, Scope.write, Scope.credentials] });
});
afterAll(() => t.close());

const verify = (userName: string, password: string) => request(t.app).post(`${SCIM}/Users/.verify-credentials`).set(a.auth).send({ userName, password });
const stored = async (id: string) => (await t.store.resources.get(a.tenant.id, 'User', id))!;

/** A user whose password hash is `hash`, written through the store port as an import writes it. */
async function userWithHash(userName: string, hash: string): Promise<string> {
  const created = await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user(userName));
  expect(created.status).toBe(201);
  const current = await stored(created.body.id);
  await t.store.resources.replace(
    a.tenant.id,
    'User',
    current.id,
    { lastModified: current.lastModified, attributes: current.attributes, internal: { ...current.internal, passwordHash: hash } },
    current.version,
  );
  return current.id;
}

describe.each(FOREIGN_HASHES.map((hash, index) => ({ ...hash, userName: `imported-${index}@example.com` })))('$name', ({ userName, password, stored: foreign }) => {
  it('signs in with the old password, is re-hashed into our scrypt, and the old password keeps working', async () => {
    const id = await userWithHash(userName, foreign);

    // A wrong password: 401 and the imported hash stays as it is.
    const wrong = await verify(userName, 'not the password');
    expect(wrong.status).toBe(401);
    expect((await stored(id)).internal.passwordHash).toBe(foreign);

    const versionBefore = (await stored(id)).version;
    const first = await verify(userName, password);
    expect(first.status).toBe(200);
    expect((await stored(id)).version).toBe(versionBefore + 1);
    expect(first.body).toEqual({ id, userName, state: 'active' });
    const rehashed = (await stored(id)).internal.passwordHash as string;
    expect(rehashed).toMatch(/^\$scrypt\$ln=6,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(rehashed).not.toBe(foreign);
    expect(JSON.stringify(await stored(id))).not.toContain(foreign);

    // The re-hash is current: signing in again verifies it and writes nothing.
    const second = await verify(userName, password);
    expect(second.status).toBe(200);
    expect((await stored(id)).internal.passwordHash).toBe(rehashed);
    expect((await verify(userName, 'not the password')).status).toBe(401);
  });
});

it('a hash with parameters out of bounds (bcrypt cost 31) answers 401 at once and stays as it is', async () => {
  const outOfBounds = '$2b$31$urFWvPnTuLE7L9aWm5.yueXLqi8NlvSBUi1XcvZOEAyiiSzmEo2s.';
  const id = await userWithHash('cost31@example.com', outOfBounds);
  const res = await verify('cost31@example.com', PASSWORD);
  expect(res.status).toBe(401);
  expect(res.body.detail).toBe('The user name or password is incorrect');
  expect((await stored(id)).internal.passwordHash).toBe(outOfBounds);
});
