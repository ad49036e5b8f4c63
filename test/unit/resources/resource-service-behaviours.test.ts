// The resource service with several behaviours on one type, composed as src/app.ts composes them, on a real store:
// an extension adds hooks to User beside the password and membership behaviours, and none hides another.
import { createGroupBehaviour } from '../../../src/resources/groups/group-behaviour';
import { createUserMembershipBehaviour } from '../../../src/resources/groups/user-groups-behaviour';
import { composeBehaviours } from '../../../src/resources/compose-behaviours';
import { createResourceService, type ResourceService } from '../../../src/resources/resource-service';
import type { ResourceTypeBehaviour } from '../../../src/resources/resource-type-behaviour';
import { createUserBehaviour } from '../../../src/resources/users/user-behaviour';
import { passwordMatches, passwords } from '../../helpers/passwords';
import { scimErrors } from '../../../src/scim/errors';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createResourceValidators } from '../../../src/scim/schema/validate-resource';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../src/store/tenant-store';
import { tokenContext } from '../../helpers/request-context';

const registry = loadBuiltinRegistry();
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const CONTEXT = tokenContext('t1', { requestId: 'req-7' });

let store: Store;
let service: ResourceService;
let events: string[];

/** What an extension (say, lifecycle) adds to User without knowing the other behaviours. */
function extension(): ResourceTypeBehaviour {
  return {
    prepareWrite: async (context, input, draft) => {
      if (draft.attributes.userName === 'reserved') throw scimErrors.invalidValue("userName 'reserved' is not allowed here");
      const writes = Number(draft.internal.writes ?? 0) + 1;
      return { ...draft, internal: { ...draft.internal, writes, lastWriteBy: `${context.actor.label}/${context.requestId}/${input.kind}` } };
    },
    afterDelete: async (context, id) => void events.push(`extension cleanup of ${id} by ${context.actor.label}`),
  };
}

beforeEach(() => {
  events = [];
  store = createSqliteStore({ path: ':memory:', registry });
  const membershipDeps = { registry, resources: store.resources, memberships: store.memberships };
  service = createResourceService({
    store: store.resources,
    pending: store.memberships,
    registry,
    validatorFor: createResourceValidators(registry),
    behaviours: {
      User: composeBehaviours(createUserBehaviour({ passwords }), createUserMembershipBehaviour(membershipDeps), extension()),
      Group: composeBehaviours(createGroupBehaviour(membershipDeps)),
    },
  });
});
afterEach(() => store.close());

describe('resource service with composed behaviours', () => {
  it('runs both afterDelete hooks on DELETE: the user leaves its groups and the extension cleans up', async () => {
    const userType = service.resourceType('User');
    const groupType = service.resourceType('Group');
    const user = await service.create(CONTEXT, userType, { schemas: [USER], userName: 'bjensen' });
    const group = await service.create(CONTEXT, groupType, { schemas: [GROUP], displayName: 'Team', members: [{ value: user.id }] });
    expect(await store.memberships.list('t1', group.id, { limit: 10 })).toHaveLength(1);

    await service.delete(CONTEXT, userType, user.id);

    expect(await store.memberships.list('t1', group.id, { limit: 10 })).toEqual([]);
    expect(events).toEqual([`extension cleanup of ${user.id} by test`]);
  });

  it('chains prepareWrite after the password hook on create, replace and PATCH, with the request context', async () => {
    const type = service.resourceType('User');
    const created = await service.create(CONTEXT, type, { schemas: [USER], userName: 'bjensen', password: 'first secret' });
    expect(created.internal).toMatchObject({ writes: 1, lastWriteBy: 'test/req-7/create' });
    expect(await passwordMatches('first secret', String(created.internal.passwordHash))).toBe(true);

    const replaced = await service.replace(CONTEXT, type, created.id, { schemas: [USER], userName: 'bjensen', title: 'Guide' });
    expect(replaced.internal).toMatchObject({ writes: 2, lastWriteBy: 'test/req-7/replace', passwordHash: created.internal.passwordHash });

    const patched = await service.patch(CONTEXT, type, created.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: 'second secret' }] });
    expect(patched.changed).toBe(true);
    expect(patched.resource.internal).toMatchObject({ writes: 3, lastWriteBy: 'test/req-7/patch' });
    expect(await passwordMatches('second secret', String(patched.resource.internal.passwordHash))).toBe(true);
  });

  it('writes nothing when an extension refuses the write', async () => {
    const type = service.resourceType('User');
    await expect(service.create(CONTEXT, type, { schemas: [USER], userName: 'reserved' })).rejects.toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect((await store.resources.list('t1', { resourceType: 'User', page: { kind: 'index', startIndex: 1, count: 10 } })).totalResults).toBe(0);

    const created = await service.create(CONTEXT, type, { schemas: [USER], userName: 'bjensen' });
    await expect(
      service.patch(CONTEXT, type, created.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'reserved' }] }),
    ).rejects.toMatchObject({ status: 400 });
    expect(await store.resources.get('t1', 'User', created.id)).toMatchObject({ version: 1, attributes: { userName: 'bjensen' } });
  });
});
