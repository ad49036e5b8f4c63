import { groupsContaining, groupsContainingEach } from '../../../../src/resources/groups/group-ancestry';
import { fakeMemberships } from './fake-membership';

const T = 'tenant-1';

describe('groupsContainingEach', () => {
  it('gives every member the same direct and indirect groups as walking one member at a time, in one call per level', async () => {
    const memberships = fakeMemberships();
    // u1 ∈ engineering ∈ staff ∈ everyone; u2 ∈ staff and ∈ everyone directly; u3 in nothing; ops ∈ staff.
    await memberships.add(T, 'engineering', [{ value: 'u1', type: 'User' }]);
    await memberships.add(T, 'staff', [{ value: 'engineering', type: 'Group' }, { value: 'u2', type: 'User' }, { value: 'ops', type: 'Group' }]);
    await memberships.add(T, 'everyone', [{ value: 'staff', type: 'Group' }, { value: 'u2', type: 'User' }]);
    await memberships.add(T, 'ops', [{ value: 'u1', type: 'User' }]);
    await memberships.add('other-tenant', 'engineering', [{ value: 'u3', type: 'User' }]);

    const before = memberships.calls.length;
    const each = await groupsContainingEach(memberships, T, ['u1', 'u2', 'u3']);
    const batchCalls = memberships.calls.slice(before).map((call) => call.method);
    // The users' groups, then those groups' parents: every group is already known after that level.
    expect(batchCalls).toEqual(['groupsOf', 'groupsOf']);

    expect(Object.fromEntries(each.get('u1')!)).toEqual({ engineering: 'direct', ops: 'direct', staff: 'indirect', everyone: 'indirect' });
    expect(Object.fromEntries(each.get('u2')!)).toEqual({ staff: 'direct', everyone: 'direct' });
    expect(each.get('u3')!.size).toBe(0);
    for (const id of ['u1', 'u2', 'u3']) {
      expect(each.get(id)).toEqual(await groupsContaining(memberships, T, id));
    }
  });
});
