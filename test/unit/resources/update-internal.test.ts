// updateInternalWithRetry: a read-modify-write of the unversioned state that retries lost races and maps store errors.
import { updateInternalWithRetry } from '../../../src/resources/update-internal';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import { StoreError } from '../../../src/store/store-error';
import type { Store } from '../../../src/store/tenant-store';
import { tokenContext } from '../../helpers/request-context';

const CONTEXT = tokenContext('t1');
let store: Store;

beforeEach(async () => {
  store = createSqliteStore({ path: ':memory:', registry: loadBuiltinRegistry() });
  await store.resources.create('t1', { resourceType: 'User', id: 'u-1', created: '2024-01-01T00:00:00.000Z', attributes: { userName: 'a' }, internal: {} });
});
afterEach(() => store.close());

describe('updateInternalWithRetry', () => {
  it('writes what the change computes from the resource as read', async () => {
    const result = await updateInternalWithRetry(store.resources, CONTEXT, 'User', 'u-1', (current) => ({ seen: current.unversioned.revision }));
    expect(result).toMatchObject({ changed: true, before: { unversioned: { revision: 0 } }, resource: { version: 1, unversioned: { revision: 1, values: { seen: 0 } } } });
  });

  it('writes nothing when the change says so', async () => {
    const result = await updateInternalWithRetry(store.resources, CONTEXT, 'User', 'u-1', () => undefined);
    expect(result.changed).toBe(false);
    expect((await store.resources.get('t1', 'User', 'u-1'))?.unversioned.revision).toBe(0);
  });

  it('answers 404 for a resource that does not exist in the context tenant', async () => {
    await expect(updateInternalWithRetry(store.resources, tokenContext('t2'), 'User', 'u-1', () => ({}))).rejects.toMatchObject({ status: 404 });
    await expect(updateInternalWithRetry(store.resources, CONTEXT, 'User', 'nope', () => ({}))).rejects.toMatchObject({ status: 404 });
  });

  it('re-reads after a lost race, and gives up with 409 when every attempt loses', async () => {
    let losses = 2;
    const racing = {
      get: store.resources.get,
      async updateInternal(...args: Parameters<Store['resources']['updateInternal']>) {
        if (losses-- > 0) throw new StoreError('version_mismatch', 'another change won');
        return store.resources.updateInternal(...args);
      },
    };
    const calls: number[] = [];
    const result = await updateInternalWithRetry(racing, CONTEXT, 'User', 'u-1', (current) => {
      calls.push(current.unversioned.revision);
      return { n: calls.length };
    });
    expect(calls).toEqual([0, 0, 0]);
    expect(result.resource.unversioned.values).toEqual({ n: 3 });

    const alwaysLosing = { get: store.resources.get, updateInternal: async () => Promise.reject(new StoreError('version_mismatch', 'lost')) };
    await expect(updateInternalWithRetry(alwaysLosing, CONTEXT, 'User', 'u-1', () => ({}), { attempts: 3 })).rejects.toMatchObject({ status: 409 });
  });

  it('with sameVersion, decides again when a versioned write lands between its read and its write', async () => {
    const seen: number[] = [];
    let raced = false;
    const racing = {
      get: store.resources.get,
      async updateInternal(...args: Parameters<Store['resources']['updateInternal']>) {
        if (!raced) {
          raced = true;
          await store.resources.replace('t1', 'User', 'u-1', { lastModified: '2030-01-01T00:00:00.000Z', attributes: { userName: 'v', title: 'changed' }, internal: {} });
        }
        return store.resources.updateInternal(...args);
      },
    };
    const result = await updateInternalWithRetry(
      racing,
      CONTEXT,
      'User',
      'u-1',
      (current) => {
        seen.push(current.version);
        return { decidedOn: current.attributes.title ?? 'nothing' };
      },
      { sameVersion: true },
    );
    expect(seen).toEqual([1, 2]);
    expect(result.resource.unversioned.values).toEqual({ decidedOn: 'changed' });
  });

  it('maps an unavailable store to 503', async () => {
    const down = { get: store.resources.get, updateInternal: async () => Promise.reject(new StoreError('unavailable', 'down')) };
    await expect(updateInternalWithRetry(down, CONTEXT, 'User', 'u-1', () => ({}))).rejects.toMatchObject({ status: 503 });
  });
});
