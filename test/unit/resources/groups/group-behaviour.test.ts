// The Group and User membership behaviours: members taken out of the document and planned as a pending change (the
// service records it with the group's write and settles it), read back only when the response needs them (capped),
// User.groups direct and indirect.
import { DEFAULT_SELECTION, parseAttributeSelection } from '../../../../src/scim/schema/attribute-selection';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { createGroupBehaviour } from '../../../../src/resources/groups/group-behaviour';
import type { MembershipDeps } from '../../../../src/resources/groups/membership-deps';
import { createUserMembershipBehaviour } from '../../../../src/resources/groups/user-groups-behaviour';
import { tokenContext } from '../../../helpers/request-context';
import { applyChanges, fakeMemberships, fakeResources, type FakeMemberships, type FakeResources } from './fake-membership';

const registry = loadBuiltinRegistry();
const groupType = registry.resourceType('Group')!;
const userType = registry.resourceType('User')!;
const T = 't1';
const C = tokenContext(T);
const BASE = 'https://scim.example.com/scim/v2';

let memberships: FakeMemberships;
let resources: FakeResources;
let deps: MembershipDeps;

beforeEach(() => {
  memberships = fakeMemberships();
  resources = fakeResources([
      { tenantId: T, resourceType: 'User', id: 'u1', attributes: { userName: 'one' } },
      { tenantId: T, resourceType: 'User', id: 'u2', attributes: { userName: 'two' } },
      { tenantId: T, resourceType: 'User', id: 'u3', attributes: { userName: 'three' } },
      { tenantId: T, resourceType: 'Group', id: 'inner', attributes: { displayName: 'Inner' } },
      { tenantId: T, resourceType: 'Group', id: 'outer', attributes: { displayName: 'Outer' } },
  ]);
  deps = { registry, memberships, maxMembersReturned: 2, resources };
});

describe('createGroupBehaviour', () => {
  it('reads the members in batches: one read of Users, one of Groups for the rest, however many members', async () => {
    const members = [{ value: 'u3' }, { value: 'inner', type: 'Group' }, { value: 'u1' }, { value: 'u2' }, { value: 'outer' }, { value: 'u1' }];
    const plan = await createGroupBehaviour(deps).planRelationWrite!(C, 'new', { displayName: 'New', members });
    await plan.commit();
    await applyChanges(memberships, T, 'new', plan.pending);
    expect(resources.reads).toEqual([
      { resourceType: 'User', ids: ['u3', 'inner', 'u1', 'u2', 'outer'] },
      { resourceType: 'Group', ids: ['inner', 'outer'] },
    ]);
    expect((await memberships.list(T, 'new', { limit: 10 })).map((member) => `${member.type}:${member.value}`)).toEqual([
      'Group:inner',
      'Group:outer',
      'User:u1',
      'User:u2',
      'User:u3',
    ]);
  });

  it('names every unknown member in one error, and refuses a member of the wrong type, before writing', async () => {
    const behaviour = createGroupBehaviour(deps);
    await expect(behaviour.planRelationWrite!(C, 'new', { displayName: 'New', members: [{ value: 'u1' }, { value: 'ghost' }, { value: 'nobody' }] })).rejects.toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail: expect.stringContaining("no User or Group with id 'ghost', 'nobody' exists in this tenant"),
    });
    await expect(behaviour.planRelationWrite!(C, 'new', { displayName: 'New', members: [{ value: 'u1', type: 'Group' }] })).rejects.toMatchObject({
      detail: expect.stringContaining("member 'u1' is a User, not a Group"),
    });
    expect(memberships.calls.filter((call) => call.method === 'add')).toEqual([]);
  });

  it('takes members out of a new document and plans their addition as a pending change', async () => {
    const behaviour = createGroupBehaviour(deps);
    const plan = await behaviour.planRelationWrite!(C, 'new', { displayName: 'New', members: [{ value: 'u1' }, { value: 'inner', type: 'Group' }] });
    expect(plan.attributes).toEqual({ displayName: 'New' });
    expect(plan.pending).toEqual([
      {
        kind: 'delta',
        add: [
          { value: 'u1', type: 'User', display: 'one' },
          { value: 'inner', type: 'Group', display: 'Inner' },
        ],
        remove: [],
      },
    ]);
    await plan.commit();
    expect(memberships.calls.filter((call) => call.method === 'add')).toEqual([]);
    await applyChanges(memberships, T, 'new', plan.pending);
    expect(await memberships.list(T, 'new', { limit: 10 })).toEqual([
      { value: 'inner', type: 'Group', display: 'Inner' },
      { value: 'u1', type: 'User', display: 'one' },
    ]);
  });

  it('replaces the members on a replace and rejects a cycle before writing', async () => {
    const behaviour = createGroupBehaviour(deps);
    await memberships.add(T, 'outer', [{ value: 'inner', type: 'Group' }]);
    await expect(behaviour.planRelationWrite!(C, 'inner', { displayName: 'Inner', members: [{ value: 'outer' }] }, { displayName: 'Inner' })).rejects.toMatchObject({
      status: 400,
      scimType: 'invalidValue',
    });
    const plan = await behaviour.planRelationWrite!(C, 'outer', { displayName: 'Outer' }, { displayName: 'Outer' });
    expect(plan.pending).toEqual([{ kind: 'replace', members: [] }]);
  });

  it('returns members capped at maxMembersReturned, in member-id order, with absolute $ref', async () => {
    await memberships.add(T, 'outer', ['u3', 'u1', 'u2'].map((value) => ({ value, type: 'User' as const, display: value })));
    const computed = await createGroupBehaviour(deps).computedAttributes!(C, 'outer', { selection: DEFAULT_SELECTION, baseUrl: BASE });
    expect(computed).toEqual({
      members: [
        { value: 'u1', $ref: `${BASE}/Users/u1`, display: 'u1', type: 'User' },
        { value: 'u2', $ref: `${BASE}/Users/u2`, display: 'u2', type: 'User' },
      ],
    });
  });

  it('reads no membership when the selection leaves members out', async () => {
    await memberships.add(T, 'outer', [{ value: 'u1', type: 'User' }]);
    memberships.calls.length = 0;
    const behaviour = createGroupBehaviour(deps);
    for (const params of [{ excludedAttributes: 'members' }, { attributes: 'displayName' }, { attributes: 'externalId,meta' }]) {
      const selection = parseAttributeSelection(registry, groupType, params);
      expect(await behaviour.computedAttributes!(C, 'outer', { selection, baseUrl: BASE })).toEqual({});
    }
    expect(memberships.calls).toEqual([]);
    const subOnly = parseAttributeSelection(registry, groupType, { attributes: 'members.value' });
    expect(await behaviour.computedAttributes!(C, 'outer', { selection: subOnly, baseUrl: BASE })).toMatchObject({ members: [{ value: 'u1' }] });
  });

  it('leaves a delete to the service: no afterDelete hook (the delete is recorded and settled)', () => {
    expect(createGroupBehaviour(deps).afterDelete).toBeUndefined();
    expect('afterDelete' in createUserMembershipBehaviour(deps)).toBe(false);
  });
});

describe('createUserMembershipBehaviour', () => {
  it('computes direct and indirect groups, and survives a cycle in the data', async () => {
    await memberships.add(T, 'inner', [{ value: 'u1', type: 'User' }]);
    await memberships.add(T, 'outer', [{ value: 'inner', type: 'Group' }]);
    // A cycle written behind the service's back (e.g. two concurrent PATCHes) must not loop.
    await memberships.add(T, 'inner', [{ value: 'outer', type: 'Group' }]);
    const computed = await createUserMembershipBehaviour(deps).computedAttributes(C, 'u1', { selection: DEFAULT_SELECTION, baseUrl: BASE });
    // The groups' names come from one batched read.
    expect(resources.reads).toEqual([{ resourceType: 'Group', ids: ['inner', 'outer'] }]);
    expect(computed).toEqual({
      groups: [
        { value: 'inner', $ref: `${BASE}/Groups/inner`, display: 'Inner', type: 'direct' },
        { value: 'outer', $ref: `${BASE}/Groups/outer`, display: 'Outer', type: 'indirect' },
      ],
    });
  });

  it('reads nothing when groups are not returned', async () => {
    await memberships.add(T, 'inner', [{ value: 'u1', type: 'User' }]);
    memberships.calls.length = 0;
    const behaviour = createUserMembershipBehaviour(deps);
    const selection = parseAttributeSelection(registry, userType, { excludedAttributes: 'groups' });
    expect(await behaviour.computedAttributes(C, 'u1', { selection, baseUrl: BASE })).toEqual({});
    expect(memberships.calls).toEqual([]);
  });
});
