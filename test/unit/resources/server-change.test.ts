// ResourceService.update: a change the server decides (a vendor action route) is written exactly as a PATCH is: the
// behaviours' prepareWrite chain (kind `server`), no write when nothing changes, the version's compare-and-set with a
// fresh decision after a lost race, If-Match, and the lastModified rule. And WriteInput.named: what a request itself
// names, as opposed to what it carries over from the stored resource.
import { composeBehaviours } from '../../../src/resources/compose-behaviours';
import { createResourceService, type ResourceService } from '../../../src/resources/resource-service';
import type { WriteInput } from '../../../src/resources/resource-type-behaviour';
import { scimErrors } from '../../../src/scim/errors';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createResourceValidators } from '../../../src/scim/schema/validate-resource';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../src/store/tenant-store';
import { interleavingStore, type InterleavingStore } from '../../helpers/interleaving-store';
import { tokenContext } from '../../helpers/request-context';
import { steppingClock } from '../../helpers/test-app';

const registry = loadBuiltinRegistry();
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const CONTEXT = tokenContext('t1');

let store: Store;
let racing: InterleavingStore;
let service: ResourceService;
let inputs: WriteInput[];

beforeEach(() => {
  inputs = [];
  store = createSqliteStore({ path: ':memory:', registry });
  racing = interleavingStore(store);
  service = createResourceService({
    store: racing.store.resources,
    pending: racing.store.memberships,
    registry,
    validatorFor: createResourceValidators(registry),
    clock: steppingClock('2026-01-01T00:00:00.000Z'),
    behaviours: {
      User: composeBehaviours({
        prepareWrite: async (_context, input, draft) => {
          inputs.push(input);
          return draft;
        },
      }),
    },
  });
});
afterEach(() => store.close());

const userType = () => service.resourceType('User');

describe('ResourceService.update (a server change)', () => {
  it('writes like the PATCH with the same effect: same attributes, next version, lastModified forward', async () => {
    const a = await service.create(CONTEXT, userType(), { schemas: [USER], userName: 'a', title: 'Guide' });
    const b = await service.create(CONTEXT, userType(), { schemas: [USER], userName: 'b', title: 'Guide' });
    const patched = await service.patch(CONTEXT, userType(), a.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Chief' }] });
    const updated = await service.update(CONTEXT, userType(), b.id, (current) => ({ attributes: { ...current.attributes, title: 'Chief' } }));
    expect(updated.changed).toBe(true);
    expect({ ...updated.resource.attributes, userName: 'a' }).toEqual(patched.resource.attributes);
    expect([updated.resource.version, patched.resource.version]).toEqual([2, 2]);
    expect(updated.resource.lastModified > b.lastModified).toBe(true);
    expect(inputs.at(-1)).toMatchObject({ kind: 'server', id: b.id, current: { version: 1 } });
    expect(inputs.at(-1)?.named.size).toBe(0);
  });

  it('writes nothing when the decision changes nothing, or when there is none', async () => {
    const a = await service.create(CONTEXT, userType(), { schemas: [USER], userName: 'a' });
    expect(await service.update(CONTEXT, userType(), a.id, (current) => ({ attributes: current.attributes }))).toEqual({ resource: a, changed: false });
    expect(await service.update(CONTEXT, userType(), a.id, () => undefined)).toEqual({ resource: a, changed: false });
    expect(racing.writes.replace).toBe(0);
  });

  it('decides again on the resource as it is after a lost race; with If-Match, a lost race is 412', async () => {
    const a = await service.create(CONTEXT, userType(), { schemas: [USER], userName: 'a', title: 'one' });
    const seen: string[] = [];
    racing.beforeNextWrite(() => store.resources.replace('t1', 'User', a.id, { lastModified: a.lastModified, attributes: { userName: 'a', title: 'two' }, internal: {} }, 1));
    const updated = await service.update(CONTEXT, userType(), a.id, (current) => {
      seen.push(String(current.attributes.title));
      return { attributes: { ...current.attributes, nickName: `after ${String(current.attributes.title)}` } };
    });
    expect(seen).toEqual(['one', 'two']);
    expect(updated.resource).toMatchObject({ version: 3, attributes: { title: 'two', nickName: 'after two' } });

    racing.beforeNextWrite(() => store.resources.replace('t1', 'User', a.id, { lastModified: a.lastModified, attributes: { userName: 'a' }, internal: {} }, 3));
    await expect(service.update(CONTEXT, userType(), a.id, (current) => ({ attributes: { ...current.attributes, title: 'x' } }), { ifMatch: 'W/"3"' })).rejects.toMatchObject({ status: 412 });
    await expect(service.update(CONTEXT, userType(), a.id, (current) => ({ attributes: current.attributes }), { ifMatch: 'W/"1"' })).rejects.toMatchObject({ status: 412 });
  });

  it('refuses what the decision refuses, and an unknown id, writing nothing', async () => {
    const a = await service.create(CONTEXT, userType(), { schemas: [USER], userName: 'a' });
    await expect(
      service.update(CONTEXT, userType(), a.id, () => {
        throw scimErrors.conflict('not in this state');
      }),
    ).rejects.toMatchObject({ status: 409, detail: 'not in this state' });
    await expect(service.update(CONTEXT, userType(), 'nope', (current) => ({ attributes: current.attributes }))).rejects.toMatchObject({ status: 404 });
    await expect(service.update(tokenContext('t2'), userType(), a.id, (current) => ({ attributes: current.attributes }))).rejects.toMatchObject({ status: 404 });
    // The types are checked as on any write.
    await expect(service.update(CONTEXT, userType(), a.id, (current) => ({ attributes: { ...current.attributes, active: 'yes' } }))).rejects.toMatchObject({ status: 400 });
    expect(racing.writes.replace).toBe(0);
  });
});

describe('WriteInput.named', () => {
  it('names the attributes of a POST or PUT body and the paths of PATCH operations, never what is carried over', async () => {
    const a = await service.create(CONTEXT, userType(), { schemas: [USER, ENTERPRISE], userName: 'a', active: false, password: 'secret-Pa55', [ENTERPRISE]: { department: 'Tours' } });
    expect([...inputs[0].named].sort()).toEqual(['active', 'password', `${ENTERPRISE}:department`, 'userName']);
    await service.replace(CONTEXT, userType(), a.id, { schemas: [USER], userName: 'a', title: 'Guide' });
    expect([...inputs[1].named].sort()).toEqual(['title', 'userName']);
    await service.patch(CONTEXT, userType(), a.id, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'name.givenName', value: 'Ann' },
        { op: 'Replace', value: { ACTIVE: 'True', [`${ENTERPRISE}:costCenter`]: '42' } },
      ],
    });
    expect([...inputs[2].named].sort()).toEqual(['active', 'name', `${ENTERPRISE}:costCenter`]);
    await service.patch(CONTEXT, userType(), a.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Chief' }] });
    // `active` is false in what the PATCH stores, but the request did not say it.
    expect([...inputs[3].named]).toEqual(['title']);
  });
});
