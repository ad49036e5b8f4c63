// settle() on the MongoDB store runs in steps, so two settles of one group can overlap, and one can be late: it read a
// pending change, then waited (a slow network, a paused process) while another settle applied that change and newer
// ones. Its writes must then change nothing (mongo-membership-store.ts: last-writer-wins on the change's stamp,
// tombstones for removed members). The stand-in holds the late settle's write while the others run, then lets it go.
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import type { MembershipChange, PendingChangeInput } from '../../../../src/store/membership-store';
import { mongoStoreOn, type MongoStore } from '../../../../src/store/mongo/mongo-store';
import { newResource } from '../../../contract/membership-store.contract';
import { createMingoDb, type MingoDbControls } from './mingo-db';

const registry = loadBuiltinRegistry();
const T0 = '2024-05-01T00:00:00.000Z';
let changes = 0;
const recorded = (change: MembershipChange): PendingChangeInput => ({ id: `change-${++changes}`, change });
const user = (value: string) => ({ value, type: 'User' as const });
const resource = newResource;

let store: MongoStore;
let controls: MingoDbControls;

beforeEach(async () => {
  const mingo = createMingoDb();
  controls = mingo.controls;
  store = mongoStoreOn({ db: mingo.db, registry, close: async () => undefined });
  await store.prepare();
  for (const id of ['u-1', 'u-2']) await store.resources.create('t1', resource('User', id));
});

const membersOf = async (groupId: string) => (await store.memberships.list('t1', groupId, { limit: 10 })).map((member) => member.value);
const mark = (resourceType: string, id: string, change: MembershipChange) => store.resources.mark('t1', resourceType, id, { lastModified: T0, pending: [recorded(change)] });

/** Starts a settle of the group and holds its first membership write; resolves once it is held. */
async function lateSettle(groupId: string): Promise<{ finish: () => Promise<void> }> {
  const hold = controls.holdNext('bulkWrite');
  const settling = store.memberships.settle('t1', 'Group', groupId);
  await hold.reached;
  return {
    finish: async () => {
      hold.release();
      await settling;
    },
  };
}

describe('a late settle on the MongoDB store', () => {
  it('does not bring back a member that a newer change removed', async () => {
    await store.resources.create('t1', resource('Group', 'g', [recorded({ kind: 'delta', add: [user('u-1')], remove: [] })]));
    const late = await lateSettle('g');
    // Meanwhile: the add is settled by someone else, then the member removed and that settled too.
    await store.memberships.settle('t1', 'Group', 'g');
    await mark('Group', 'g', { kind: 'delta', add: [], remove: ['u-1'] });
    await store.memberships.settle('t1', 'Group', 'g');
    expect(await membersOf('g')).toEqual([]);
    await late.finish();
    expect(await membersOf('g')).toEqual([]);
    expect(await store.memberships.has('t1', 'g', ['u-1'])).toEqual(new Set());
  });

  it('does not take away a member that a newer change added back', async () => {
    await store.resources.create('t1', resource('Group', 'g'));
    await store.memberships.add('t1', 'g', [user('u-1')]);
    await mark('Group', 'g', { kind: 'replace', members: [user('u-2')] });
    const late = await lateSettle('g');
    await store.memberships.settle('t1', 'Group', 'g');
    await mark('Group', 'g', { kind: 'delta', add: [user('u-1')], remove: [] });
    await store.memberships.settle('t1', 'Group', 'g');
    expect(await membersOf('g')).toEqual(['u-1', 'u-2']);
    await late.finish();
    expect(await membersOf('g')).toEqual(['u-1', 'u-2']);
  });

  it('does not add a member deleted after the add was applied', async () => {
    await store.resources.create('t1', resource('Group', 'g', [recorded({ kind: 'delta', add: [user('u-1'), user('u-2')], remove: [] })]));
    const late = await lateSettle('g');
    await store.memberships.settle('t1', 'Group', 'g');
    await mark('User', 'u-1', { kind: 'delete' });
    await store.memberships.settle('t1', 'User', 'u-1');
    expect(await membersOf('g')).toEqual(['u-2']);
    await late.finish();
    expect(await membersOf('g')).toEqual(['u-2']);
    expect(await store.memberships.groupsOf('t1', ['u-1'])).toEqual([]);
  });

  it('does not add a member whose delete was settled before the add was written at all', async () => {
    await store.resources.create('t1', resource('Group', 'g', [recorded({ kind: 'delta', add: [user('u-1'), user('u-2')], remove: [] })]));
    const late = await lateSettle('g');
    // The member is deleted while no row of it exists yet: its delete finds nothing to tombstone.
    await mark('User', 'u-1', { kind: 'delete' });
    await store.memberships.settle('t1', 'User', 'u-1');
    await late.finish();
    // The add re-checked its members after writing them, and took back the one that is gone.
    expect(await membersOf('g')).toEqual(['u-2']);
    expect(await store.memberships.groupsOf('t1', ['u-1'])).toEqual([]);
  });
});
