// The settings contract every store must pass: per-tenant text values with a version that grows by one on every
// update (what caches compare), atomic merges that concurrent updates never lose, tenant isolation, and `not_found`
// for a tenant that does not exist. A store's test file calls describeSettingsStoreContract with a factory.
import type { SettingsStore } from '../../src/store/settings-store';
import { StoreError } from '../../src/store/store-error';
import type { StoreUnderTest } from './resource-store.contract';

const T0 = '2024-05-01T00:00:00.000Z';
const T1 = '2024-05-02T00:00:00.000Z';

export function describeSettingsStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name}: settings contract`, () => {
    let subject: StoreUnderTest;
    let settings: SettingsStore;

    beforeEach(async () => {
      subject = await makeStore();
      settings = subject.store.settings;
      for (const id of ['t1', 't2']) await subject.store.tenants.createTenant({ id, name: id, profile: 'standard', created: T0 });
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('answers version 0 and no values for a tenant that has set nothing', async () => {
      expect(await settings.read('t1')).toEqual({ values: {}, version: 0 });
      expect(await settings.version('t1')).toBe(0);
      expect(await settings.version('no-such-tenant')).toBe(0);
    });

    it('sets values, bumping the version by one per update, and reads them back exactly', async () => {
      const first = await settings.update('t1', { set: { 'jobs.retentionDays': '30', 'x.text': 'a=b, ü "quoted"' }, at: T0 });
      expect(first).toEqual({ values: { 'jobs.retentionDays': '30', 'x.text': 'a=b, ü "quoted"' }, version: 1, updated: T0 });
      expect(await settings.read('t1')).toEqual(first);
      expect(await settings.version('t1')).toBe(1);

      const second = await settings.update('t1', { set: { 'x.empty': '' }, at: T1 });
      expect(second).toEqual({ values: { 'jobs.retentionDays': '30', 'x.text': 'a=b, ü "quoted"', 'x.empty': '' }, version: 2, updated: T1 });
      expect(await settings.read('t1')).toEqual(second);
    });

    it('merges: keys not named stay, unset keys go, a key both set and unset is set', async () => {
      await settings.update('t1', { set: { a: '1', b: '2', c: '3' }, at: T0 });
      await settings.update('t1', { set: { b: '20' }, unset: ['a', 'missing'], at: T0 });
      expect((await settings.read('t1')).values).toEqual({ b: '20', c: '3' });
      await settings.update('t1', { set: { c: '30' }, unset: ['c'], at: T0 });
      expect(await settings.read('t1')).toMatchObject({ values: { b: '20', c: '30' }, version: 3 });
    });

    it('bumps the version even when the values do not change, so that every write reaches caches', async () => {
      await settings.update('t1', { set: { a: '1' }, at: T0 });
      expect(await settings.update('t1', { set: { a: '1' }, at: T1 })).toEqual({ values: { a: '1' }, version: 2, updated: T1 });
    });

    it('keeps tenants apart', async () => {
      await settings.update('t1', { set: { a: 'one' }, at: T0 });
      await settings.update('t2', { set: { a: 'two', b: 'x' }, at: T0 });
      await settings.update('t2', { unset: ['b'], at: T0 });
      expect(await settings.read('t1')).toEqual({ values: { a: 'one' }, version: 1, updated: T0 });
      expect(await settings.read('t2')).toMatchObject({ values: { a: 'two' }, version: 2 });
    });

    it('refuses a tenant that does not exist with not_found, writing nothing', async () => {
      const error = await settings.update('no-such-tenant', { set: { a: '1' }, at: T0 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ code: 'not_found' });
      expect(await settings.read('no-such-tenant')).toEqual({ values: {}, version: 0 });
    });

    it('goes with its tenant when the tenant is deleted', async () => {
      await settings.update('t1', { set: { a: '1' }, at: T0 });
      await settings.update('t2', { set: { a: '2' }, at: T0 });
      expect(await subject.store.deleteTenant('t1')).not.toBeNull();
      expect(await settings.read('t1')).toEqual({ values: {}, version: 0 });
      expect(await settings.read('t2')).toMatchObject({ values: { a: '2' }, version: 1 });
      if (subject.remainingOf) expect(await subject.remainingOf('t1')).toEqual({});
    });

    it('loses no key under concurrent updates, and counts each one in the version', async () => {
      await Promise.all(Array.from({ length: 12 }, (_, i) => settings.update('t1', { set: { [`k${String(i).padStart(2, '0')}`]: String(i) }, at: T0 })));
      const record = await settings.read('t1');
      expect(record.version).toBe(12);
      expect(Object.keys(record.values).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `k${String(i).padStart(2, '0')}`));
    });

    it('treats unusual keys as ordinary keys', async () => {
      const set = JSON.parse('{"__proto__": "p", "constructor": "c", "a.b.c": "dots", "$where": "dollar"}') as Record<string, string>;
      await settings.update('t1', { set, at: T0 });
      const { values } = await settings.read('t1');
      expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
      expect(Object.entries(values).sort()).toEqual([
        ['$where', 'dollar'],
        ['__proto__', 'p'],
        ['a.b.c', 'dots'],
        ['constructor', 'c'],
      ]);
    });
  });
}
