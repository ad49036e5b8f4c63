// Groups over HTTP (RFC 7643 §4.2, RFC 7644 §3): members kept in the membership relation, User.groups computed
// direct and indirect, member existence per tenant, cycles, PATCH on members as deltas, and the Entra group push.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let t: TestApp;
let a: TestTenant;

beforeEach(async () => {
  t = await createTestApp();
  a = await t.tenant({ name: 'a' });
});
afterEach(() => t.close());

const group = (displayName: string, extra: Record<string, unknown> = {}) => ({ schemas: [GROUP_SCHEMA], displayName, ...extra });
const patchOf = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

async function createUser(userName: string, tenant: TestTenant = a, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user(userName, extra));
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function createGroup(displayName: string, members: readonly string[] = [], tenant: TestTenant = a): Promise<string> {
  const res = await request(t.app)
    .post(`${SCIM}/Groups`)
    .set(tenant.auth)
    .send(group(displayName, { members: members.map((value) => ({ value })) }));
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const getGroup = (id: string, query = '', tenant: TestTenant = a) => request(t.app).get(`${SCIM}/Groups/${id}${query}`).set(tenant.auth);
const getUser = (id: string, query = '', tenant: TestTenant = a) => request(t.app).get(`${SCIM}/Users/${id}${query}`).set(tenant.auth);
const patchGroup = (id: string, body: unknown, query = '', tenant: TestTenant = a) =>
  request(t.app).patch(`${SCIM}/Groups/${id}${query}`).set(tenant.auth).send(body as object);
const memberIds = (body: { members?: { value: string }[] }) => (body.members ?? []).map((member) => member.value).sort();
const storedMemberIds = async (groupId: string, tenant: TestTenant = a) =>
  (await t.store.memberships.list(tenant.tenant.id, groupId, { limit: 1_000_000 })).map((member) => member.value).sort();

function expectScimError(res: request.Response, status: number, scimType: string | undefined, detail: RegExp): void {
  expect(res.status).toBe(status);
  expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
  expect(res.body.status).toBe(String(status));
  if (scimType === undefined) expect(res.body.scimType).toBeUndefined();
  else expect(res.body.scimType).toBe(scimType);
  expect(res.body.detail).toMatch(detail);
}

describe('POST /Groups', () => {
  it('creates a group with members: value, absolute $ref, display and type; members live in the relation', async () => {
    const alice = await createUser('alice', a, { displayName: 'Alice A' });
    const bob = await createUser('bob');
    const inner = await createGroup('Inner');
    const res = await request(t.app)
      .post(`${SCIM}/Groups`)
      .set(a.auth)
      .send(group('Team', { externalId: 'ext-team', members: [{ value: alice }, { value: bob, type: 'User' }, { value: inner, type: 'Group' }, { value: alice }] }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ schemas: [GROUP_SCHEMA], displayName: 'Team', externalId: 'ext-team', meta: { resourceType: 'Group', version: 'W/"1"' } });
    const base = res.body.meta.location.replace(/\/Groups\/[^/]+$/, '');
    expect(res.body.members).toHaveLength(3);
    expect(res.body.members).toEqual(
      expect.arrayContaining([
        { value: alice, $ref: `${base}/Users/${alice}`, display: 'Alice A', type: 'User' },
        { value: bob, $ref: `${base}/Users/${bob}`, display: 'bob', type: 'User' },
        { value: inner, $ref: `${base}/Groups/${inner}`, display: 'Inner', type: 'Group' },
      ]),
    );
    expect(res.body.members[0].$ref).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2\//);
    // The document holds no member list: membership is its own relation.
    const stored = await t.store.resources.get(a.tenant.id, 'Group', res.body.id);
    expect(stored?.attributes).toEqual({ displayName: 'Team', externalId: 'ext-team' });
    expect(await storedMemberIds(res.body.id)).toEqual([alice, bob, inner].sort());
  });

  it('requires displayName', async () => {
    const res = await request(t.app).post(`${SCIM}/Groups`).set(a.auth).send({ schemas: [GROUP_SCHEMA] });
    expectScimError(res, 400, 'invalidValue', /displayName/);
  });

  it('rejects an unknown member with 400 invalidValue naming it, and creates nothing', async () => {
    const alice = await createUser('alice');
    const res = await request(t.app)
      .post(`${SCIM}/Groups`)
      .set(a.auth)
      .send(group('Team', { members: [{ value: alice }, { value: 'no-such-user' }] }));
    expectScimError(res, 400, 'invalidValue', /'no-such-user'/);
    const list = await request(t.app).get(`${SCIM}/Groups`).set(a.auth);
    expect(list.body.totalResults).toBe(0);
    expect(await t.store.memberships.groupsOf(a.tenant.id, [alice])).toEqual([]);
  });

  it('rejects a member whose type contradicts the resource it names', async () => {
    const alice = await createUser('alice');
    const res = await request(t.app)
      .post(`${SCIM}/Groups`)
      .set(a.auth)
      .send(group('Team', { members: [{ value: alice, type: 'Group' }] }));
    expectScimError(res, 400, 'invalidValue', new RegExp(`${alice}' is a User, not a Group`));
  });

  it('keeps displayName unique per tenant, case-insensitively: 409 uniqueness', async () => {
    await createGroup('Admins');
    const res = await request(t.app).post(`${SCIM}/Groups`).set(a.auth).send(group('ADMINS'));
    expectScimError(res, 409, 'uniqueness', /displayName/);
    const other = await createGroup('Others');
    const put = await request(t.app).put(`${SCIM}/Groups/${other}`).set(a.auth).send(group('admins'));
    expectScimError(put, 409, 'uniqueness', /displayName/);
    // Another tenant has its own namespace.
    const b = await t.tenant({ name: 'b' });
    expect((await request(t.app).post(`${SCIM}/Groups`).set(b.auth).send(group('Admins'))).status).toBe(201);
  });
});

describe('reading groups', () => {
  let alice: string;
  let bob: string;
  let team: string;

  beforeEach(async () => {
    alice = await createUser('alice');
    bob = await createUser('bob');
    team = await createGroup('Team', [alice, bob]);
  });

  it('returns members by default, and only the sub-attributes asked for', async () => {
    expect(memberIds((await getGroup(team)).body)).toEqual([alice, bob].sort());
    const values = await getGroup(team, '?attributes=members.value');
    expect(values.body.members).toEqual(expect.arrayContaining([{ value: alice }, { value: bob }]));
    expect(values.body.displayName).toBeUndefined();
  });

  it('never reads memberships for excludedAttributes=members or attributes=displayName, on GET and on list', async () => {
    const list = jest.spyOn(t.store.memberships, 'list');
    const excluded = await getGroup(team, '?excludedAttributes=members');
    expect(excluded.status).toBe(200);
    expect(excluded.body.members).toBeUndefined();
    expect(excluded.body.displayName).toBe('Team');
    const named = await getGroup(team, '?attributes=displayName');
    expect(named.body).toMatchObject({ id: team, displayName: 'Team' });
    expect(named.body.members).toBeUndefined();
    const polled = await request(t.app).get(`${SCIM}/Groups`).query({ filter: 'displayName eq "team"', excludedAttributes: 'members' }).set(a.auth);
    expect(polled.body.totalResults).toBe(1);
    expect(polled.body.Resources[0].members).toBeUndefined();
    expect(list).not.toHaveBeenCalled();
    await getGroup(team);
    expect(list).toHaveBeenCalledTimes(1);
  });

  it('filters groups by members.value, displayName eq and displayName sw', async () => {
    const solo = await createGroup('Solo', [bob]);
    const byMember = async (id: string) =>
      (await request(t.app).get(`${SCIM}/Groups`).query({ filter: `members.value eq "${id}"`, excludedAttributes: 'members' }).set(a.auth)).body.Resources.map(
        (resource: { id: string }) => resource.id,
      );
    expect(await byMember(alice)).toEqual([team]);
    expect((await byMember(bob)).sort()).toEqual([team, solo].sort());
    expect(await byMember('nobody')).toEqual([]);
    const byValuePath = await request(t.app).get(`${SCIM}/Groups`).query({ filter: `members[value eq "${alice}"]` }).set(a.auth);
    expect(byValuePath.body.Resources.map((resource: { id: string }) => resource.id)).toEqual([team]);
    const eq = await request(t.app).get(`${SCIM}/Groups`).query({ filter: 'displayName eq "SOLO"' }).set(a.auth);
    expect(eq.body.Resources.map((resource: { id: string }) => resource.id)).toEqual([solo]);
    const sw = await request(t.app).get(`${SCIM}/Groups`).query({ filter: 'displayName sw "te"' }).set(a.auth);
    expect(sw.body.Resources.map((resource: { id: string }) => resource.id)).toEqual([team]);
  });

  it('returns the members in member-id order', async () => {
    const many = await Promise.all(Array.from({ length: 25 }, (_, n) => createUser(`user-${n}`)));
    const big = await createGroup('Big', many);
    const body = (await getGroup(big)).body;
    expect(body.members.map((member: { value: string }) => member.value)).toEqual([...many].sort());
  });
});

describe('SCIM_GROUP_MEMBERS_MAX', () => {
  it('caps the members a group response lists, in member-id order, while the relation keeps them all', async () => {
    const capped = await createTestApp({ SCIM_GROUP_MEMBERS_MAX: '3' });
    try {
      const b = await capped.tenant();
      const ids: string[] = [];
      for (let n = 0; n < 5; n++) ids.push((await request(capped.app).post(`${SCIM}/Users`).set(b.auth).send(user(`m${n}`))).body.id);
      const created = await request(capped.app).post(`${SCIM}/Groups`).set(b.auth).send({ schemas: [GROUP_SCHEMA], displayName: 'Five', members: ids.map((value) => ({ value })) });
      expect(created.status).toBe(201);
      const res = await request(capped.app).get(`${SCIM}/Groups/${created.body.id}`).set(b.auth);
      expect(res.body.members.map((member: { value: string }) => member.value)).toEqual([...ids].sort().slice(0, 3));
      const last = [...ids].sort()[4];
      const found = await request(capped.app).get(`${SCIM}/Groups`).query({ filter: `members.value eq "${last}"` }).set(b.auth);
      expect(found.body.totalResults).toBe(1);
    } finally {
      await capped.close();
    }
  });
});

describe('PUT /Groups/{id}', () => {
  it('replaces the members, bumps the version and empties the group when members is left out', async () => {
    const [alice, bob, carol] = [await createUser('alice'), await createUser('bob'), await createUser('carol')];
    const team = await createGroup('Team', [alice, bob]);
    const put = await request(t.app)
      .put(`${SCIM}/Groups/${team}`)
      .set(a.auth)
      .send(group('Team', { members: [{ value: bob }, { value: carol }] }));
    expect(put.status).toBe(200);
    expect(put.body.meta.version).toBe('W/"2"');
    expect(memberIds(put.body)).toEqual([bob, carol].sort());
    expect(await storedMemberIds(team)).toEqual([bob, carol].sort());

    const emptied = await request(t.app).put(`${SCIM}/Groups/${team}`).set(a.auth).send(group('Team renamed'));
    expect(emptied.status).toBe(200);
    expect(emptied.body.members).toBeUndefined();
    expect(emptied.body.displayName).toBe('Team renamed');
    expect(await storedMemberIds(team)).toEqual([]);
  });

  it('rejects an unknown member and changes nothing', async () => {
    const alice = await createUser('alice');
    const team = await createGroup('Team', [alice]);
    const put = await request(t.app)
      .put(`${SCIM}/Groups/${team}`)
      .set(a.auth)
      .send(group('Renamed', { members: [{ value: 'ghost' }] }));
    expectScimError(put, 400, 'invalidValue', /'ghost'/);
    const after = await getGroup(team);
    expect(after.body).toMatchObject({ displayName: 'Team', meta: { version: 'W/"1"' } });
    expect(memberIds(after.body)).toEqual([alice]);
  });
});

describe('nested groups and User.groups', () => {
  it('shows direct and indirect memberships on the user, with $ref and display', async () => {
    const alice = await createUser('alice');
    const engineers = await createGroup('Engineers', [alice]);
    const staff = await createGroup('Staff', [engineers]);
    const everyone = await createGroup('Everyone', [staff, alice]);
    const res = await getUser(alice);
    expect(res.status).toBe(200);
    const base = res.body.meta.location.replace(/\/Users\/[^/]+$/, '');
    const byId = new Map((res.body.groups as { value: string }[]).map((entry) => [entry.value, entry]));
    expect(byId.size).toBe(3);
    expect(byId.get(engineers)).toEqual({ value: engineers, $ref: `${base}/Groups/${engineers}`, display: 'Engineers', type: 'direct' });
    expect(byId.get(staff)).toEqual({ value: staff, $ref: `${base}/Groups/${staff}`, display: 'Staff', type: 'indirect' });
    // A direct membership wins over the indirect path through Staff.
    expect(byId.get(everyone)).toMatchObject({ value: everyone, type: 'direct' });
    // Groups are never stored with the user.
    expect((await t.store.resources.get(a.tenant.id, 'User', alice))?.attributes.groups).toBeUndefined();

    // A list page computes the same groups for every user on it (in one batch), and none for a user in no group.
    const loner = await createUser('loner');
    const listed = await request(t.app).get(`${SCIM}/Users`).set(a.auth);
    const fromList = listed.body.Resources.find((resource: { id: string }) => resource.id === alice);
    expect(fromList.groups).toEqual(res.body.groups);
    expect(listed.body.Resources.find((resource: { id: string }) => resource.id === loner).groups).toBeUndefined();
    const searched = await request(t.app).post(`${SCIM}/.search`).set(a.auth).send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: `id eq "${alice}"` });
    expect(searched.body.Resources[0].groups).toEqual(res.body.groups);
  });

  it('answers a list page on a store file (its page read on a read thread) with the groups a read by id gives each user', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'scim-groups-list-'));
    const onFile = await createTestApp({}, { path: join(directory, 'scim.db') });
    // The helpers of this file read `t` and `a`: the file's app for this test, the in-memory one again after it.
    const [inMemory, inMemoryTenant] = [t, a];
    try {
      t = onFile;
      a = await onFile.tenant({ name: 'a' });
      const alice = await createUser('alice');
      const bob = await createUser('bob');
      const carol = await createUser('carol');
      await createUser('dave');
      const engineers = await createGroup('Engineers', [alice, bob]);
      const staff = await createGroup('Staff', [engineers, carol]);
      await createGroup('Everyone', [staff, alice]);
      // A group that is gone, and one whose delete is recorded: neither is listed, nor walked through to its parents.
      const gone = await createGroup('Gone', [bob]);
      await createGroup('Above gone', [gone]);
      expect((await request(t.app).delete(`${SCIM}/Groups/${gone}`).set(a.auth)).status).toBe(204);
      const leaving = await createGroup('Leaving', [carol]);
      await createGroup('Above leaving', [leaving]);
      await t.store.resources.mark(a.tenant.id, 'Group', leaving, { lastModified: new Date().toISOString(), pending: [{ id: 'delete-leaving', change: { kind: 'delete' } }] });

      const listed = await request(t.app).get(`${SCIM}/Users?filter=${encodeURIComponent('userName ne "nobody"')}`).set(a.auth);
      expect(listed.status).toBe(200);
      const resources = listed.body.Resources as { id: string; userName: string; groups?: { display: string; type: string }[] }[];
      expect(resources.map((resource) => resource.userName)).toEqual(expect.arrayContaining(['alice', 'bob', 'carol', 'dave']));
      for (const resource of resources) expect(resource).toEqual((await getUser(resource.id)).body);
      const groupsOf = (userName: string) => resources.find((resource) => resource.userName === userName)?.groups?.map((entry) => `${entry.display}:${entry.type}`).sort();
      expect(groupsOf('alice')).toEqual(['Engineers:direct', 'Everyone:direct', 'Staff:indirect']);
      expect(groupsOf('bob')).toEqual(['Engineers:direct', 'Everyone:indirect', 'Staff:indirect']);
      expect(groupsOf('carol')).toEqual(['Everyone:indirect', 'Staff:direct']);
      expect(groupsOf('dave')).toBeUndefined();
    } finally {
      [t, a] = [inMemory, inMemoryTenant];
      await onFile.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('does not read memberships when the response leaves groups out', async () => {
    const alice = await createUser('alice');
    await createGroup('Engineers', [alice]);
    const groupsOf = jest.spyOn(t.store.memberships, 'groupsOf');
    const res = await getUser(alice, '?excludedAttributes=groups');
    expect(res.body.groups).toBeUndefined();
    await getUser(alice, '?attributes=userName');
    expect(groupsOf).not.toHaveBeenCalled();
  });

  it('rejects cycles with 400, on PUT and on PATCH, and a group inside itself', async () => {
    const inner = await createGroup('Inner');
    const middle = await createGroup('Middle', [inner]);
    const outer = await createGroup('Outer', [middle]);
    const put = await request(t.app)
      .put(`${SCIM}/Groups/${inner}`)
      .set(a.auth)
      .send(group('Inner', { members: [{ value: outer }] }));
    expectScimError(put, 400, 'invalidValue', /cycle/);
    const patch = await patchGroup(inner, patchOf({ op: 'add', path: 'members', value: [{ value: outer }] }));
    expectScimError(patch, 400, 'invalidValue', /cycle/);
    const self = await patchGroup(inner, patchOf({ op: 'add', path: 'members', value: [{ value: inner }] }));
    expectScimError(self, 400, 'invalidValue', /member of itself/);
    expect(await storedMemberIds(inner)).toEqual([]);
    // Nesting without a cycle is fine.
    const side = await createGroup('Side');
    expect((await patchGroup(inner, patchOf({ op: 'add', path: 'members', value: [{ value: side }] }))).status).toBe(200);
  });

  it('ignores groups sent on PUT /Users and refuses PATCH of groups with 400 mutability', async () => {
    const alice = await createUser('alice');
    const team = await createGroup('Team', [alice]);
    const other = await createGroup('Other');
    const put = await request(t.app)
      .put(`${SCIM}/Users/${alice}`)
      .set(a.auth)
      .send(user('alice', { groups: [{ value: other }] }));
    expect(put.status).toBe(200);
    expect(put.body.groups.map((entry: { value: string }) => entry.value)).toEqual([team]);
    const patch = await request(t.app)
      .patch(`${SCIM}/Users/${alice}`)
      .set(a.auth)
      .send(patchOf({ op: 'add', path: 'groups', value: [{ value: other }] }));
    expectScimError(patch, 400, 'mutability', /groups/);
    expect(await storedMemberIds(other)).toEqual([]);
  });
});

describe('deleting members and groups', () => {
  it('removes a deleted user from every group', async () => {
    const alice = await createUser('alice');
    const bob = await createUser('bob');
    const team = await createGroup('Team', [alice, bob]);
    const solo = await createGroup('Solo', [alice]);
    expect((await request(t.app).delete(`${SCIM}/Users/${alice}`).set(a.auth)).status).toBe(204);
    expect(memberIds((await getGroup(team)).body)).toEqual([bob]);
    expect((await getGroup(solo)).body.members).toBeUndefined();
    expect(await t.store.memberships.groupsOf(a.tenant.id, [alice])).toEqual([]);
  });

  it('removes a deleted group from its parents and drops its own members', async () => {
    const alice = await createUser('alice');
    const inner = await createGroup('Inner', [alice]);
    const outer = await createGroup('Outer', [inner]);
    expect((await request(t.app).delete(`${SCIM}/Groups/${inner}`).set(a.auth)).status).toBe(204);
    expect((await getGroup(outer)).body.members).toBeUndefined();
    expect((await getUser(alice)).body.groups).toBeUndefined();
    expect(await t.store.memberships.list(a.tenant.id, inner, { limit: 10 })).toEqual([]);
  });
});

describe('tenant isolation', () => {
  it('rejects a member from another tenant as unknown and hides groups across tenants', async () => {
    const b = await t.tenant({ name: 'b' });
    const theirs = await createUser('theirs', b);
    const theirGroup = await createGroup('Theirs', [theirs], b);
    const res = await request(t.app)
      .post(`${SCIM}/Groups`)
      .set(a.auth)
      .send(group('Mine', { members: [{ value: theirs }] }));
    expectScimError(res, 400, 'invalidValue', new RegExp(`'${theirs}'`));
    const mine = await createGroup('Mine');
    const patch = await patchGroup(mine, patchOf({ op: 'add', path: 'members', value: [{ value: theirGroup }] }));
    expectScimError(patch, 400, 'invalidValue', new RegExp(`'${theirGroup}'`));
    expect((await getGroup(theirGroup)).status).toBe(404);
    const filtered = await request(t.app).get(`${SCIM}/Groups`).query({ filter: `members.value eq "${theirs}"` }).set(a.auth);
    expect(filtered.body.totalResults).toBe(0);
    expect(memberIds((await getGroup(theirGroup, '', b)).body)).toEqual([theirs]);
  });
});

describe('PATCH /Groups/{id} members', () => {
  let alice: string;
  let bob: string;
  let carol: string;
  let team: string;

  beforeEach(async () => {
    [alice, bob, carol] = [await createUser('alice'), await createUser('bob'), await createUser('carol')];
    team = await createGroup('Team', [alice, bob]);
  });

  it('adds members (idempotently) and bumps the version only when something changed', async () => {
    const added = await patchGroup(team, patchOf({ op: 'add', path: 'members', value: [{ value: carol }, { value: alice }] }));
    expect(added.status).toBe(200);
    expect(added.body.meta.version).toBe('W/"2"');
    expect(memberIds(added.body)).toEqual([alice, bob, carol].sort());
    const again = await patchGroup(team, patchOf({ op: 'add', path: 'members', value: [{ value: carol }] }));
    expect(again.status).toBe(200);
    expect(again.body.meta.version).toBe('W/"2"');
  });

  it('takes a bare id string as a member, as it does for other complex values', async () => {
    const res = await patchGroup(team, patchOf({ op: 'add', path: 'members', value: carol }));
    expect(res.status).toBe(200);
    expect(memberIds(res.body)).toEqual([alice, bob, carol].sort());
    const unknown = await patchGroup(team, patchOf({ op: 'add', path: 'members', value: 'string id 1' }));
    expectScimError(unknown, 400, 'invalidValue', /string id 1/);
    expect(await storedMemberIds(team)).toEqual([alice, bob, carol].sort());
  });

  it('removes one member through a value filter, leaving the others', async () => {
    const res = await patchGroup(team, patchOf({ op: 'remove', path: `members[value eq "${alice}"]` }));
    expect(res.status).toBe(200);
    expect(memberIds(res.body)).toEqual([bob]);
    // A filter that matches nobody removes nothing.
    const none = await patchGroup(team, patchOf({ op: 'remove', path: 'members[value eq "nobody"]' }));
    expect(none.status).toBe(200);
    expect(await storedMemberIds(team)).toEqual([bob]);
  });

  it('removes by other value filters too', async () => {
    const sub = await createGroup('Sub');
    await patchGroup(team, patchOf({ op: 'add', path: 'members', value: [{ value: sub }] }));
    const res = await patchGroup(team, patchOf({ op: 'remove', path: 'members[type eq "Group"]' }));
    expect(res.status).toBe(200);
    expect(await storedMemberIds(team)).toEqual([alice, bob].sort());
  });

  it("takes Entra ID's remove with a value list as exactly those members, never all", async () => {
    const res = await patchGroup(team, patchOf({ op: 'Remove', path: 'members', value: [{ value: bob }] }));
    expect(res.status).toBe(200);
    expect(await storedMemberIds(team)).toEqual([alice]);
  });

  it('removes every member with remove on members, and replaces all with replace', async () => {
    const replaced = await patchGroup(team, patchOf({ op: 'replace', path: 'members', value: [{ value: carol }] }));
    expect(replaced.status).toBe(200);
    expect(await storedMemberIds(team)).toEqual([carol]);
    const removed = await patchGroup(team, patchOf({ op: 'remove', path: 'members' }));
    expect(removed.status).toBe(200);
    expect(removed.body.members).toBeUndefined();
    expect(await storedMemberIds(team)).toEqual([]);
  });

  it('applies operations in order and handles path-less values with members and other attributes', async () => {
    const res = await patchGroup(
      team,
      patchOf(
        { op: 'remove', path: 'members' },
        { op: 'add', value: { members: [{ value: carol }, { value: alice }], displayName: 'Team 2' } },
        { op: 'remove', path: `members[value eq "${alice}"]` },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe('Team 2');
    expect(await storedMemberIds(team)).toEqual([carol]);
  });

  it('rejects an unknown member with 400 naming it, and applies none of the operations', async () => {
    const res = await patchGroup(
      team,
      patchOf({ op: 'replace', path: 'displayName', value: 'Renamed' }, { op: 'remove', path: `members[value eq "${alice}"]` }, { op: 'add', path: 'members', value: [{ value: 'ghost-id' }] }),
    );
    expectScimError(res, 400, 'invalidValue', /'ghost-id'/);
    const after = await getGroup(team);
    expect(after.body).toMatchObject({ displayName: 'Team', meta: { version: 'W/"1"' } });
    expect(await storedMemberIds(team)).toEqual([alice, bob].sort());
  });

  it('refuses to change a sub-attribute of a member (immutable) and malformed member values', async () => {
    const sub = await patchGroup(team, patchOf({ op: 'replace', path: `members[value eq "${alice}"].display`, value: 'x' }));
    expectScimError(sub, 400, 'mutability', /immutable/);
    const noValue = await patchGroup(team, patchOf({ op: 'add', path: 'members', value: [{ display: 'no id' }] }));
    expectScimError(noValue, 400, 'invalidValue', /"value"/);
    expect(await storedMemberIds(team)).toEqual([alice, bob].sort());
  });

  it('refuses to remove or unassign the required displayName with 400 mutability (RFC 7644 §3.5.2.2), changing nothing', async () => {
    for (const operation of [{ op: 'remove', path: 'displayName' }, { op: 'Replace', path: 'displayName', value: null }, { op: 'replace', value: { displayName: '' } }]) {
      const res = await patchGroup(team, patchOf({ op: 'add', path: 'members', value: [{ value: carol }] }, operation));
      expectScimError(res, 400, 'mutability', /^Operation 1 .*'displayName' is required/);
    }
    expect((await getGroup(team)).body).toMatchObject({ displayName: 'Team', meta: { version: 'W/"1"' } });
    expect(await storedMemberIds(team)).toEqual([alice, bob].sort());
  });
});

describe('a 100,000-member group', () => {
  it('adds and removes one member over HTTP as a one-member change, without reading or rewriting the member list', async () => {
    const big = await createGroup('Big');
    const SIZE = 100_000;
    const BATCH = 10_000;
    // Built through the store: member rows need no user documents for this (the port does not check existence).
    for (let start = 0; start < SIZE; start += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, n) => ({ value: `bulk-${String(start + n).padStart(6, '0')}`, type: 'User' as const }));
      expect(await t.store.memberships.add(a.tenant.id, big, batch)).toBe(BATCH);
    }
    const alice = await createUser('alice');
    const ports = t.store.memberships;
    const mark = jest.spyOn(t.store.resources, 'mark');
    const settle = jest.spyOn(ports, 'settle');
    const replaceAll = jest.spyOn(ports, 'replaceAll');
    const list = jest.spyOn(ports, 'list');

    const added = await patchGroup(big, patchOf({ op: 'add', path: 'members', value: [{ value: alice }] }), '?excludedAttributes=members');
    expect(added.status).toBe(200);
    expect(added.body.meta.version).toBe('W/"2"');
    // The change is recorded in the group's document (naming one member) and settled by the membership store.
    expect(mark).toHaveBeenCalledTimes(1);
    expect(mark.mock.calls[0][3].pending.map((pending) => pending.change)).toEqual([{ kind: 'delta', add: [{ value: alice, type: 'User', display: 'alice' }], remove: [] }]);
    expect(settle.mock.calls).toContainEqual([a.tenant.id, 'Group', big]);

    const removed = await patchGroup(big, patchOf({ op: 'remove', path: 'members[value eq "bulk-050000"]' }), '?excludedAttributes=members');
    expect(removed.status).toBe(200);
    expect(mark).toHaveBeenCalledTimes(2);
    expect(mark.mock.calls[1][3].pending.map((pending) => pending.change)).toEqual([{ kind: 'delta', add: [], remove: ['bulk-050000'] }]);

    // Neither change read or rewrote the member list.
    expect(replaceAll).not.toHaveBeenCalled();
    expect(list).not.toHaveBeenCalled();
    expect(await ports.has(a.tenant.id, big, [alice, 'bulk-050000', 'bulk-050001'])).toEqual(new Set([alice, 'bulk-050001']));
    expect((await t.store.resources.get(a.tenant.id, 'Group', big))?.pending).toBeUndefined();
    const filtered = await request(t.app).get(`${SCIM}/Groups`).query({ filter: `members.value eq "${alice}"`, attributes: 'displayName' }).set(a.auth);
    expect(filtered.body.Resources.map((resource: { id: string }) => resource.id)).toEqual([big]);
  });
});

describe('Entra ID group push (replayed)', () => {
  it('creates, looks up, patches members and the name, and deletes a group as Entra ID does', async () => {
    const entra = await t.tenant({ name: 'entra', profile: 'entra' });
    const u1 = await createUser('u1@contoso.com', entra);
    const u2 = await createUser('u2@contoso.com', entra);
    // 1. Entra looks the group up by displayName, without members.
    const lookup = await request(t.app).get(`${SCIM}/Groups`).query({ filter: 'displayName eq "Sales"', excludedAttributes: 'members' }).set(entra.auth);
    expect(lookup.body).toMatchObject({ totalResults: 0, Resources: [] });
    // 2. It creates the group without members, with its objectId as externalId.
    const created = await request(t.app)
      .post(`${SCIM}/Groups`)
      .set(entra.auth)
      .send({ schemas: [GROUP_SCHEMA], externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'Sales', members: [] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // 3. Members are pushed with PATCH Add, "Add"/"Remove" capitalised and no type.
    const add = await patchGroup(id, patchOf({ op: 'Add', path: 'members', value: [{ value: u1 }, { value: u2 }] }), '', entra);
    expect(add.status).toBe(204);
    expect(await storedMemberIds(id, entra)).toEqual([u1, u2].sort());
    // 4. Entra checks membership with a filter on the group.
    const check = await request(t.app)
      .get(`${SCIM}/Groups`)
      .query({ filter: `id eq "${id}" and members[value eq "${u2}"]`, excludedAttributes: 'members' })
      .set(entra.auth);
    expect(check.body.totalResults).toBe(1);
    // 5. Remove one member with a value list.
    const remove = await patchGroup(id, patchOf({ op: 'Remove', path: 'members', value: [{ value: u1 }] }), '', entra);
    expect(remove.status).toBe(204);
    expect(await storedMemberIds(id, entra)).toEqual([u2]);
    // 6. Rename, then read back without members.
    const rename = await patchGroup(id, patchOf({ op: 'Replace', path: 'displayName', value: 'Sales EMEA' }), '', entra);
    expect(rename.status).toBe(204);
    const read = await getGroup(id, '?excludedAttributes=members', entra);
    expect(read.body).toMatchObject({ displayName: 'Sales EMEA', externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159' });
    expect(read.body.members).toBeUndefined();
    // 7. Delete: the member's groups are empty again.
    expect((await request(t.app).delete(`${SCIM}/Groups/${id}`).set(entra.auth)).status).toBe(204);
    expect((await getUser(u2, '', entra)).body.groups).toBeUndefined();
  });
});

describe('discovery', () => {
  it('lists Group in ResourceTypes and Schemas', async () => {
    const types = await request(t.app).get(`${SCIM}/ResourceTypes`).set(a.auth);
    expect(types.body.Resources.map((resource: { name: string }) => resource.name)).toEqual(expect.arrayContaining(['User', 'Group']));
    const schema = await request(t.app).get(`${SCIM}/Schemas/${GROUP_SCHEMA}`).set(a.auth);
    expect(schema.status).toBe(200);
    expect(schema.body.attributes.map((attribute: { name: string }) => attribute.name)).toEqual(['displayName', 'members']);
  });
});
