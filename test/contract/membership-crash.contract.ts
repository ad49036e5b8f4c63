// Crash safety of group membership, on every store (store/membership-store.ts): a group's document and its membership
// rows are separate writes, with no multi-document transaction, so each change is recorded in the document's own write
// and finished by whoever comes next. This contract cuts every membership-changing request off at each of its steps in
// turn (the n-th store call fails, as if the server died there), then asks every reader what it sees: each must see
// the directory exactly as it was before the request or exactly as the request leaves it, never a mix (a group
// without its members, a version bumped with the members unchanged, members of a deleted group counted as members
// of its parents). The client's retry of the cut-off request must then end in the state the request asked for.
//
// Each reader is asked first in a replay of its own, because the first reader to find an unfinished change finishes
// it: a reader that did not look would otherwise be hidden by one that did. Where the store can also be cut off inside
// one of its calls (the MongoDB stand-in's `failCall`), every step inside the calls is cut off too. Only writes are cut
// at: stopping at a read leaves what stopping at the next write leaves, so that covers every pair of steps.
import request from 'supertest';
import type { Store } from '../../src/store/tenant-store';
import { faultyStore, type FaultyStore } from '../helpers/faulty-store';
import { createTestApp, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface CrashStoreUnderTest {
  readonly store: Store;
  /** Makes the n-th database call from now fail (inside the store's own calls); absent where the store cannot. */
  readonly failDatabaseCall?: (n: number) => void;
  /** The database calls made so far, by operation (to know the steps a request takes inside the store). */
  readonly databaseCalls?: () => readonly string[];
  /** Which of those operations write. */
  readonly databaseWrites?: ReadonlySet<string>;
}

/** The directory every scenario starts from: Parent ⊃ {Child, Carol}, Child ⊃ {Alice, Bob}. */
interface Directory {
  readonly users: Record<'alice' | 'bob' | 'carol', string>;
  readonly groups: Record<'parent' | 'child', string>;
}

interface Scenario {
  readonly name: string;
  readonly send: (app: TestApp, tenant: TestTenant, directory: Directory) => Promise<request.Response>;
}

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

/** The port calls that write (the others only read). */
const PORT_WRITES = new Set([
  'resources.create',
  'resources.createMany',
  'resources.replace',
  'resources.mark',
  'resources.delete',
  'memberships.add',
  'memberships.remove',
  'memberships.replaceAll',
  'memberships.removeEverywhere',
  'memberships.settle',
]);

/** The 1-based positions of the writes among `calls`. */
const writesAmong = (calls: readonly string[], writes: ReadonlySet<string>) => calls.flatMap((call, index) => (writes.has(call) ? [index + 1] : []));

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'POST of a group with members (a user and a group)',
    send: (t, a, d) =>
      request(t.app)
        .post(`${SCIM}/Groups`)
        .set(a.auth)
        .send({ schemas: [GROUP_SCHEMA], displayName: 'New', members: [{ value: d.users.alice }, { value: d.groups.child }] }),
  },
  {
    name: 'PATCH of the name and the members together',
    send: (t, a, d) =>
      request(t.app)
        .patch(`${SCIM}/Groups/${d.groups.child}`)
        .set(a.auth)
        .send(
          patch(
            { op: 'replace', path: 'displayName', value: 'Child renamed' },
            { op: 'add', path: 'members', value: [{ value: d.users.carol }] },
            { op: 'remove', path: `members[value eq "${d.users.alice}"]` },
          ),
        ),
  },
  {
    name: 'PATCH of members only (Entra ID: one add, one remove)',
    send: (t, a, d) =>
      request(t.app)
        .patch(`${SCIM}/Groups/${d.groups.child}`)
        .set(a.auth)
        .send(patch({ op: 'add', path: 'members', value: [{ value: d.users.carol }] }, { op: 'Remove', path: 'members', value: [{ value: d.users.bob }] })),
  },
  {
    name: 'PUT of a group with other members',
    send: (t, a, d) =>
      request(t.app)
        .put(`${SCIM}/Groups/${d.groups.child}`)
        .set(a.auth)
        .send({ schemas: [GROUP_SCHEMA], displayName: 'Child replaced', members: [{ value: d.users.carol }] }),
  },
  { name: 'DELETE of a group that has members and a parent', send: (t, a, d) => request(t.app).delete(`${SCIM}/Groups/${d.groups.child}`).set(a.auth) },
  { name: 'DELETE of a user who is a member (directly, and through Child of Parent)', send: (t, a, d) => request(t.app).delete(`${SCIM}/Users/${d.users.alice}`).set(a.auth) },
];

/** What one reader reports, with ids replaced by names so that states of different replays compare. */
type Reading = unknown;
type Reader = (t: TestApp, a: TestTenant, names: Map<string, string>, d: Directory) => Promise<Reading>;

const nameOf = (names: Map<string, string>, id: string) => names.get(id) ?? `unknown ${id}`;
const sorted = <T>(items: T[]) => items.sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));

const READERS: Readonly<Record<string, Reader>> = {
  // Every group with its name, version and members (GET /Groups/{id}: the group document and its membership rows).
  'GET /Groups/{id}': async (t, a, names, d) => {
    const listed = await request(t.app).get(`${SCIM}/Groups`).query({ attributes: 'displayName', count: 100 }).set(a.auth);
    const ids = [...new Set([...Object.values(d.groups), ...listed.body.Resources.map((group: { id: string }) => group.id)])];
    const groups = [];
    for (const id of ids) {
      const res = await request(t.app).get(`${SCIM}/Groups/${id}`).set(a.auth);
      if (res.status === 404) continue;
      expect(res.status).toBe(200);
      groups.push({
        displayName: res.body.displayName,
        version: res.body.meta.version,
        members: sorted((res.body.members ?? []).map((member: { value: string; type: string }) => `${member.type} ${nameOf(names, member.value)}`)),
      });
    }
    return sorted(groups);
  },
  // Every user's groups, direct and indirect (User.groups: membership rows walked upwards).
  'GET /Users/{id} groups': async (t, a, names, d) => {
    const users = [];
    for (const [userName, id] of Object.entries(d.users)) {
      const res = await request(t.app).get(`${SCIM}/Users/${id}`).query({ attributes: 'groups' }).set(a.auth);
      if (res.status === 404) {
        users.push({ userName, gone: true });
        continue;
      }
      expect(res.status).toBe(200);
      users.push({ userName, groups: sorted((res.body.groups ?? []).map((group: { display: string; type: string }) => `${group.type} ${group.display}`)) });
    }
    return users;
  },
  // The index the identity providers' lookups use: the groups a member is in, by filter.
  'GET /Groups?filter=members.value eq': async (t, a, _names, d) => {
    const found: Record<string, string[]> = {};
    for (const [name, id] of Object.entries({ ...d.users, ...d.groups })) {
      const res = await request(t.app).get(`${SCIM}/Groups`).query({ filter: `members.value eq "${id}"`, attributes: 'displayName' }).set(a.auth);
      expect(res.status).toBe(200);
      found[name] = res.body.Resources.map((group: { displayName: string }) => group.displayName).sort();
    }
    return found;
  },
  // The lists: who and what exists at all.
  'GET /Users and /Groups': async (t, a) => {
    const users = await request(t.app).get(`${SCIM}/Users`).query({ attributes: 'userName', count: 100 }).set(a.auth);
    const groups = await request(t.app).get(`${SCIM}/Groups`).query({ attributes: 'displayName', count: 100 }).set(a.auth);
    return {
      users: users.body.Resources.map((resource: { userName: string }) => resource.userName).sort(),
      usersTotal: users.body.totalResults,
      groups: groups.body.Resources.map((resource: { displayName: string }) => resource.displayName).sort(),
      groupsTotal: groups.body.totalResults,
    };
  },
};

/** Readings with the versions left out. */
function withoutVersions(readings: Record<string, Reading>): unknown {
  return JSON.parse(JSON.stringify(readings, (key, value: unknown) => (key === 'version' ? undefined : value)));
}

export function describeMembershipCrashContract(name: string, makeStore: () => Promise<CrashStoreUnderTest>): void {
  describe(`${name}: membership changes cut off at every step`, () => {
    interface Run {
      readonly t: TestApp;
      readonly a: TestTenant;
      readonly d: Directory;
      readonly names: Map<string, string>;
      readonly faulty: FaultyStore;
      readonly underTest: CrashStoreUnderTest;
    }
    // One app and store per scenario; every replay gets a tenant of its own (tenants share nothing).
    let app: { readonly t: TestApp; readonly faulty: FaultyStore; readonly underTest: CrashStoreUnderTest } | undefined;
    beforeEach(async () => {
      const underTest = await makeStore();
      const faulty = faultyStore(underTest.store);
      app = { t: await createTestApp({}, { store: faulty.store }), faulty, underTest };
    });
    afterEach(async () => {
      await app?.t.close();
      app = undefined;
    });

    /** A fresh tenant with the directory every scenario starts from. */
    const seeded = async (): Promise<Run> => {
      const { t, faulty, underTest } = app!;
      const a = await t.tenant();
      const created = async (path: string, body: object) => {
        const res = await request(t.app).post(`${SCIM}${path}`).set(a.auth).send(body);
        expect(res.status).toBe(201);
        return res.body.id as string;
      };
      const users = { alice: await created('/Users', user('alice')), bob: await created('/Users', user('bob')), carol: await created('/Users', user('carol')) };
      const child = await created('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Child', members: [{ value: users.alice }, { value: users.bob }] });
      const parent = await created('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Parent', members: [{ value: child }, { value: users.carol }] });
      const d: Directory = { users, groups: { parent, child } };
      const names = new Map<string, string>([...Object.entries(users), ['Parent', parent], ['Child', child]].map(([label, id]) => [id, label]));
      return { t, a, d, names, faulty, underTest };
    };

    /** What every reader reports, the reader `first` asked before the others. */
    const readAll = async (run: Run, first: string): Promise<Record<string, Reading>> => {
      const order = [first, ...Object.keys(READERS).filter((reader) => reader !== first)];
      const readings = new Map<string, Reading>();
      for (const reader of order) readings.set(reader, await READERS[reader](run.t, run.a, run.names, run.d));
      // In one order whoever came first, so that readings compare as text.
      return Object.fromEntries(Object.keys(READERS).map((reader) => [reader, readings.get(reader)]));
    };

    /** Names a group created by the scenario (POST), so that replays with other ids compare. */
    const learnNames = async (run: Run) => {
      const listed = await request(run.t.app).get(`${SCIM}/Groups`).query({ attributes: 'displayName', count: 100 }).set(run.a.auth);
      for (const group of listed.body.Resources as { id: string; displayName: string }[]) if (!run.names.has(group.id)) run.names.set(group.id, group.displayName);
    };

    it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
      '%s: every reader sees the state before or after it, whatever step it stopped at, and a retry finishes it',
      async (_name, scenario) => {
        const firstReader = Object.keys(READERS)[0];
        // The two states a cut-off request may leave, and how many store calls the request makes.
        const beforeRun = await seeded();
        const before = await readAll(beforeRun, firstReader);
        const afterRun = await seeded();
        afterRun.faulty.arm();
        const databaseCallsBefore = afterRun.underTest.databaseCalls?.().length ?? 0;
        const clean = await scenario.send(afterRun.t, afterRun.a, afterRun.d);
        expect(clean.status).toBeLessThan(300);
        const portCalls = [...afterRun.faulty.trace];
        const databaseCalls = afterRun.underTest.databaseCalls?.().slice(databaseCallsBefore) ?? [];
        afterRun.faulty.disarm();
        await learnNames(afterRun);
        const after = await readAll(afterRun, firstReader);
        expect(after).not.toEqual(before);
        expect(writesAmong(portCalls, PORT_WRITES).length).toBeGreaterThan(1);

        /** A fresh directory with the request cut off by `cut`. */
        const cutOff = async (cut: (run: Run) => void): Promise<Run> => {
          const run = await seeded();
          cut(run);
          await scenario.send(run.t, run.a, run.d);
          run.faulty.disarm();
          await learnNames(run);
          return run;
        };
        const stateOf = (readings: unknown, of: Record<string, Reading>) =>
          JSON.stringify(readings) === JSON.stringify(before) || JSON.stringify(readings) === JSON.stringify(of) ? undefined : 'mixed';

        /**
         * Cut off at `cut`: every reader (asked in the usual order) sees the state before or after the request, and the
         * client's retry ends in the state after it. Then, in a replay each, every other reader asked first sees the
         * same state, alone: it finds the unfinished change itself, rather than after another reader finished it.
         */
        const check = async (cut: (run: Run) => void, where: string, everyReaderFirst: boolean) => {
          const run = await cutOff(cut);
          const readings = await readAll(run, firstReader);
          if (stateOf(readings, after)) expect({ where, readings }).toEqual({ where, readings: after });
          const state = JSON.stringify(readings) === JSON.stringify(before) ? before : after;
          // The client did not get its answer (or got an error): it sends the request again.
          const retried = await scenario.send(run.t, run.a, run.d);
          expect([200, 201, 204, 404, 409]).toContain(retried.status);
          await learnNames(run);
          // A repeated PUT writes again (a new version); what it leaves must otherwise be what it asked for.
          expect({ where, retried: withoutVersions(await readAll(run, firstReader)) }).toEqual({ where, retried: withoutVersions(after) });
          if (!everyReaderFirst) return;
          for (const reader of Object.keys(READERS).filter((name) => name !== firstReader)) {
            const alone = await cutOff(cut);
            expect({ where, reader, reading: await READERS[reader](alone.t, alone.a, alone.names, alone.d) }).toEqual({ where, reader, reading: state[reader] });
          }
        };

        for (const step of writesAmong(portCalls, PORT_WRITES)) {
          await check((run) => run.faulty.arm(step), `store call ${step} of ${portCalls.length} (${portCalls[step - 1]})`, true);
        }
        const { failDatabaseCall, databaseWrites } = afterRun.underTest;
        if (failDatabaseCall && databaseWrites) {
          for (const step of writesAmong(databaseCalls, databaseWrites)) {
            await check(() => failDatabaseCall(step), `database call ${step} of ${databaseCalls.length} (${databaseCalls[step - 1]})`, false);
          }
        }
      },
      300_000,
    );
  });
}
