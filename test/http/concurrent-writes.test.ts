// Concurrent writes without If-Match are retried, not given up on (20 parallel PATCHes of one user, half setting a
// password, used to be answered two or three 409s per round). A lost compare-and-set re-reads and re-applies the
// write after a jittered pause, and what the write prepares at a cost (the password hash) is done once per request,
// not once per attempt: re-hashing on every attempt kept each retry waiting in the hash queue while others wrote.
import request from 'supertest';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { Passwords } from '../../src/resources/users/password';
import { interleavingStore, type InterleavingStore } from '../helpers/interleaving-store';
import { cheapPasswords } from '../helpers/lifecycle';
import { passwordMatches, passwords as realPasswords } from '../helpers/passwords';
import { createTestApp, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';
import { IN_MEMORY_STORES } from '../helpers/in-memory-stores';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const patchBody = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });
const registry = loadBuiltinRegistry();

/** The real hashing, counting the hashes it makes. */
function countingPasswords(): Passwords & { readonly hashes: () => number } {
  let hashes = 0;
  return {
    hash: (context, password) => {
      hashes += 1;
      return realPasswords.hash(context, password);
    },
    verify: (context, password, stored) => realPasswords.verify(context, password, stored),
    hashes: () => hashes,
  };
}

describe('a write that keeps losing the race', () => {
  let t: TestApp;
  let a: TestTenant;
  let race: InterleavingStore;
  let passwords: ReturnType<typeof countingPasswords>;

  beforeEach(async () => {
    race = interleavingStore(createSqliteStore({ path: ':memory:', registry }));
    passwords = countingPasswords();
    t = await createTestApp({}, { store: race.store, passwords });
    a = await t.tenant();
  });
  afterEach(() => t.close());

  /** Lands `times` competing PATCHes of `url`, one before each of the next `times` writes. */
  function competeBeforeEachWrite(url: string, times: number): void {
    let left = times;
    const competing = async () => {
      const res = await request(t.app)
        .patch(url)
        .set(a.auth)
        .send(patchBody({ op: 'replace', path: 'title', value: `competing ${left}` }));
      expect(res.status).toBe(200);
      left -= 1;
      if (left > 0) race.beforeNextWrite(competing);
    };
    race.beforeNextWrite(competing);
  }

  it('hashes a new password once, however many attempts the write takes', async () => {
    const id = (await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('racer'))).body.id as string;
    const url = `${SCIM}/Users/${id}`;
    competeBeforeEachWrite(url, 3);
    const res = await request(t.app)
      .patch(url)
      .set(a.auth)
      .send(patchBody({ op: 'replace', path: 'password', value: 'Correct-Horse-1' }, { op: 'replace', path: 'displayName', value: 'Mine' }));
    expect(res.status).toBe(200);
    expect(race.landed).toBe(3);
    expect(passwords.hashes()).toBe(1);
    expect(res.body).toMatchObject({ displayName: 'Mine', title: 'competing 1', meta: { version: 'W/"5"' } });
    const stored = await t.store.resources.get(a.tenant.id, 'User', id);
    expect(await passwordMatches('Correct-Horse-1', String(stored?.internal.passwordHash))).toBe(true);
  });

  it('does the same for PUT', async () => {
    const id = (await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('putter'))).body.id as string;
    const url = `${SCIM}/Users/${id}`;
    competeBeforeEachWrite(url, 2);
    const res = await request(t.app).put(url).set(a.auth).send(user('putter', { password: 'Correct-Horse-2', title: 'Put' }));
    expect(res.status).toBe(200);
    expect(passwords.hashes()).toBe(1);
    expect(res.body.title).toBe('Put');
  });

  it('still answers 409 with a retry hint when the races never stop', async () => {
    const id = (await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('starved'))).body.id as string;
    const url = `${SCIM}/Users/${id}`;
    competeBeforeEachWrite(url, 1000);
    const res = await request(t.app).patch(url).set(a.auth).send(patchBody({ op: 'replace', path: 'displayName', value: 'Never' }));
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/being changed by other requests at the same time; retry the request/);
    expect(race.landed).toBe(10);
  });
});

describe('parallel PATCHes of one user, half setting a password', () => {
  let t: TestApp;
  let a: TestTenant;

  beforeEach(async () => {
    // Cheap hashing: what is tested is that no change is lost, not the hash's cost (each lost race checks the new
    // password against the hash stored meanwhile, so real parameters make this a minute on a loaded machine).
    t = await createTestApp({}, { passwords: cheapPasswords() });
    a = await t.tenant();
  });
  afterEach(() => t.close());

  it('are all applied: no 409, no change lost', async () => {
    const id = (await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('contended'))).body.id as string;
    const url = `${SCIM}/Users/${id}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(t.app)
          .patch(url)
          .set(a.auth)
          .send(
            patchBody(
              { op: 'add', path: 'emails', value: [{ value: `writer-${i}@example.com` }] },
              ...(i % 2 === 0 ? [{ op: 'replace', path: 'password', value: `Passw0rd-of-writer-${i}` }] : []),
            ),
          ),
      ),
    );
    expect(results.map((res) => res.status)).toEqual(Array.from({ length: 20 }, () => 200));
    const stored = (await request(t.app).get(url).set(a.auth)).body;
    expect(stored.emails.map((email: { value: string }) => email.value).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `writer-${i}@example.com`).sort());
    expect(stored.meta.version).toBe('W/"21"');
  });
});

// Member-only changes of one group do not contend on the group's document: they are recorded
// with a write that has no compare-and-set (store/resource-store.ts `mark`), so a write landing in between cannot make
// them retry, and 50 parallel member adds are 50 successes.
describe.each(IN_MEMORY_STORES)('%s: member-only changes of one group', (_name, openStore) => {
  let t: TestApp;
  let a: TestTenant;
  let race: InterleavingStore;

  beforeEach(async () => {
    race = interleavingStore(await openStore());
    t = await createTestApp({}, { store: race.store });
    a = await t.tenant();
  });
  afterEach(() => t.close());

  const createUser = async (userName: string) => (await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user(userName))).body.id as string;
  const createGroup = async (displayName: string) =>
    (await request(t.app).post(`${SCIM}/Groups`).set(a.auth).send({ schemas: [GROUP_SCHEMA], displayName })).body.id as string;

  it('never retry when another write lands between their read and their write', async () => {
    const groupId = await createGroup('Team');
    const url = `${SCIM}/Groups/${groupId}`;
    const [alice, bob] = [await createUser('alice'), await createUser('bob')];
    race.beforeNextWrite(async () => {
      const res = await request(t.app).patch(url).set(a.auth).send(patchBody({ op: 'add', path: 'members', value: [{ value: bob }] }));
      expect(res.status).toBe(200);
    });
    const writesBefore = race.writes.mark + race.writes.replace;
    const res = await request(t.app).patch(url).set(a.auth).send(patchBody({ op: 'add', path: 'members', value: [{ value: alice }] }));
    expect(res.status).toBe(200);
    expect(race.landed).toBe(1);
    // The competing write and this one: one attempt each, no compare-and-set lost.
    expect(race.writes.mark + race.writes.replace - writesBefore).toBe(2);
    expect(res.body.members.map((member: { value: string }) => member.value).sort()).toEqual([alice, bob].sort());
    expect(res.body.meta.version).toBe('W/"3"');
  });

  it('still refuse a stale If-Match', async () => {
    const groupId = await createGroup('Guarded');
    const alice = await createUser('alice');
    await request(t.app).patch(`${SCIM}/Groups/${groupId}`).set(a.auth).send(patchBody({ op: 'replace', path: 'displayName', value: 'Guarded 2' }));
    const res = await request(t.app)
      .patch(`${SCIM}/Groups/${groupId}`)
      .set(a.auth)
      .set('If-Match', 'W/"1"')
      .send(patchBody({ op: 'add', path: 'members', value: [{ value: alice }] }));
    expect(res.status).toBe(412);
    expect((await request(t.app).get(`${SCIM}/Groups/${groupId}`).set(a.auth)).body.members).toBeUndefined();
  });

  it('are all applied when 50 arrive at once: no 409, no member lost', async () => {
    const groupId = await createGroup('Crowded');
    const members: string[] = [];
    for (let i = 0; i < 50; i += 1) members.push(await createUser(`member-${i}`));
    const results = await Promise.all(
      members.map((member) => request(t.app).patch(`${SCIM}/Groups/${groupId}`).set(a.auth).send(patchBody({ op: 'add', path: 'members', value: [{ value: member }] }))),
    );
    expect(results.map((res) => res.status)).toEqual(members.map(() => 200));
    const group = (await request(t.app).get(`${SCIM}/Groups/${groupId}`).set(a.auth)).body;
    expect(group.members.map((member: { value: string }) => member.value).sort()).toEqual([...members].sort());
    expect(group.meta.version).toBe('W/"51"');
  });
});
