// meta.lastModified only moves forward per resource (issue 14, item 11), whatever the clock of the instance that
// writes: two instances share one store, the second one's clock an hour behind. Run on both stores (the MongoDB
// store's own code on the mingo stand-in), through the resource service as the server uses it.
import { createResourceService, type ResourceService } from '../../../src/resources/resource-service';
import { createGroupBehaviour } from '../../../src/resources/groups/group-behaviour';
import { composeBehaviours } from '../../../src/resources/compose-behaviours';
import { nextLastModified } from '../../../src/resources/last-modified';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createResourceValidators } from '../../../src/scim/schema/validate-resource';
import type { Store } from '../../../src/store/tenant-store';
import { tokenContext } from '../../helpers/request-context';
import { IN_MEMORY_STORES } from '../../helpers/in-memory-stores';

const registry = loadBuiltinRegistry();
const CONTEXT = tokenContext('t1');
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('nextLastModified', () => {
  it('is the clock when it is later, else 1 ms after the previous value', () => {
    expect(nextLastModified('2024-05-01T10:00:00.000Z', new Date('2024-05-01T11:00:00.000Z'))).toBe('2024-05-01T11:00:00.000Z');
    expect(nextLastModified('2024-05-01T10:00:00.000Z', new Date('2024-05-01T09:00:00.000Z'))).toBe('2024-05-01T10:00:00.001Z');
    expect(nextLastModified('2024-05-01T10:00:00.000Z', new Date('2024-05-01T10:00:00.000Z'))).toBe('2024-05-01T10:00:00.001Z');
    expect(nextLastModified('not a time', new Date('2024-05-01T09:00:00.000Z'))).toBe('2024-05-01T09:00:00.000Z');
  });
});

describe.each(IN_MEMORY_STORES)('meta.lastModified across instances with different clocks (%s)', (_name, openStore) => {
  let store: Store;
  /** An instance: the one store, and a clock of its own. */
  const instance = (clock: () => Date): ResourceService => {
    const membershipDeps = { registry, resources: store.resources, memberships: store.memberships };
    return createResourceService({
      store: store.resources,
      pending: store.memberships,
      registry,
      validatorFor: createResourceValidators(registry),
      behaviours: { Group: composeBehaviours(createGroupBehaviour(membershipDeps)) },
      clock,
    });
  };

  beforeEach(async () => {
    store = await openStore();
    await store.tenants.createTenant({ id: 't1', name: 't1', profile: 'standard', created: '2024-01-01T00:00:00.000Z' });
  });
  afterEach(() => store.close());

  it('never moves back: PUT and PATCH from an instance whose clock is behind stamp 1 ms after the last value', async () => {
    const ahead = instance(() => new Date('2024-05-01T10:00:00.000Z'));
    const behind = instance(() => new Date('2024-05-01T09:00:00.000Z'));
    const type = ahead.resourceType('User');
    const created = await ahead.create(CONTEXT, type, { schemas: [USER], userName: 'bjensen' });
    expect(created.lastModified).toBe('2024-05-01T10:00:00.000Z');

    const put = await behind.replace(CONTEXT, type, created.id, { schemas: [USER], userName: 'bjensen', title: 'A' });
    expect(put.lastModified).toBe('2024-05-01T10:00:00.001Z');
    const patched = await behind.patch(CONTEXT, type, created.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'B' }] });
    expect(patched.resource.lastModified).toBe('2024-05-01T10:00:00.002Z');
    // What a later read, and a `meta.lastModified gt` sync, sees.
    expect((await store.resources.get('t1', 'User', created.id))?.lastModified).toBe('2024-05-01T10:00:00.002Z');

    const later = instance(() => new Date('2024-05-01T12:00:00.000Z'));
    const next = await later.patch(CONTEXT, type, created.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'C' }] });
    expect(next.resource.lastModified).toBe('2024-05-01T12:00:00.000Z');
  });

  it('holds for a member-only change of a group too', async () => {
    const ahead = instance(() => new Date('2024-05-01T10:00:00.000Z'));
    const behind = instance(() => new Date('2024-05-01T09:00:00.000Z'));
    const member = await ahead.create(CONTEXT, ahead.resourceType('User'), { schemas: [USER], userName: 'member' });
    const group = await ahead.create(CONTEXT, ahead.resourceType('Group'), { schemas: [GROUP], displayName: 'Team' });
    const patched = await behind.patch(CONTEXT, ahead.resourceType('Group'), group.id, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: member.id }] }],
    });
    expect(patched).toMatchObject({ changed: true, resource: { lastModified: '2024-05-01T10:00:00.001Z' } });
  });
});
