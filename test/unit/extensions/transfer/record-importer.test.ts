// A record is written whole or not at all (src/extensions/transfer/record-importer.ts): when a step after the user's
// write fails (a group join, a group's creation), the steps already done are undone, on both stores.
import type { ResourceService } from '../../../../src/resources/resource-service';
import { createRecordImporter } from '../../../../src/extensions/transfer/record-importer';
import { createOpener, createSealer, newExportSalt } from '../../../../src/extensions/transfer/sealed-hash';
import { OnConflict } from '../../../../src/extensions/transfer/transfer-requests';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { scimErrors } from '../../../../src/scim/errors';
import type { Store } from '../../../../src/store/tenant-store';
import { LIFECYCLE, manualClock, servicesOn } from '../../../helpers/lifecycle';
import { tokenContext } from '../../../helpers/request-context';
import { STORES } from '../lifecycle/stores';

const registry = loadBuiltinRegistry();
const context = tokenContext('t1');
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const KDF = { N: 1024, r: 8, p: 1 };
const SECRET = 'a long and private export secret';

describe.each(STORES)('an import record on %s', (_name, openStore) => {
  let store: Store;
  let resources: ResourceService;

  beforeEach(async () => {
    store = await openStore();
    await store.tenants.createTenant({ id: 't1', name: 't1', profile: 'standard', created: '2026-01-01T00:00:00.000Z' });
    resources = servicesOn(store, manualClock()).resources;
  });
  afterEach(() => store.close());

  const userType = () => resources.resourceType('User');
  const groupType = () => resources.resourceType('Group');
  const count = async (type: 'User' | 'Group') =>
    (await resources.list(context, resources.resourceType(type), { startIndex: 1, count: 0, selection: { mode: 'default', entries: [], schemas: [] } })).totalResults;

  /** The resource service with one method failing on its `failAt`-th call (1-based) for `type`. */
  function failing(method: 'patch' | 'create', type: string, failAt: number): ResourceService {
    let calls = 0;
    const original = resources[method] as (...args: unknown[]) => Promise<unknown>;
    return {
      ...resources,
      [method]: async (...args: unknown[]) => {
        if ((args[1] as { name: string }).name === type && ++calls === failAt) throw scimErrors.unavailable('The directory store is not reachable');
        return original(...args);
      },
    } as ResourceService;
  }

  /** The resource service with every PATCH of the resource `id` failing. */
  function patchesFailingAt(id: string): ResourceService {
    return {
      ...resources,
      patch: async (...args: Parameters<ResourceService['patch']>) => {
        if (args[2] === id) throw scimErrors.unavailable('The directory store is not reachable');
        return resources.patch(...args);
      },
    } as ResourceService;
  }

  const importer = (service: ResourceService, onConflict: OnConflict = OnConflict.fail) =>
    createRecordImporter({ registry, resources: service, warn: () => undefined }, { context, onConflict, opener: createOpener(SECRET, { maxKeys: 4 }) });

  async function record(userName: string, groups: string[]) {
    const sealer = await createSealer(SECRET, newExportSalt(), KDF);
    const originalId = `old-${userName}`;
    return {
      user: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, groups: groups.map((display) => ({ value: `old-${display}`, display })) },
      originalId,
      passwordHash: sealer.seal('$scrypt$ln=6,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g', originalId),
      lifecycle: { state: 'active' },
    };
  }

  it('imports a user into existing and new groups, with originalId and the password hash in one write', async () => {
    await resources.create(context, groupType(), { schemas: [GROUP], displayName: 'Existing' });
    const result = await importer(resources).importRecord(await record('ann', ['existing', 'New']), 0);
    expect(result).toMatchObject({ index: 0, status: 'created', originalId: 'old-ann' });
    const stored = await resources.get(context, userType(), result.id!);
    expect(stored.version).toBe(1);
    expect(stored.attributes[LIFECYCLE]).toMatchObject({ originalId: 'old-ann', state: 'active' });
    expect(stored.internal.passwordHash).toMatch(/^\$scrypt\$/);
    const groups = (await resources.computedAttributes(context, userType(), result.id!)).groups as Array<{ display: string }>;
    expect(groups.map((group) => group.display).sort()).toEqual(['Existing', 'New']);
  });

  it('undoes the user and the group it created when joining a group fails', async () => {
    await resources.create(context, groupType(), { schemas: [GROUP], displayName: 'Second' });
    // The first group is created with the user in it; joining the second (a PATCH) fails.
    const result = await importer(failing('patch', 'Group', 1)).importRecord(await record('ann', ['First', 'Second']), 3);
    expect(result).toMatchObject({ index: 3, status: 'failed', originalId: 'old-ann', error: { status: '503' } });
    expect(await count('User')).toBe(0);
    expect(await count('Group')).toBe(1);
    const second = (await resources.list(context, groupType(), { startIndex: 1, count: 10, selection: { mode: 'default', entries: [], schemas: [] } })).resources[0];
    expect(second.attributes.displayName).toBe('Second');
    expect((await resources.computedAttributes(context, groupType(), second.id)).members ?? []).toEqual([]);
  });

  it('undoes the memberships it added when creating a later group fails', async () => {
    const existing = await resources.create(context, groupType(), { schemas: [GROUP], displayName: 'Existing' });
    const result = await importer(failing('create', 'Group', 1)).importRecord(await record('ann', ['Existing', 'Missing']), 0);
    expect(result.status).toBe('failed');
    expect(await count('User')).toBe(0);
    expect((await resources.computedAttributes(context, groupType(), existing.id)).members ?? []).toEqual([]);
  });

  const groupsNamed = async () => {
    const { resources: groups } = await resources.list(context, groupType(), { startIndex: 1, count: 10, selection: { mode: 'default', entries: [], schemas: [] } });
    return Promise.all(
      groups.map(async (group) => ({
        displayName: group.attributes.displayName,
        members: (((await resources.computedAttributes(context, groupType(), group.id)).members ?? []) as { value: string }[]).map((member) => member.value).sort(),
      })),
    );
  };

  it('creates a new group once when records in flight together name it, and makes each of them a member', async () => {
    const session = importer(resources);
    const records = await Promise.all(['ann', 'ben', 'cat'].map((name, at) => record(name, [at === 1 ? 'platform' : 'Platform'])));
    const results = await Promise.all(records.map((value, index) => session.importRecord(value, index)));
    expect(results.map((result) => [result.index, result.status])).toEqual([
      [0, 'created'],
      [1, 'created'],
      [2, 'created'],
    ]);
    expect(await groupsNamed()).toEqual([{ displayName: 'Platform', members: results.map((result) => result.id!).sort() }]);
  });

  it('keeps a new group that a record in flight joined when the record that created it fails', async () => {
    const second = await resources.create(context, groupType(), { schemas: [GROUP], displayName: 'Second' });
    // ann creates "Platform", then fails to join "Second"; ben, in flight beside it, joins "Platform".
    const joiningSecondFails = patchesFailingAt(second.id);
    const session = importer(joiningSecondFails);
    const [ann, ben] = await Promise.all([record('ann', ['Platform', 'Second']), record('ben', ['Platform'])]);
    const results = await Promise.all([session.importRecord(ann, 0), session.importRecord(ben, 1)]);
    expect(results.map((result) => result.status)).toEqual(['failed', 'created']);
    expect(await count('User')).toBe(1);
    expect((await groupsNamed()).sort((a, b) => String(a.displayName).localeCompare(String(b.displayName)))).toEqual([
      { displayName: 'Platform', members: [results[1].id] },
      { displayName: 'Second', members: [] },
    ]);
  });

  /** A record without a password hash (each record() seals under an export of its own, and an opener takes few). */
  const plain = async (userName: string, groups: string[]) => ({ ...(await record(userName, groups)), passwordHash: undefined });

  /** The resource service counting the Group PATCHes it is asked for, and how many members each adds. */
  function countingPatches(service: ResourceService) {
    const adds: number[] = [];
    const counted = {
      ...service,
      patch: async (...args: Parameters<ResourceService['patch']>) => {
        const [operation] = (args[3] as { Operations: { op: string; value?: unknown[] }[] }).Operations;
        if (args[1].name === 'Group' && operation.op === 'add') adds.push(operation.value?.length ?? 0);
        return service.patch(...args);
      },
    } as ResourceService;
    return { service: counted, adds };
  }

  it('adds the users of records in flight together to their shared group in one member write', async () => {
    await resources.create(context, groupType(), { schemas: [GROUP], displayName: 'Everyone' });
    const { service, adds } = countingPatches(resources);
    const session = importer(service);
    const first = await session.importRecord(await plain('zed', ['Everyone']), 0);
    adds.length = 0;
    // The group is known to the import now: the records that follow take no turn at it.
    const records = await Promise.all(['ann', 'ben', 'cat', 'dan', 'eve', 'fay'].map((name) => plain(name, ['Everyone'])));
    const results = await Promise.all(records.map((value, index) => session.importRecord(value, index + 1)));
    expect(results.map((result) => result.status)).toEqual(Array(6).fill('created'));
    expect(await groupsNamed()).toEqual([{ displayName: 'Everyone', members: [first, ...results].map((result) => result.id!).sort() }]);
    // Fewer member writes than users: their creates were answered together, and so they reached the group together.
    expect(adds.reduce((sum, added) => sum + added, 0)).toBe(6);
    expect(adds.length).toBeLessThan(6);
  });

  it('in a batch where one record fails, leaves its neighbours written and itself absent', async () => {
    await resources.create(context, groupType(), { schemas: [GROUP], displayName: 'Everyone' });
    const second = await resources.create(context, groupType(), { schemas: [GROUP], displayName: 'Second' });
    const joiningSecondFails = patchesFailingAt(second.id);
    const { service, adds } = countingPatches(joiningSecondFails);
    const session = importer(service);
    const first = await session.importRecord(await plain('zed', ['Everyone']), 0);
    adds.length = 0;
    const records = await Promise.all(['ann', 'ben', 'cat', 'dan'].map((name) => plain(name, name === 'cat' ? ['Everyone', 'Second'] : ['Everyone'])));
    const results = await Promise.all(records.map((value, index) => session.importRecord(value, index + 1)));
    expect(results.map((result) => [result.index, result.status])).toEqual([
      [1, 'created'],
      [2, 'created'],
      [3, 'failed'],
      [4, 'created'],
    ]);
    expect(results[2].error).toMatchObject({ status: '503' });
    expect(adds.length).toBeLessThan(4);
    expect(await count('User')).toBe(4);
    const kept = [first, ...results].filter((result) => result.status === 'created').map((result) => result.id!).sort();
    expect((await groupsNamed()).sort((a, b) => String(a.displayName).localeCompare(String(b.displayName)))).toEqual([
      { displayName: 'Everyone', members: kept },
      { displayName: 'Second', members: [] },
    ]);
  });

  it('joins each user alone, with its own outcome, when the member write of several fails', async () => {
    await resources.create(context, groupType(), { schemas: [GROUP], displayName: 'Everyone' });
    const severalFail = {
      ...resources,
      patch: async (...args: Parameters<ResourceService['patch']>) => {
        const [operation] = (args[3] as { Operations: { value?: unknown[] }[] }).Operations;
        if ((operation.value?.length ?? 0) > 1) throw scimErrors.unavailable('The directory store is not reachable');
        return resources.patch(...args);
      },
    } as ResourceService;
    const { service, adds } = countingPatches(severalFail);
    const session = importer(service);
    const first = await session.importRecord(await plain('zed', ['Everyone']), 0);
    const records = await Promise.all(['ann', 'ben', 'cat', 'dan'].map((name) => plain(name, ['Everyone'])));
    const results = await Promise.all(records.map((value, index) => session.importRecord(value, index + 1)));
    expect(results.map((result) => result.status)).toEqual(Array(4).fill('created'));
    // The write of several was tried, then each user joined alone.
    expect(adds.some((added) => added > 1)).toBe(true);
    expect(await groupsNamed()).toEqual([{ displayName: 'Everyone', members: [first, ...results].map((result) => result.id!).sort() }]);
  });

  it('takes records that name the same user in their order: the later one is the duplicate', async () => {
    const session = importer(resources, OnConflict.update);
    const [first, second] = await Promise.all([record('ann', ['First']), record('ANN', ['Second'])]);
    const results = await Promise.all([session.importRecord({ ...first, user: { ...first.user, title: 'first' } }, 0), session.importRecord({ ...second, user: { ...second.user, title: 'second' } }, 1)]);
    expect(results.map((result) => result.status)).toEqual(['created', 'updated']);
    expect((await resources.get(context, userType(), results[0].id!)).attributes.title).toBe('second');
  });

  it('puts an updated user back as it was when a group join fails after the update', async () => {
    const before = await importer(resources).importRecord(await record('ann', []), 0);
    const stored = await resources.get(context, userType(), before.id!);
    await resources.create(context, groupType(), { schemas: [GROUP], displayName: 'Team' });
    const changed = await record('ann', ['Team']);
    const result = await importer(failing('patch', 'Group', 1), OnConflict.update).importRecord({ ...changed, user: { ...changed.user, displayName: 'Ann' } }, 0);
    expect(result.status).toBe('failed');
    const after = await resources.get(context, userType(), before.id!);
    expect(after.attributes).toEqual(stored.attributes);
    expect(after.internal).toEqual(stored.internal);
  });
});
