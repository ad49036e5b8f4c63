// PATCH planning on Group.members: operations folded into a delta, checked before any write, and returned as one
// pending change (recorded with the group's write and settled by the service) that names only the members changed.
import { cliContext } from '../../../../src/auth/request-context';
import { ScimError } from '../../../../src/scim/errors';
import { parsePatchRequest } from '../../../../src/scim/patch/parse-patch';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { planMemberPatch } from '../../../../src/resources/groups/member-patch-plan';
import { resolveMembershipSchema, type MembershipDeps } from '../../../../src/resources/groups/membership-deps';
import { applyChanges, fakeMemberships, fakeResources, type FakeMemberships } from './fake-membership';

const registry = loadBuiltinRegistry();
const schema = resolveMembershipSchema(registry);
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const T = 't1';
const CONTEXT = cliContext(T);

const ops = (...Operations: unknown[]) => parsePatchRequest(registry, schema.groupType, { schemas: [PATCH_OP], Operations });

let memberships: FakeMemberships;
let deps: MembershipDeps;

beforeEach(async () => {
  memberships = fakeMemberships();
  deps = {
    registry,
    memberships,
    resources: fakeResources([
      { tenantId: T, resourceType: 'User', id: 'alice', attributes: { userName: 'alice', displayName: 'Alice' } },
      { tenantId: T, resourceType: 'User', id: 'bob', attributes: { userName: 'bob' } },
      { tenantId: T, resourceType: 'Group', id: 'g', attributes: { displayName: 'G' } },
      { tenantId: T, resourceType: 'Group', id: 'parent', attributes: { displayName: 'Parent' } },
      { tenantId: T, resourceType: 'Group', id: 'child', attributes: { displayName: 'Child' } },
      { tenantId: 't2', resourceType: 'User', id: 'stranger', attributes: { userName: 'stranger' } },
    ]),
  };
  await memberships.add(T, 'g', Array.from({ length: 1000 }, (_, n) => ({ value: `m-${String(n).padStart(4, '0')}`, type: 'User' as const })));
  await memberships.add(T, 'parent', [{ value: 'g', type: 'Group' }]);
  memberships.calls.length = 0;
});

const callsOf = (method: string) => memberships.calls.filter((call) => call.method === method);
const writes = () => memberships.calls.filter((call) => ['add', 'remove', 'replaceAll', 'removeEverywhere'].includes(call.method));

async function expectRejected(promise: Promise<unknown>, status: number, scimType: string, detail: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ScimError);
  expect(error).toMatchObject({ status, scimType });
  expect((error as ScimError).detail).toMatch(detail);
}

describe('planMemberPatch', () => {
  it('leaves operations on other attributes to the document', async () => {
    const operations = ops({ op: 'replace', path: 'displayName', value: 'X' }, { op: 'add', path: 'members', value: [{ value: 'alice' }] });
    const plan = await planMemberPatch(deps, schema, CONTEXT, 'g', operations);
    expect(plan.remaining).toEqual([operations[0]]);
  });

  it('adds one member to a 1,000-member group with a change naming one member and no read of the member list', async () => {
    const plan = await planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'add', path: 'members', value: [{ value: 'alice' }] }));
    expect(plan.changes).toBe(true);
    expect(plan.pending).toEqual([{ kind: 'delta', add: [{ value: 'alice', type: 'User', display: 'Alice' }], remove: [] }]);
    await plan.commit();
    // The change is the service's to record and settle: the plan writes nothing itself.
    expect(writes()).toEqual([]);
    expect(callsOf('list')).toEqual([]);
  });

  it('plans no change for a member already there, and commits nothing', async () => {
    const plan = await planMemberPatch(deps, schema, CONTEXT, 'parent', ops({ op: 'add', path: 'members', value: [{ value: 'g' }] }));
    expect(plan.changes).toBe(false);
    await plan.commit();
    expect(writes()).toEqual([]);
  });

  it('removes through `value eq` (or several joined by or) without reading the group', async () => {
    const plan = await planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'remove', path: 'members[value eq "m-0005" or value eq "m-0007" or value eq "nobody"]' }));
    expect(plan.changes).toBe(true);
    // Every named member is recorded (a delta that holds after a concurrent write); the ones present made it a change.
    expect(plan.pending).toEqual([{ kind: 'delta', add: [], remove: ['m-0005', 'm-0007', 'nobody'] }]);
    expect(plan.readsRelation).toBe(false);
    expect(callsOf('list')).toEqual([]);
  });

  it('writes a removal through any other filter only at the version it read the members at', async () => {
    const plan = await planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'remove', path: 'members[type eq "User"]' }));
    expect(plan.changes).toBe(true);
    expect(plan.readsRelation).toBe(true);
  });

  it('evaluates any other filter against the members, page by page', async () => {
    await memberships.add(T, 'g', [{ value: 'child', type: 'Group' }]);
    const plan = await planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'remove', path: 'members[type eq "group"]' }));
    expect(plan.pending).toEqual([{ kind: 'delta', add: [], remove: ['child'] }]);
    expect(callsOf('list').length).toBeGreaterThanOrEqual(2);
  });

  it('removes the listed members for a remove with a value (Entra ID), never all', async () => {
    const plan = await planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'Remove', path: 'members', value: [{ value: 'm-0001' }, { Value: 'm-0002' }] }));
    expect(plan.pending).toEqual([{ kind: 'delta', add: [], remove: ['m-0001', 'm-0002'] }]);
  });

  it('replaces all members, and folds later operations into the replacement', async () => {
    const plan = await planMemberPatch(
      deps,
      schema,
      CONTEXT,
      'g',
      ops({ op: 'replace', path: 'members', value: [{ value: 'alice' }, { value: 'bob' }] }, { op: 'remove', path: 'members[value eq "bob"]' }),
    );
    expect(plan.changes).toBe(true);
    expect(plan.pending).toEqual([{ kind: 'replace', members: [{ value: 'alice', type: 'User', display: 'Alice' }] }]);
  });

  it('treats remove of members without a value as removing every member', async () => {
    const plan = await planMemberPatch(deps, schema, CONTEXT, 'parent', ops({ op: 'remove', path: 'members' }));
    expect(plan.changes).toBe(true);
    expect(plan.pending).toEqual([{ kind: 'replace', members: [] }]);
    await applyChanges(memberships, T, 'parent', plan.pending);
    expect(await memberships.list(T, 'parent', { limit: 10 })).toEqual([]);
    const again = await planMemberPatch(deps, schema, CONTEXT, 'parent', ops({ op: 'remove', path: 'members' }));
    expect(again.changes).toBe(false);
  });

  it('replaces the members a filter selects, and has no target when it selects none', async () => {
    const plan = await planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'replace', path: 'members[value eq "m-0003"]', value: [{ value: 'bob' }] }));
    expect(plan.pending).toEqual([{ kind: 'delta', add: [{ value: 'bob', type: 'User', display: 'bob' }], remove: ['m-0003'] }]);
    await expectRejected(
      planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'replace', path: 'members[value eq "nobody"]', value: [{ value: 'bob' }] })),
      400,
      'noTarget',
      /no member matches/,
    );
  });

  it('rejects unknown members (also those of another tenant) naming them, before any write', async () => {
    await expectRejected(
      planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'remove', path: 'members[value eq "m-0001"]' }, { op: 'add', path: 'members', value: [{ value: 'ghost' }, { value: 'stranger' }] })),
      400,
      'invalidValue',
      /'ghost', 'stranger'/,
    );
    expect(writes()).toEqual([]);
  });

  it('rejects cycles: a group into itself, or into a group it already belongs to', async () => {
    await expectRejected(planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'add', path: 'members', value: [{ value: 'g' }] })), 400, 'invalidValue', /member of itself/);
    await expectRejected(planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'add', path: 'members', value: [{ value: 'parent', type: 'Group' }] })), 400, 'invalidValue', /cycle/);
    const fine = await planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'add', path: 'members', value: [{ value: 'child', type: 'Group' }] }));
    expect(fine.changes).toBe(true);
  });

  it('refuses paths into a member and filters on add', async () => {
    await expectRejected(planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'replace', path: 'members[value eq "m-0001"].value', value: 'x' })), 400, 'mutability', /immutable/);
    await expectRejected(planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'add', path: 'members[value eq "m-0001"]', value: [{ value: 'alice' }] })), 400, 'invalidPath', /not through a filter/);
    await expectRejected(planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'add', path: 'members', value: [42] })), 400, 'invalidValue', /members\[0\] must be an object/);
    await expectRejected(planMemberPatch(deps, schema, CONTEXT, 'g', ops({ op: 'add', path: 'members', value: [{ value: 'alice', type: 'Robot' }] })), 400, 'invalidValue', /"User" or "Group"/);
  });
});
