// The membership contract every store must pass: group membership as its own relation (ARCHITECTURE "Store
// notes"). Adds are idempotent, every call answers for exactly the members it names, tenants never see each other's
// rows, and a change to a 100,000-member group is a delta: the rows the store wrote are counted beside it
// (StoreUnderTest.rowsWritten), not taken from what the port reports.
// Pending changes (settle): a membership change recorded in the group's own write is applied in the order recorded,
// cleared, and applied once however often settle() runs; a recorded delete takes the memberships both ways and then
// the resource; a member deleted while a change naming it waited is never added back.
// A store's test file calls describeMembershipStoreContract with a factory; nothing here knows the database.
import { createUserMembershipBehaviour } from '../../src/resources/groups/user-groups-behaviour';
import { DEFAULT_SELECTION, parseAttributeSelection } from '../../src/scim/schema/attribute-selection';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { isBeingDeleted, type Member, type MembershipChange, type MembershipStore, type PendingChangeInput } from '../../src/store/membership-store';
import { GET_MANY_BATCH, type NewResource, type ResourceStore, type StoredResource } from '../../src/store/resource-store';
import type { StoreUnderTest } from './resource-store.contract';
import { tokenContext } from '../helpers/request-context';
import { filterBuilder } from './filter-builder';

const registry = loadBuiltinRegistry();
const groups = filterBuilder(registry, 'Group');
const T0 = '2024-05-01T00:00:00.000Z';

const user = (value: string, display?: string): Member => (display === undefined ? { value, type: 'User' } : { value, type: 'User', display });
const group = (value: string): Member => ({ value, type: 'Group' });
const values = (members: readonly Member[]) => members.map((member) => member.value);
const ids = (resources: readonly StoredResource[]) => resources.map((resource) => resource.id).sort();
/** Zero-padded ids, so that code-point order is numeric order. */
const memberId = (n: number) => `m-${String(n).padStart(6, '0')}`;

let changeCount = 0;
/** A change as a writer hands it to the store, with an id of its own. */
const recorded = (change: MembershipChange): PendingChangeInput => ({ id: `change-${++changeCount}`, change });
const delta = (add: readonly Member[], remove: readonly string[] = []): PendingChangeInput => recorded({ kind: 'delta', add, remove });
/** A user or group document to create, with pending changes recorded in it. */
export const newResource = (resourceType: 'User' | 'Group', id: string, pending: readonly PendingChangeInput[] = []): NewResource => ({
  resourceType,
  id,
  created: T0,
  attributes: resourceType === 'User' ? { userName: id } : { displayName: id },
  internal: {},
  ...(pending.length > 0 ? { pending } : {}),
});
/** Records `pending` on a resource with a write that changes no attribute. */
const mark = (resources: ResourceStore, resourceType: string, id: string, ...pending: PendingChangeInput[]) =>
  resources.mark('t1', resourceType, id, { lastModified: T0, pending });

export interface MembershipContractOptions {
  /**
   * Members of the large group (default 100,000). The in-memory MongoDB stand-in scans its documents for most
   * queries, so it runs the same steps on a smaller group: the size is for real databases, the delta for all.
   */
  readonly largeGroupSize?: number;
}

/** Filling and changing the large group takes a few seconds on a database, more on a loaded two-core machine. */
const LARGE_GROUP_TIMEOUT_MS = 120_000;

export function describeMembershipStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>, options: MembershipContractOptions = {}): void {
  describe(`${name}: membership contract`, () => {
    let subject: StoreUnderTest;
    let memberships: MembershipStore;

    beforeEach(async () => {
      subject = await makeStore();
      memberships = subject.store.memberships;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    describe('add and list', () => {
      it('adds members and lists them in member-id order with their type and display', async () => {
        expect(await memberships.add('t1', 'g1', [user('u-2', 'Bea'), group('g-9'), user('u-1')])).toBe(3);
        expect(await memberships.list('t1', 'g1', { limit: 10 })).toEqual([group('g-9'), user('u-1'), user('u-2', 'Bea')]);
      });

      it('is idempotent: a member already there is not added again and keeps its row', async () => {
        await memberships.add('t1', 'g1', [user('u-1', 'First')]);
        expect(await memberships.add('t1', 'g1', [user('u-1', 'Second'), user('u-2')])).toBe(1);
        expect(await memberships.add('t1', 'g1', [user('u-1'), user('u-2')])).toBe(0);
        expect(await memberships.list('t1', 'g1', { limit: 10 })).toEqual([user('u-1', 'First'), user('u-2')]);
      });

      it('counts a member repeated within one call once', async () => {
        expect(await memberships.add('t1', 'g1', [user('u-1'), user('u-1'), user('u-2')])).toBe(2);
        expect(values(await memberships.list('t1', 'g1', { limit: 10 }))).toEqual(['u-1', 'u-2']);
      });

      it('adds nothing for an empty list and lists nothing for an unknown group', async () => {
        expect(await memberships.add('t1', 'g1', [])).toBe(0);
        expect(await memberships.list('t1', 'g1', { limit: 10 })).toEqual([]);
      });

      it('pages with limit and afterMemberId, strictly after the given id', async () => {
        await memberships.add('t1', 'g1', [5, 3, 1, 4, 2].map((n) => user(memberId(n))));
        expect(values(await memberships.list('t1', 'g1', { limit: 2 }))).toEqual([memberId(1), memberId(2)]);
        expect(values(await memberships.list('t1', 'g1', { limit: 2, afterMemberId: memberId(2) }))).toEqual([memberId(3), memberId(4)]);
        expect(values(await memberships.list('t1', 'g1', { limit: 2, afterMemberId: memberId(4) }))).toEqual([memberId(5)]);
        // A position that is not itself a member still pages from where it would sort.
        expect(values(await memberships.list('t1', 'g1', { limit: 10, afterMemberId: 'm-0000025' }))).toEqual([memberId(3), memberId(4), memberId(5)]);
        expect(await memberships.list('t1', 'g1', { limit: 0 })).toEqual([]);
      });
    });

    describe('remove, replaceAll, has', () => {
      beforeEach(async () => {
        await memberships.add('t1', 'g1', [user('u-1'), user('u-2'), user('u-3'), group('g-2')]);
      });

      it('removes the named members only and says how many were members', async () => {
        expect(await memberships.remove('t1', 'g1', ['u-2', 'nobody', 'u-2'])).toBe(1);
        expect(values(await memberships.list('t1', 'g1', { limit: 10 }))).toEqual(['g-2', 'u-1', 'u-3']);
        expect(await memberships.remove('t1', 'g1', ['u-2'])).toBe(0);
        expect(await memberships.remove('t1', 'g1', [])).toBe(0);
      });

      it('replaces the whole member list, keeping the rows of members that stay', async () => {
        await memberships.replaceAll('t1', 'g1', [user('u-3', 'changed'), user('u-4', 'Dee'), group('g-3')]);
        // u-3 stayed: its row (without display) is kept as it was.
        expect(await memberships.list('t1', 'g1', { limit: 10 })).toEqual([group('g-3'), user('u-3'), user('u-4', 'Dee')]);
        await memberships.replaceAll('t1', 'g1', []);
        expect(await memberships.list('t1', 'g1', { limit: 10 })).toEqual([]);
      });

      it('says which of the given ids are direct members', async () => {
        expect(await memberships.has('t1', 'g1', ['u-1', 'u-9', 'g-2', 'g1'])).toEqual(new Set(['u-1', 'g-2']));
        expect(await memberships.has('t1', 'g1', [])).toEqual(new Set());
        expect(await memberships.has('t1', 'other', ['u-1'])).toEqual(new Set());
      });
    });

    describe('groupsOf and removeEverywhere', () => {
      beforeEach(async () => {
        await memberships.add('t1', 'g-a', [user('u-1'), user('u-2'), group('g-b')]);
        await memberships.add('t1', 'g-b', [user('u-1'), group('g-c')]);
        await memberships.add('t1', 'g-c', [user('u-3')]);
      });

      const sortEdges = (edges: readonly { memberId: string; groupId: string }[]) =>
        [...edges].sort((x, y) => `${x.memberId} ${x.groupId}`.localeCompare(`${y.memberId} ${y.groupId}`));

      it('lists the direct parents of each member', async () => {
        expect(sortEdges(await memberships.groupsOf('t1', ['u-1', 'g-b', 'u-9']))).toEqual([
          { memberId: 'g-b', groupId: 'g-a' },
          { memberId: 'u-1', groupId: 'g-a' },
          { memberId: 'u-1', groupId: 'g-b' },
        ]);
        expect(await memberships.groupsOf('t1', [])).toEqual([]);
        // One member, asked once or more: the same edges as in the batch form.
        expect(sortEdges(await memberships.groupsOf('t1', ['u-1', 'u-1']))).toEqual([
          { memberId: 'u-1', groupId: 'g-a' },
          { memberId: 'u-1', groupId: 'g-b' },
        ]);
        expect(await memberships.groupsOf('t1', ['g-c'])).toEqual([{ memberId: 'g-c', groupId: 'g-b' }]);
        expect(await memberships.groupsOf('t1', ['u-9'])).toEqual([]);
        expect(await memberships.groupsOf('t2', ['u-1'])).toEqual([]);
      });

      it('answers for every member of a long list, past the batch the store reads at once', async () => {
        // A member in the first, a middle and the last batch of GET_MANY_BATCH ids, among ids that are no member.
        const ids = Array.from({ length: 2 * GET_MANY_BATCH + 3 }, (_, index) => `x-${String(index).padStart(5, '0')}`);
        const picked = [ids[1], ids[GET_MANY_BATCH + 1], ids[ids.length - 1]];
        await memberships.add('t1', 'g-c', picked.map((id) => user(id)));
        const edges = sortEdges(await memberships.groupsOf('t1', [...ids, 'u-1', ids[1]]));
        expect(edges).toEqual(sortEdges([...picked.map((memberId) => ({ memberId, groupId: 'g-c' })), { memberId: 'u-1', groupId: 'g-a' }, { memberId: 'u-1', groupId: 'g-b' }]));
      });

      it('takes a deleted member out of every group', async () => {
        await memberships.removeEverywhere('t1', 'u-1');
        expect(await memberships.groupsOf('t1', ['u-1'])).toEqual([]);
        expect(values(await memberships.list('t1', 'g-a', { limit: 10 }))).toEqual(['g-b', 'u-2']);
        expect(values(await memberships.list('t1', 'g-b', { limit: 10 }))).toEqual(['g-c']);
      });

      it('empties a deleted group and takes it out of its parents', async () => {
        await memberships.removeEverywhere('t1', 'g-b');
        expect(await memberships.list('t1', 'g-b', { limit: 10 })).toEqual([]);
        expect(values(await memberships.list('t1', 'g-a', { limit: 10 }))).toEqual(['u-1', 'u-2']);
        expect(sortEdges(await memberships.groupsOf('t1', ['u-1', 'g-c']))).toEqual([{ memberId: 'u-1', groupId: 'g-a' }]);
        // Its former members are otherwise untouched.
        expect(values(await memberships.list('t1', 'g-c', { limit: 10 }))).toEqual(['u-3']);
      });
    });

    describe('groupsAbove (one member in one round trip), where the store answers it', () => {
      const BASE = 'https://scim.example.com/scim/v2';
      const context = tokenContext('t1');
      const compute = { selection: DEFAULT_SELECTION, baseUrl: BASE };
      const ref = (id: string) => `${BASE}/Groups/${id}`;

      beforeEach(async () => {
        const resources = subject.store.resources;
        const groupNamed = (id: string, displayName: unknown) => resources.create('t1', { ...newResource('Group', id), attributes: { displayName } });
        for (const [id, name] of [['g-a', 'A'], ['g-b', 'B'], ['g-c', 'C'], ['g-top', 'Top'], ['g-del', 'Deleted'], ['g-above-del', 'Above deleted']]) await groupNamed(id, name);
        await groupNamed('g-odd', 7);
        await resources.create('t1', newResource('User', 'u-1'));
        await resources.create('t1', newResource('User', 'not-a-group'));
        // u-1: direct in g-b, g-gone (no document), g-del (being deleted), g-odd and a User id; g-a above g-b and above
        // g-c, g-c above g-a (a cycle), g-top above g-gone, g-above-del above g-del.
        await memberships.add('t1', 'g-b', [user('u-1')]);
        await memberships.add('t1', 'g-a', [group('g-b'), group('g-c')]);
        await memberships.add('t1', 'g-c', [group('g-a')]);
        await memberships.add('t1', 'g-gone', [user('u-1')]);
        await memberships.add('t1', 'g-top', [group('g-gone')]);
        await memberships.add('t1', 'g-del', [user('u-1')]);
        await memberships.add('t1', 'g-above-del', [group('g-del')]);
        await memberships.add('t1', 'g-odd', [user('u-1')]);
        await memberships.add('t1', 'not-a-group', [user('u-1')]);
        // u-2: no nesting above it (one level answers), in a live group, a gone one, one being deleted and one without a name.
        await resources.create('t1', newResource('User', 'u-2'));
        await groupNamed('g-del-top', 'Deleted top');
        for (const id of ['g-top', 'g-nowhere', 'g-del-top', 'g-odd']) await memberships.add('t1', id, [user('u-2')]);
        await mark(resources, 'Group', 'g-del', recorded({ kind: 'delete' }));
        await mark(resources, 'Group', 'g-del-top', recorded({ kind: 'delete' }));
        // Another tenant's rows for the same ids never show.
        await memberships.add('t2', 'g-x', [user('u-1')]);
      });

      it('answers every edge above the member, with the groups that exist, their displayName and whether they are being deleted', async () => {
        if (!memberships.groupsAbove) return;
        const above = await memberships.groupsAbove('t1', 'u-1', 'Group');
        const sortEdges = (edges: readonly { memberId: string; groupId: string }[]) => edges.map((edge) => `${edge.memberId}>${edge.groupId}`).sort();
        expect(sortEdges(above.edges)).toEqual(
          ['g-a>g-c', 'g-b>g-a', 'g-c>g-a', 'g-del>g-above-del', 'g-gone>g-top', 'u-1>g-b', 'u-1>g-del', 'u-1>g-gone', 'u-1>g-odd', 'u-1>not-a-group'].sort(),
        );
        expect([...above.groups].sort((x, y) => x.id.localeCompare(y.id))).toEqual([
          { id: 'g-a', displayName: 'A', beingDeleted: false },
          { id: 'g-above-del', displayName: 'Above deleted', beingDeleted: false },
          { id: 'g-b', displayName: 'B', beingDeleted: false },
          { id: 'g-c', displayName: 'C', beingDeleted: false },
          { id: 'g-del', displayName: 'Deleted', beingDeleted: true },
          { id: 'g-odd', beingDeleted: false },
          { id: 'g-top', displayName: 'Top', beingDeleted: false },
        ]);
        const direct = await memberships.groupsAbove('t1', 'u-2', 'Group');
        expect(sortEdges(direct.edges)).toEqual(['u-2>g-del-top', 'u-2>g-nowhere', 'u-2>g-odd', 'u-2>g-top']);
        expect([...direct.groups].sort((x, y) => x.id.localeCompare(y.id))).toEqual([
          { id: 'g-del-top', displayName: 'Deleted top', beingDeleted: true },
          { id: 'g-odd', beingDeleted: false },
          { id: 'g-top', displayName: 'Top', beingDeleted: false },
        ]);
        expect(await memberships.groupsAbove('t1', 'u-9', 'Group')).toEqual({ edges: [], groups: [] });
        expect(await memberships.groupsAbove('t2', 'u-1', 'Group')).toEqual({ edges: [{ memberId: 'u-1', groupId: 'g-x' }], groups: [] });
      });

      it("gives a user's `groups` exactly as the level-by-level path does: nested, gone and being-deleted groups alike", async () => {
        const behaviour = createUserMembershipBehaviour({ registry, memberships, resources: subject.store.resources });
        const expected = {
          groups: [
            { value: 'g-a', $ref: ref('g-a'), display: 'A', type: 'indirect' },
            { value: 'g-b', $ref: ref('g-b'), display: 'B', type: 'direct' },
            { value: 'g-c', $ref: ref('g-c'), display: 'C', type: 'indirect' },
            { value: 'g-odd', $ref: ref('g-odd'), type: 'direct' },
          ],
        };
        // computedAttributes takes groupsAbove when the store has it; a page (here of one) always walks level by level.
        expect(await behaviour.computedAttributes(context, 'u-1', compute)).toEqual(expected);
        expect((await behaviour.computedAttributesOfPage(context, ['u-1'], compute)).get('u-1')).toEqual(expected);
        const direct = {
          groups: [
            { value: 'g-odd', $ref: ref('g-odd'), type: 'direct' },
            { value: 'g-top', $ref: ref('g-top'), display: 'Top', type: 'direct' },
          ],
        };
        expect(await behaviour.computedAttributes(context, 'u-2', compute)).toEqual(direct);
        expect((await behaviour.computedAttributesOfPage(context, ['u-2'], compute)).get('u-2')).toEqual(direct);
        expect(await behaviour.computedAttributes(tokenContext('t1'), 'u-9', compute)).toEqual({});
        const withoutGroups = { ...compute, selection: parseAttributeSelection(registry, registry.resourceType('User')!, { excludedAttributes: 'groups' }) };
        expect(await behaviour.computedAttributes(context, 'u-1', withoutGroups)).toEqual({});
      });
    });

    describe('tenant isolation', () => {
      beforeEach(async () => {
        await memberships.add('t1', 'g1', [user('u-1'), user('u-2')]);
        await memberships.add('t2', 'g1', [user('u-1'), user('u-9')]);
      });

      it('keeps the same group and member ids apart per tenant', async () => {
        expect(values(await memberships.list('t1', 'g1', { limit: 10 }))).toEqual(['u-1', 'u-2']);
        expect(values(await memberships.list('t2', 'g1', { limit: 10 }))).toEqual(['u-1', 'u-9']);
        expect(await memberships.has('t2', 'g1', ['u-2'])).toEqual(new Set());
        expect(await memberships.groupsOf('t3', ['u-1'])).toEqual([]);
        expect(await memberships.list('t3', 'g1', { limit: 10 })).toEqual([]);
      });

      it('changes one tenant only', async () => {
        expect(await memberships.remove('t2', 'g1', ['u-1', 'u-2'])).toBe(1);
        await memberships.removeEverywhere('t2', 'u-9');
        await memberships.replaceAll('t2', 'g1', [user('u-5')]);
        expect(values(await memberships.list('t1', 'g1', { limit: 10 }))).toEqual(['u-1', 'u-2']);
        await memberships.removeEverywhere('t1', 'g1');
        expect(values(await memberships.list('t2', 'g1', { limit: 10 }))).toEqual(['u-5']);
      });
    });

    describe('the members.value filter on groups', () => {
      const newGroup = (id: string, displayName: string) =>
        subject.store.resources.create('t1', { resourceType: 'Group', id, created: T0, attributes: { displayName }, internal: {} });
      const listGroups = async (tenantId: string, filter: ReturnType<typeof groups.eq>) =>
        ids((await subject.store.resources.list(tenantId, { resourceType: 'Group', filter, page: { kind: 'index', startIndex: 1, count: 100 } })).resources);

      beforeEach(async () => {
        await newGroup('g-a', 'Alpha');
        await newGroup('g-b', 'Beta');
        await newGroup('g-c', 'Gamma');
        await memberships.add('t1', 'g-a', [user('u-1'), group('g-b')]);
        await memberships.add('t1', 'g-b', [user('u-1', 'Uno'), user('u-2')]);
        await memberships.add('t2', 'g-c', [user('u-1')]);
      });

      it('finds the groups a member belongs to directly, in this tenant only', async () => {
        expect(await listGroups('t1', groups.eq('members.value', 'u-1'))).toEqual(['g-a', 'g-b']);
        expect(await listGroups('t1', groups.eq('members.value', 'g-b'))).toEqual(['g-a']);
        expect(await listGroups('t1', groups.eq('members.value', 'u-9'))).toEqual([]);
        expect(await listGroups('t1', groups.where('members', (m) => m.eq('value', 'u-2')))).toEqual(['g-b']);
      });

      it('combines with other conditions and other operators', async () => {
        expect(await listGroups('t1', groups.and(groups.eq('members.value', 'u-1'), groups.sw('displayName', 'b')))).toEqual(['g-b']);
        expect(await listGroups('t1', groups.or(groups.eq('members.value', 'u-2'), groups.eq('displayName', 'gamma')))).toEqual(['g-b', 'g-c']);
        expect(await listGroups('t1', groups.not(groups.eq('members.value', 'u-1')))).toEqual(['g-c']);
        expect(await listGroups('t1', groups.pr('members'))).toEqual(['g-a', 'g-b']);
        expect(await listGroups('t1', groups.sw('members.value', 'g-'))).toEqual(['g-a']);
        expect(await listGroups('t1', groups.eq('members.type', 'group'))).toEqual(['g-a']);
        expect(await listGroups('t1', groups.eq('members.display', 'UNO'))).toEqual(['g-b']);
        expect(await listGroups('t1', groups.where('members', (m) => m.and(m.eq('type', 'User'), m.eq('value', 'u-2'))))).toEqual(['g-b']);
        expect(await listGroups('t1', groups.where('members', (m) => m.and(m.eq('type', 'Group'), m.eq('value', 'u-2'))))).toEqual([]);
      });
    });

    describe('pending changes: settle', () => {
      let resources: ResourceStore;

      beforeEach(async () => {
        resources = subject.store.resources;
        for (const id of ['u-1', 'u-2', 'u-3']) await resources.create('t1', newResource('User', id));
      });

      const membersOf = async (groupId: string) => values(await memberships.list('t1', groupId, { limit: 100 }));

      it('applies a change recorded with a create, clears it, and finds nothing left to do the next time', async () => {
        const created = await resources.create('t1', newResource('Group', 'g', [delta([user('u-1', 'One'), user('u-2')])]));
        expect(created.pending).toEqual([{ id: expect.any(String), stamp: 1, change: { kind: 'delta', add: [user('u-1', 'One'), user('u-2')], remove: [] } }]);
        // Recorded, not applied: the rows are settle's to write.
        expect(await membersOf('g')).toEqual([]);
        expect(await memberships.unsettled('t1')).toEqual([{ resourceType: 'Group', id: 'g' }]);

        await memberships.settle('t1', 'Group', 'g');
        expect(await memberships.list('t1', 'g', { limit: 10 })).toEqual([user('u-1', 'One'), user('u-2')]);
        expect((await resources.get('t1', 'Group', 'g'))?.pending).toBeUndefined();
        expect(await memberships.unsettled('t1')).toEqual([]);

        await memberships.settle('t1', 'Group', 'g');
        await memberships.settle('t1', 'Group', 'nobody');
        expect(await memberships.list('t1', 'g', { limit: 10 })).toEqual([user('u-1', 'One'), user('u-2')]);
      });

      it('stamps a change with the version of the write that records it: replace, and mark with or without an expected version', async () => {
        await resources.create('t1', newResource('Group', 'g'));
        const replaced = await resources.replace('t1', 'Group', 'g', { lastModified: T0, attributes: { displayName: 'G' }, internal: {}, pending: [delta([user('u-1')])] }, 1);
        expect(replaced).toMatchObject({ version: 2, attributes: { displayName: 'G' }, pending: [{ stamp: 2 }] });
        const marked = await mark(resources, 'Group', 'g', delta([user('u-2')]));
        expect(marked).toMatchObject({ version: 3, attributes: { displayName: 'G' } });
        expect(marked.pending?.map((pending) => pending.stamp)).toEqual([2, 3]);
        const conditional = await resources.mark('t1', 'Group', 'g', { lastModified: T0, pending: [delta([user('u-3')])] }, 3);
        expect(conditional.pending?.map((pending) => pending.stamp)).toEqual([2, 3, 4]);
        await expect(resources.mark('t1', 'Group', 'g', { lastModified: T0, pending: [delta([])] }, 3)).rejects.toMatchObject({ code: 'version_mismatch' });
        await expect(mark(resources, 'Group', 'missing', delta([]))).rejects.toMatchObject({ code: 'not_found' });
        await memberships.settle('t1', 'Group', 'g');
        expect(await membersOf('g')).toEqual(['u-1', 'u-2', 'u-3']);
      });

      it('keeps lastModified from moving back when a mark carries an earlier one', async () => {
        await resources.create('t1', newResource('Group', 'g'));
        await resources.mark('t1', 'Group', 'g', { lastModified: '2024-06-01T00:00:00.000Z', pending: [delta([])] });
        const earlier = await resources.mark('t1', 'Group', 'g', { lastModified: '2024-05-15T00:00:00.000Z', pending: [delta([])] });
        expect(earlier.lastModified).toBe('2024-06-01T00:00:00.000Z');
      });

      it('applies the changes in the order they were recorded', async () => {
        await resources.create('t1', newResource('Group', 'g', [delta([user('u-1')])]));
        await mark(resources, 'Group', 'g', delta([user('u-2')]));
        await mark(resources, 'Group', 'g', delta([], ['u-2']));
        await mark(resources, 'Group', 'g', recorded({ kind: 'replace', members: [user('u-3'), user('u-1')] }));
        await mark(resources, 'Group', 'g', delta([], ['u-1']), delta([user('u-2')]));
        await memberships.settle('t1', 'Group', 'g');
        expect(await membersOf('g')).toEqual(['u-2', 'u-3']);
        // Removed, then added again: the later change wins.
        await mark(resources, 'Group', 'g', delta([], ['u-3']));
        await mark(resources, 'Group', 'g', delta([user('u-3')]));
        await memberships.settle('t1', 'Group', 'g');
        expect(await membersOf('g')).toEqual(['u-2', 'u-3']);
      });

      it('gives the same result when settles of one group run at the same time', async () => {
        await resources.create('t1', newResource('Group', 'g', [delta([user('u-1'), user('u-2')])]));
        await mark(resources, 'Group', 'g', delta([user('u-3')], ['u-1']));
        await Promise.all([memberships.settle('t1', 'Group', 'g'), memberships.settle('t1', 'Group', 'g'), memberships.settle('t1', 'Group', 'g')]);
        expect(await membersOf('g')).toEqual(['u-2', 'u-3']);
        expect(await memberships.unsettled('t1')).toEqual([]);
      });

      it('settles a recorded delete: the memberships go both ways, then the resource', async () => {
        await resources.create('t1', newResource('Group', 'parent'));
        await resources.create('t1', newResource('Group', 'g'));
        await memberships.add('t1', 'parent', [group('g'), user('u-2')]);
        await memberships.add('t1', 'g', [user('u-1'), user('u-2')]);
        const tombstone = await mark(resources, 'Group', 'g', recorded({ kind: 'delete' }));
        expect(isBeingDeleted(tombstone)).toBe(true);
        expect(await memberships.unsettled('t1')).toEqual([{ resourceType: 'Group', id: 'g' }]);

        await memberships.settle('t1', 'Group', 'g');
        expect(await resources.get('t1', 'Group', 'g')).toBeNull();
        expect(await membersOf('parent')).toEqual(['u-2']);
        expect(await membersOf('g')).toEqual([]);
        expect(await memberships.groupsOf('t1', ['u-1', 'u-2', 'g'])).toEqual([{ memberId: 'u-2', groupId: 'parent' }]);
        expect(await memberships.unsettled('t1')).toEqual([]);
        await memberships.settle('t1', 'Group', 'g');
        expect(await resources.get('t1', 'Group', 'g')).toBeNull();
      });

      it('never adds back a member deleted while a change naming it was pending', async () => {
        // The member's delete is settled before the group's change.
        await resources.create('t1', newResource('Group', 'g', [delta([user('u-1'), user('u-2')])]));
        await mark(resources, 'User', 'u-1', recorded({ kind: 'delete' }));
        await memberships.settle('t1', 'User', 'u-1');
        await memberships.settle('t1', 'Group', 'g');
        expect(await membersOf('g')).toEqual(['u-2']);
        // The member's delete is recorded, and not settled yet, when the group's change is.
        await mark(resources, 'Group', 'g', recorded({ kind: 'replace', members: [user('u-2'), user('u-3')] }));
        await mark(resources, 'User', 'u-3', recorded({ kind: 'delete' }));
        await memberships.settle('t1', 'Group', 'g');
        await memberships.settle('t1', 'User', 'u-3');
        expect(await membersOf('g')).toEqual(['u-2']);
        expect(await memberships.groupsOf('t1', ['u-1', 'u-3'])).toEqual([]);
      });

      it('keeps each tenant to its own pending changes', async () => {
        await resources.create('t2', newResource('Group', 'g', [delta([user('u-1')])]));
        expect(await memberships.unsettled('t1')).toEqual([]);
        await memberships.settle('t1', 'Group', 'g');
        expect((await resources.get('t2', 'Group', 'g'))?.pending).toHaveLength(1);
        expect(await memberships.unsettled('t2')).toEqual([{ resourceType: 'Group', id: 'g' }]);
      });
    });

    describe('a large group', () => {
      const SIZE = options.largeGroupSize ?? 100_000;
      const BATCH = Math.min(10_000, SIZE);

      /** What a call returned, and how many rows the store wrote meanwhile. */
      const counted = async <T>(call: () => Promise<T>): Promise<{ result: T; rowsWritten: number }> => {
        const rowsWritten = subject.rowsWritten;
        if (!rowsWritten) throw new Error(`the ${name} factory must count the rows its store writes (StoreUnderTest.rowsWritten)`);
        const before = await rowsWritten();
        const result = await call();
        return { result, rowsWritten: (await rowsWritten()) - before };
      };

      it(
        `adds, removes and replaces members of a ${SIZE.toLocaleString('en')}-member group as a delta of the rows that change`,
        async () => {
          for (let start = 0; start < SIZE; start += BATCH) {
            const batch = Array.from({ length: BATCH }, (_, offset) => user(memberId(start + offset)));
            expect(await counted(() => memberships.add('t1', 'big', batch))).toEqual({ result: BATCH, rowsWritten: BATCH });
          }
          const last = memberId(SIZE - 1);
          const middle = memberId(Math.floor(SIZE / 2));
          // One new member: one row, whatever the group's size.
          expect(await counted(() => memberships.add('t1', 'big', [user('new-member')]))).toEqual({ result: 1, rowsWritten: 1 });
          // Members already there, even with another display: nothing written, their rows kept.
          expect(await counted(() => memberships.add('t1', 'big', [user('new-member'), user(last, 'Renamed')]))).toEqual({ result: 0, rowsWritten: 0 });
          expect(await memberships.list('t1', 'big', { limit: 1, afterMemberId: memberId(SIZE - 2) })).toEqual([user(last)]);
          expect(await memberships.has('t1', 'big', ['new-member', last, memberId(SIZE)])).toEqual(new Set(['new-member', last]));
          // One member out: one row.
          expect(await counted(() => memberships.remove('t1', 'big', [middle]))).toEqual({ result: 1, rowsWritten: 1 });
          expect(await memberships.has('t1', 'big', [middle, memberId(Math.floor(SIZE / 2) + 1)])).toEqual(new Set([memberId(Math.floor(SIZE / 2) + 1)]));
          // The whole list again, but for the first member and with one more (a PUT of the group): two rows.
          const everyone = await memberships.list('t1', 'big', { limit: SIZE + 10 });
          expect(everyone).toHaveLength(SIZE);
          const replacement = [...everyone.filter((member) => member.value !== memberId(0)), user('newest')];
          expect(await counted(() => memberships.replaceAll('t1', 'big', replacement))).toEqual({ result: undefined, rowsWritten: 2 });
          expect(await memberships.has('t1', 'big', [memberId(0), 'newest', memberId(1)])).toEqual(new Set(['newest', memberId(1)]));
          expect(await memberships.groupsOf('t1', [memberId(1)])).toEqual([{ memberId: memberId(1), groupId: 'big' }]);
          // The same through the group's document (how the server changes members): settling a one-member change
          // writes that member's row and clears the change, whatever the group's size.
          const resources = subject.store.resources;
          await resources.create('t1', newResource('Group', 'big'));
          await resources.create('t1', newResource('User', 'settled'));
          await mark(resources, 'Group', 'big', delta([user('settled')]));
          expect(await counted(() => memberships.settle('t1', 'Group', 'big'))).toEqual({ result: undefined, rowsWritten: 2 });
          await mark(resources, 'Group', 'big', delta([], [memberId(2)]));
          expect(await counted(() => memberships.settle('t1', 'Group', 'big'))).toEqual({ result: undefined, rowsWritten: 2 });
          expect(await memberships.has('t1', 'big', ['settled', memberId(2), memberId(3)])).toEqual(new Set(['settled', memberId(3)]));
          await memberships.remove('t1', 'big', ['settled']);
          await memberships.add('t1', 'big', [user(memberId(2))]);
          // Deleting the group removes every row, and only those.
          expect(await counted(() => memberships.removeEverywhere('t1', 'big'))).toEqual({ result: undefined, rowsWritten: SIZE });
          expect(await memberships.list('t1', 'big', { limit: 1 })).toEqual([]);
        },
        LARGE_GROUP_TIMEOUT_MS,
      );
    });
  });
}
