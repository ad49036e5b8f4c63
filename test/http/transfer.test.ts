// Export and import over HTTP (README "Export and import"), on both stores: a round trip of users with groups, roles,
// lifecycle states and passwords into another tenant (sign-in with the old passwords included), re-runs and
// onConflict, wrong secrets, altered and moved hashes, bounded KDF parameters, roles the target lacks, the request
// limit, scopes, a secret in the URL, and tenant isolation.
import request from 'supertest';
import { Scope } from '../../src/auth/scopes';
import { createSealer, newExportSalt, type KdfParameters } from '../../src/extensions/transfer/sealed-hash';
import { FOREIGN_HASHES } from '../fixtures/foreign-password-hashes';
import { IN_MEMORY_STORES } from '../helpers/in-memory-stores';
import { cheapPasswords, LIFECYCLE } from '../helpers/lifecycle';
import { createTestApp, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const ROLE_SCHEMA = 'urn:scim-server:params:scim:schemas:roles:2.0:Role';
const CHEAP_KDF: KdfParameters = { N: 2 ** 10, r: 8, p: 1 };
const SECRET = 'a long and private export secret';
const ALL = [Scope.read, Scope.write, Scope.credentials, Scope.export];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SCIM JSON, read field by field in expectations
type Json = Record<string, any>;
type Records = Json[];

describe.each(IN_MEMORY_STORES)('export and import on the %s', (_name, openStore) => {
  let t: TestApp;
  let source: TestTenant;
  let target: TestTenant;

  beforeEach(async () => {
    t = await createTestApp({}, { store: await openStore(), passwords: cheapPasswords(), exportKdf: CHEAP_KDF });
    source = await t.tenant({ name: 'source', scopes: ALL });
    target = await t.tenant({ name: 'target', scopes: ALL });
  });
  afterEach(() => t.close());

  const post = (tenant: TestTenant, path: string, body: unknown) => request(t.app).post(`${SCIM}${path}`).set(tenant.auth).send(body as object);
  const get = (tenant: TestTenant, path: string) => request(t.app).get(`${SCIM}${path}`).set(tenant.auth);
  const created = async (tenant: TestTenant, path: string, body: unknown) => {
    const res = await post(tenant, path, body);
    expect(res.status).toBe(201);
    return res.body as Json;
  };

  /** alice (password, role, two groups), bob (locked with a reason, one group), carol (no password, pending). */
  async function seedSource() {
    await created(source, '/Roles', { schemas: [ROLE_SCHEMA], name: 'auditor' });
    const alice = await created(source, '/Users', user('alice@example.com', { password: 'alice-password-1', roles: [{ value: 'auditor' }], name: { givenName: 'Alice' } }));
    const bob = await created(source, '/Users', user('bob@example.com', { password: 'bob-password-22' }));
    const carol = await created(source, '/Users', user('carol@example.com', { [LIFECYCLE]: { state: 'pending', mustChangePassword: true } }));
    await created(source, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [{ value: alice.id }, { value: bob.id }] });
    await created(source, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Auditors', members: [{ value: alice.id }] });
    expect((await post(source, `/Users/${bob.id}/lock`, { reason: 'Left the company' })).status).toBe(200);
    return { alice, bob, carol };
  }

  async function exportAll(tenant: TestTenant, count: number): Promise<Records> {
    const records: Records = [];
    let cursor: string | undefined;
    do {
      const res = await post(tenant, '/Users/.export', { encryptionSecret: SECRET, count, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      records.push(...res.body.records);
      cursor = res.body.nextCursor;
    } while (cursor);
    return records;
  }

  const importRecords = (tenant: TestTenant, records: unknown[], query = '', secret = SECRET) =>
    post(tenant, `/Users/.import${query}`, { encryptionSecret: secret, records });
  const userCount = async (tenant: TestTenant) => (await get(tenant, '/Users?count=0')).body.totalResults as number;
  const byOriginalId = async (tenant: TestTenant, originalId: string) =>
    (await get(tenant, `/Users?filter=${encodeURIComponent(`${LIFECYCLE}:originalId eq "${originalId}"`)}`)).body.Resources as Json[];

  it('moves users with groups, roles, lifecycle and working passwords to another tenant, with new ids and originalId kept', async () => {
    const { alice, bob, carol } = await seedSource();
    const records = await exportAll(source, 2);
    expect(records.map((record) => record.originalId).sort()).toEqual([alice.id, bob.id, carol.id].sort());
    const aliceRecord = records.find((record) => record.originalId === alice.id)!;
    expect(aliceRecord.user).toMatchObject({ userName: 'alice@example.com', roles: [{ value: 'auditor' }] });
    expect(aliceRecord.user.groups.map((group: { display: string }) => group.display).sort()).toEqual(['Auditors', 'Engineering']);
    expect(aliceRecord.passwordHash).toMatchObject({ alg: 'A256GCM', kdf: { name: 'scrypt', N: 1024, r: 8, p: 1 } });
    // One salt for the whole export (every page), a fresh nonce per record, no hash in the clear.
    const sealed = records.filter((record) => record.passwordHash).map((record) => record.passwordHash);
    expect(sealed).toHaveLength(2);
    expect(new Set(sealed.map((hash) => hash.kdf.salt)).size).toBe(1);
    expect(new Set(sealed.map((hash) => hash.iv)).size).toBe(2);
    expect(JSON.stringify(records)).not.toContain('$scrypt$');
    expect(records.find((record) => record.originalId === carol.id)).not.toHaveProperty('passwordHash');
    expect(records.find((record) => record.originalId === bob.id)!.lifecycle).toMatchObject({ state: 'locked', stateReason: 'Left the company' });

    await created(target, '/Roles', { schemas: [ROLE_SCHEMA], name: 'Auditor' });
    const res = await importRecords(target, records);
    expect(res.status).toBe(200);
    expect(res.body.results.map((result: { status: string }) => result.status)).toEqual(['created', 'created', 'created']);
    for (const result of res.body.results) expect(result.id).not.toBe(result.originalId);

    const [newAlice] = await byOriginalId(target, alice.id);
    expect(newAlice).toMatchObject({ userName: 'alice@example.com', name: { givenName: 'Alice' }, roles: [{ value: 'Auditor' }], [LIFECYCLE]: { originalId: alice.id, state: 'active' } });
    expect(newAlice.groups.map((group: { display: string }) => group.display).sort()).toEqual(['Auditors', 'Engineering']);
    const [newBob] = await byOriginalId(target, bob.id);
    expect(newBob[LIFECYCLE]).toMatchObject({ state: 'locked', stateReason: 'Left the company', stateChangedAt: records.find((record) => record.originalId === bob.id)!.lifecycle.stateChangedAt });
    expect(newBob.active).toBe(false);
    const [newCarol] = await byOriginalId(target, carol.id);
    expect(newCarol[LIFECYCLE]).toMatchObject({ state: 'pending', mustChangePassword: true });

    const engineering = (await get(target, `/Groups?filter=${encodeURIComponent('displayName eq "Engineering"')}`)).body.Resources[0];
    expect(engineering.members.map((member: { value: string }) => member.value).sort()).toEqual([newAlice.id, newBob.id].sort());

    // The old password works on the new server; a wrong one does not.
    expect((await post(target, '/Users/.verify-credentials', { userName: 'alice@example.com', password: 'alice-password-1' })).status).toBe(200);
    expect((await post(target, '/Users/.verify-credentials', { userName: 'alice@example.com', password: 'wrong-password' })).status).toBe(401);
    // The secret is in no audit event; each record is a USER_IMPORT of its own, with its index.
    const events = [...(await t.auditEvents(source.tenant.id)), ...(await t.auditEvents(target.tenant.id))];
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(events.filter((event) => event.type === 'USER_IMPORT_SUCCESS' && event.bulkOperation !== undefined).map((event) => event.bulkOperation!.index).sort()).toEqual([0, 1, 2]);
    // originalId is the server's: a client cannot set it.
    const client = await created(target, '/Users', user('dave@example.com', { [LIFECYCLE]: { originalId: 'forged' } }));
    expect(client[LIFECYCLE]).not.toHaveProperty('originalId');
  });

  it("records each user's join of a group all its records share as that record's own audited group write", async () => {
    const users = [];
    for (const name of ['ann', 'ben', 'cat', 'dan', 'eve']) users.push(await created(source, '/Users', user(`${name}@example.com`)));
    await created(source, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Everyone', members: users.map((member) => ({ value: member.id })) });
    const res = await importRecords(target, await exportAll(source, 10));
    expect(res.body.results.map((result: { status: string }) => result.status)).toEqual(Array(5).fill('created'));
    const everyone = (await get(target, `/Groups?filter=${encodeURIComponent('displayName eq "Everyone"')}`)).body.Resources[0];
    expect(everyone.members).toHaveLength(5);
    // One group write per record (the first creates the group, the others join it), each an operation of its record.
    const groupWrites = (await t.auditEvents(target.tenant.id)).filter((event) => /^GROUP_(CREATE|UPDATE)_SUCCESS$/.test(event.type));
    expect(groupWrites.map((event) => event.bulkOperation?.index).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('makes a re-run safe: duplicates are 409 uniqueness per record, or skipped, or updated with onConflict', async () => {
    await seedSource();
    const records = await exportAll(source, 10);
    await created(target, '/Roles', { schemas: [ROLE_SCHEMA], name: 'auditor' });
    const first = await importRecords(target, records);
    const ids = first.body.results.map((result: { id: string }) => result.id);

    const again = await importRecords(target, records);
    expect(again.status).toBe(200);
    for (const result of again.body.results) {
      expect(result).toMatchObject({ status: 'failed', error: { schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness' } });
      expect(result).not.toHaveProperty('id');
    }
    expect(await userCount(target)).toBe(3);

    const skipped = await importRecords(target, records, '?onConflict=skip');
    expect(skipped.body.results.map((result: { status: string; id: string }) => [result.status, result.id])).toEqual(ids.map((id: string) => ['skipped', id]));

    // An update puts the record back over a user changed meanwhile, keeping its id.
    await request(t.app).patch(`${SCIM}/Users/${ids[0]}`).set(target.auth).send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'Changed' }] });
    const updated = await importRecords(target, records, '?onConflict=update');
    expect(updated.body.results.map((result: { status: string; id: string }) => [result.status, result.id])).toEqual(ids.map((id: string) => ['updated', id]));
    expect((await get(target, `/Users/${ids[0]}`)).body).not.toHaveProperty('displayName');
    expect(await userCount(target)).toBe(3);
    expect((await get(target, '/Groups?count=0')).body.totalResults).toBe(2);

    expect((await importRecords(target, records, '?onConflict=merge')).status).toBe(400);
  });

  it('fails a record with a wrong secret, an altered hash or a hash moved to another record, naming it, and writes nothing of it', async () => {
    await seedSource();
    const records = await exportAll(source, 10);
    await created(target, '/Roles', { schemas: [ROLE_SCHEMA], name: 'auditor' });

    const wrong = await importRecords(target, records, '', 'another long secret, not ours');
    const withHash = wrong.body.results.filter((_: unknown, index: number) => records[index].passwordHash);
    for (const result of withHash) {
      expect(result).toMatchObject({ status: 'failed', error: { status: '400', scimType: 'invalidValue' } });
      expect(result.error.detail).toContain(`records[${result.index}].passwordHash (originalId "${records[result.index].originalId}")`);
      expect(result.error.detail).toContain('encryptionSecret');
    }
    expect(withHash).toHaveLength(2);

    const [first, second] = records.filter((record) => record.passwordHash);
    const altered = { ...first, passwordHash: { ...first.passwordHash, ciphertext: flipFirstByte(first.passwordHash.ciphertext) } };
    const moved = { ...second, passwordHash: first.passwordHash };
    const renamed = { ...first, originalId: 'someone-else' };
    const res = await importRecords(target, [altered, moved, renamed]);
    expect(res.body.results.map((result: { status: string }) => result.status)).toEqual(['failed', 'failed', 'failed']);
    // Only carol, who has no password hash, came in with the wrong secret.
    expect(await userCount(target)).toBe(1);
    expect((await get(target, '/Groups?count=0')).body.totalResults).toBe(0);
  });

  it('refuses KDF parameters out of bounds before deriving, and hashes this server cannot verify', async () => {
    const sealer = await createSealer(SECRET, newExportSalt(), CHEAP_KDF);
    const record = (originalId: string, hash: string) => ({ user: user(`${originalId}@example.com`), originalId, passwordHash: sealer.seal(hash, originalId), lifecycle: { state: 'active' } });
    const costly = record('u1', '$scrypt$ln=6,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g');
    const huge = { ...costly, passwordHash: { ...costly.passwordHash, kdf: { ...costly.passwordHash.kdf, N: 2 ** 30 } } };
    const res = await importRecords(target, [huge, record('u2', 'plain-text-password'), record('u3', '$2b$31$urFWvPnTuLE7L9aWm5.yueXLqi8NlvSBUi1XcvZOEAyiiSzmEo2s.')]);
    expect(res.body.results[0].error.detail).toContain('kdf.N must be a power of 2 up to 131072');
    expect(res.body.results[1].error.detail).toContain('The password hash cannot be verified by this server: the stored value is not a password hash in a format');
    expect(res.body.results[2].error.detail).toContain('The password hash cannot be verified by this server: bcrypt parameter cost=31 is outside 4..14');
    expect(await userCount(target)).toBe(0);
  });

  it('imports hashes made elsewhere (bcrypt, argon2id, PBKDF2), whose users sign in with their old password', async () => {
    const sealer = await createSealer(SECRET, newExportSalt(), CHEAP_KDF);
    const foreign = FOREIGN_HASHES.filter(({ name }) => /^(bcrypt \$2y\$ \(htpasswd\)|argon2id 19 MiB|pbkdf2_sha256 \(Django\))/.test(name));
    expect(foreign).toHaveLength(4);
    const records = foreign.map(({ stored }, i) => ({ user: user(`foreign${i}@example.com`), originalId: `f${i}`, passwordHash: sealer.seal(stored, `f${i}`), lifecycle: { state: 'active' } }));
    const res = await importRecords(target, records);
    expect(res.body.results.map((result: { status: string }) => result.status)).toEqual(['created', 'created', 'created', 'created']);
    for (const [i, { password }] of foreign.entries()) {
      expect((await post(target, '/Users/.verify-credentials', { userName: `foreign${i}@example.com`, password })).status).toBe(200);
      expect((await post(target, '/Users/.verify-credentials', { userName: `foreign${i}@example.com`, password: 'not it' })).status).toBe(401);
    }
  });

  it('fails a record whose role the target lacks, creating neither the user nor its groups', async () => {
    await seedSource();
    const records = await exportAll(source, 10);
    const res = await importRecords(target, records);
    const alice = res.body.results.find((result: { index: number }) => records[result.index].user.userName === 'alice@example.com');
    expect(alice).toMatchObject({ status: 'failed', error: { status: '400', scimType: 'invalidValue' } });
    expect(alice.error.detail).toContain('"auditor"');
    expect(res.body.results.filter((result: { status: string }) => result.status === 'created')).toHaveLength(2);
    // bob's Engineering exists (he is in it); alice's Auditors was never created.
    const groups = (await get(target, '/Groups')).body.Resources.map((group: { displayName: string }) => group.displayName);
    expect(groups).toEqual(['Engineering']);
  });

  it('checks the body, the record limit (setting transfer.importMaxRecords), scopes, and keeps the secret out of URLs', async () => {
    expect((await post(source, '/Users/.export', {})).body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect((await post(source, '/Users/.export', { encryptionSecret: 'short' })).status).toBe(400);
    const inUrl = await post(source, `/Users/.export?encryptionSecret=${encodeURIComponent(SECRET)}`, { encryptionSecret: SECRET });
    expect(inUrl.status).toBe(400);
    expect(inUrl.body.detail).toContain('never in the URL');
    expect((await post(target, `/Users/.import?encryption_secret=x`, { encryptionSecret: SECRET, records: [] })).status).toBe(400);

    const record = { user: user('x@example.com'), originalId: 'x', lifecycle: { state: 'active' } };
    const tooMany = await importRecords(target, Array.from({ length: 51 }, () => record));
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.detail).toContain('transfer.importMaxRecords');
    // A tenant whose settings were never read before: no cache to wait for.
    const small = await t.tenant({ name: 'small', scopes: ALL });
    await t.store.settings.update(small.tenant.id, { set: { 'transfer.importMaxRecords': '2' }, at: new Date().toISOString() });
    expect((await importRecords(small, [record, record, record])).status).toBe(413);
    expect((await importRecords(small, [record, { ...record, originalId: '' }])).body.results.map((result: { status: string }) => result.status)).toEqual(['created', 'failed']);

    const readWrite = await t.tokenFor(source.tenant, [Scope.read, Scope.write]);
    const exported = await request(t.app).post(`${SCIM}/Users/.export`).set({ Authorization: `Bearer ${readWrite}` }).send({ encryptionSecret: SECRET });
    expect(exported.status).toBe(403);
    const exportOnly = await t.tokenFor(source.tenant, [Scope.export]);
    expect((await request(t.app).post(`${SCIM}/Users/.export`).set({ Authorization: `Bearer ${exportOnly}` }).send({ encryptionSecret: SECRET })).status).toBe(200);
    expect((await request(t.app).post(`${SCIM}/Users/.import`).set({ Authorization: `Bearer ${exportOnly}` }).send({ encryptionSecret: SECRET, records: [] })).status).toBe(403);
    expect((await get(source, '/Users/.export')).status).toBe(405);
  });

  it('keeps tenants apart: an export holds only its own users, and its cursor opens nothing in another tenant', async () => {
    await seedSource();
    await created(target, '/Users', user('zed@example.com'));
    const first = await post(target, '/Users/.export', { encryptionSecret: SECRET, count: 1 });
    expect(first.body.records.map((record: { user: { userName: string } }) => record.user.userName)).toEqual(['zed@example.com']);
    expect(first.body).not.toHaveProperty('nextCursor');
    const sourcePage = await post(source, '/Users/.export', { encryptionSecret: SECRET, count: 1 });
    const replayed = await post(target, '/Users/.export', { encryptionSecret: SECRET, cursor: sourcePage.body.nextCursor });
    expect(replayed.body).toMatchObject({ status: '400', scimType: 'invalidCursor' });
  });
});

function flipFirstByte(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] ^= 1;
  return bytes.toString('base64');
}
