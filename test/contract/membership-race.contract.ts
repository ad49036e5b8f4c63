// Races of group membership, on every store: a member PATCH reads the group (is it there? which members does it have?)
// and writes later, so another request can land between the two. Each test makes that happen on purpose (the
// interleaving store runs the competing request just before the PATCH's write reaches the store) and checks that the
// outcome is one a serial order of the two requests gives: a PATCH of a group deleted meanwhile is 404 and leaves no
// membership row (RFC 7644 §3.5.2, §3.6), parallel member PATCHes both apply without a 409 or 412, and a PATCH that
// meets a PUT or a member PATCH holds after it, or is decided again on what that write left.
import request from 'supertest';
import type { Store } from '../../src/store/tenant-store';
import { interleavingStore, type InterleavingStore } from '../helpers/interleaving-store';
import { createTestApp, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

export interface RaceStoreUnderTest {
  readonly store: Store;
  /**
   * Holds the next database call of `operation` (inside a store call) until released. Only where one store call takes
   * several database calls (MongoDB: settle() applies a change and clears it in separate writes); on SQLite settle() is
   * one transaction and nothing can land inside it.
   */
  readonly holdNextDatabaseCall?: (operation: string) => { readonly reached: Promise<void>; release(): void };
}

export interface MembershipRaceOptions {
  /** The store's settle() takes several database calls and makeStore gives holdNextDatabaseCall (the MongoDB stand-in). */
  readonly settlesInSteps?: boolean;
}

export function describeMembershipRaceContract(name: string, makeStore: () => Promise<RaceStoreUnderTest>, options: MembershipRaceOptions = {}): void {
  describe(`${name}: membership races`, () => {
    let t: TestApp;
    let a: TestTenant;
    let race: InterleavingStore;
    let underTest: RaceStoreUnderTest;
    let users: Record<'alice' | 'bob' | 'carol' | 'dave', string>;

    beforeEach(async () => {
      underTest = await makeStore();
      race = interleavingStore(underTest.store);
      t = await createTestApp({}, { store: race.store });
      a = await t.tenant();
      const created = async (userName: string) => {
        const res = await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user(userName));
        expect(res.status).toBe(201);
        return res.body.id as string;
      };
      users = { alice: await created('alice'), bob: await created('bob'), carol: await created('carol'), dave: await created('dave') };
    });
    afterEach(async () => {
      await t.close();
    });

    const newGroup = async (members: readonly string[]) => {
      const res = await request(t.app)
        .post(`${SCIM}/Groups`)
        .set(a.auth)
        .send({ schemas: [GROUP_SCHEMA], displayName: `G${Math.random()}`, members: members.map((value) => ({ value })) });
      expect(res.status).toBe(201);
      return res.body as { id: string; meta: { version: string } };
    };
    const send = (id: string, ...operations: unknown[]) => request(t.app).patch(`${SCIM}/Groups/${id}`).set(a.auth).send(patch(...operations));
    /** The members as GET answers them, by user name. */
    const membersOf = async (id: string) => {
      const res = await request(t.app).get(`${SCIM}/Groups/${id}`).set(a.auth);
      expect(res.status).toBe(200);
      const names = new Map(Object.entries(users).map(([label, userId]) => [userId, label]));
      return ((res.body.members ?? []) as { value: string }[]).map((member) => names.get(member.value) ?? member.value).sort();
    };
    /** The membership rows that name the group, either way (none may be left once it is deleted). */
    const rowsOf = async (groupId: string) => {
      const { memberships } = underTest.store;
      const members = await memberships.list(a.tenant.id, groupId, { limit: 10 });
      const parents = await memberships.groupsOf(a.tenant.id, Object.values(users));
      return [...members.map((member) => member.value), ...parents.filter((edge) => edge.groupId === groupId).map((edge) => edge.memberId)];
    };
    const versionOf = (etag: string) => Number(/W\/"(\d+)"/.exec(etag)?.[1]);

    it('a member PATCH whose group is deleted between its read and its write is 404 and leaves no row', async () => {
      const group = await newGroup([users.alice]);
      // The DELETE's commit point (its tombstone, resource-service.ts delete) lands after the PATCH read the group; the
      // DELETE has not finished yet (it removes the memberships and the document in its next step).
      race.beforeNextWrite(() =>
        underTest.store.resources.mark(a.tenant.id, 'Group', group.id, { lastModified: new Date().toISOString(), pending: [{ id: 'delete-1', change: { kind: 'delete' } }] }),
      );
      const res = await send(group.id, { op: 'add', path: 'members', value: [{ value: users.bob }] });
      expect(race.landed).toBe(1);
      // Serially the DELETE came first: the PATCH finds no group (RFC 7644 §3.5.2, §3.12).
      expect(res.status).toBe(404);
      expect(res.body.status).toBe('404');
      expect((await request(t.app).get(`${SCIM}/Groups/${group.id}`).set(a.auth)).status).toBe(404);
      expect(await rowsOf(group.id)).toEqual([]);
      const bob = await request(t.app).get(`${SCIM}/Users/${users.bob}`).query({ attributes: 'groups' }).set(a.auth);
      expect(bob.body.groups ?? []).toEqual([]);
    });

    // On SQLite settle() is one transaction: nothing can land inside it.
    (options.settlesInSteps ? it : it.skip)('a member PATCH whose group is deleted while the PATCH applies its change leaves no row', async () => {
      const holdNextDatabaseCall = underTest.holdNextDatabaseCall!;
      const group = await newGroup([users.alice]);
      // The PATCH's write is recorded; its own settle() read the change and is held before writing the rows. A DELETE
      // runs meanwhile from start to end (it applies the PATCH's change itself, then removes everything and the group).
      const { settle } = underTest.store.memberships;
      let held: { readonly reached: Promise<void>; release(): void } | undefined;
      underTest.store.memberships.settle = async (...args) => {
        if (!held && args[2] === group.id) held = holdNextDatabaseCall('bulkWrite');
        return settle.apply(underTest.store.memberships, args);
      };
      const patching = send(group.id, { op: 'add', path: 'members', value: [{ value: users.bob }] }).then((res) => res);
      await new Promise<void>((resolve) => {
        const wait = () => (held ? held.reached.then(resolve) : setImmediate(wait));
        wait();
      });
      underTest.store.memberships.settle = settle;
      expect((await request(t.app).delete(`${SCIM}/Groups/${group.id}`).set(a.auth)).status).toBe(204);
      held!.release();
      // The PATCH was recorded before the DELETE: serially it came first, and then the group went with its members.
      expect((await patching).status).toBe(200);
      expect((await request(t.app).get(`${SCIM}/Groups/${group.id}`).set(a.auth)).status).toBe(404);
      expect(await rowsOf(group.id)).toEqual([]);
    });

    it('two member PATCHes of one group both apply, without contending, and each bumps the version', async () => {
      const group = await newGroup([users.alice]);
      race.beforeNextWrite(() => send(group.id, { op: 'add', path: 'members', value: [{ value: users.dave }] }).expect(200));
      const res = await send(group.id, { op: 'add', path: 'members', value: [{ value: users.carol }] }, { op: 'remove', path: `members[value eq "${users.alice}"]` });
      expect(res.status).toBe(200);
      expect(race.landed).toBe(1);
      // Deltas commute: neither was retried or refused (Entra ID and Okta send many in parallel to one group).
      expect(race.writes).toMatchObject({ mark: 2, replace: 0 });
      expect(await membersOf(group.id)).toEqual(['carol', 'dave']);
      const after = await request(t.app).get(`${SCIM}/Groups/${group.id}`).query({ excludedAttributes: 'members' }).set(a.auth);
      expect(versionOf(after.headers.etag)).toBe(versionOf(group.meta.version) + 2);
      expect(res.headers.etag).toBe(after.headers.etag);
    });

    it('a member PATCH that meets a PUT applies after it in full, as if sent after it', async () => {
      const group = await newGroup([users.alice]);
      // The PUT replaces the members between the PATCH's read and its write.
      race.beforeNextWrite(() =>
        request(t.app)
          .put(`${SCIM}/Groups/${group.id}`)
          .set(a.auth)
          .send({ schemas: [GROUP_SCHEMA], displayName: 'Replaced', members: [{ value: users.bob }] })
          .expect(200),
      );
      // alice is a member when the PATCH reads the group, and bob is not.
      const res = await send(group.id, { op: 'add', path: 'members', value: [{ value: users.alice }, { value: users.carol }] }, { op: 'remove', path: `members[value eq "${users.bob}"]` });
      expect(res.status).toBe(200);
      expect(race.landed).toBe(1);
      // PUT then PATCH: alice and carol. (PATCH then PUT would be bob alone; a half of each, e.g. bob and carol, is lost data.)
      expect(await membersOf(group.id)).toEqual(['alice', 'carol']);
    });

    it('a replace of all members that meets a member add ends as the one after the other', async () => {
      const group = await newGroup([users.alice]);
      race.beforeNextWrite(() => send(group.id, { op: 'add', path: 'members', value: [{ value: users.carol }] }).expect(200));
      const res = await send(group.id, { op: 'replace', path: 'members', value: [{ value: users.bob }] });
      expect(res.status).toBe(200);
      // The add came first, the replace after it.
      expect(await membersOf(group.id)).toEqual(['bob']);
    });

    it('a PATCH that selects members by a filter is decided again on the members a concurrent PATCH left', async () => {
      const group = await newGroup([users.alice]);
      race.beforeNextWrite(() => send(group.id, { op: 'add', path: 'members', value: [{ value: users.dave }] }, { op: 'remove', path: 'members', value: [{ value: users.carol }] }).expect(200));
      const res = await send(group.id, { op: 'remove', path: 'members[type eq "User"]' }, { op: 'add', path: 'members', value: [{ value: users.carol }] });
      expect(res.status).toBe(200);
      // The other PATCH came first; this one then removed every user (dave too) and added carol. Applying the members
      // it selected before (alice) on top of the other would leave dave and carol: no serial order gives that.
      expect(await membersOf(group.id)).toEqual(['carol']);
      expect(race.writes.mark).toBe(3);
    });

    it('a filter PATCH sent with If-Match is 412 when a member PATCH came in between, and changes nothing', async () => {
      const group = await newGroup([users.alice, users.bob]);
      race.beforeNextWrite(() => send(group.id, { op: 'add', path: 'members', value: [{ value: users.dave }] }).expect(200));
      const res = await request(t.app)
        .patch(`${SCIM}/Groups/${group.id}`)
        .set(a.auth)
        .set('If-Match', group.meta.version)
        .send(patch({ op: 'remove', path: `members[value eq "${users.bob}"]` }));
      expect(res.status).toBe(412);
      expect(await membersOf(group.id)).toEqual(['alice', 'bob', 'dave']);
    });
  });
}
