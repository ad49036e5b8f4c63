// The sign-in history contract every store must pass: entries read back exactly, newest first, keyset pages that
// never repeat or skip an entry (also between entries of the same instant), counts, tenant and user isolation, and the
// retention sweep's bounded deletions. A store's test file calls describeSignInStoreContract with a factory.
import type { SignInEntry, SignInPosition, SignInStore } from '../../src/store/sign-in-store';
import type { StoreUnderTest } from './resource-store.contract';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

function entry(tenantId: string, userId: string, minute: number, id: string, extra: Partial<SignInEntry> = {}): SignInEntry {
  return { id, tenantId, userId, time: at(minute), outcome: 'failure', reason: 'wrongPassword', clientAddress: '203.0.113.7', ...extra };
}

/** Every entry of a user, page by page of `limit`, as ids. */
async function walk(signIns: SignInStore, tenantId: string, userId: string, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let after: SignInPosition | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await signIns.list(tenantId, userId, { after, limit });
    pages.push(page.entries.map((found) => found.id));
    if (!page.next) return pages;
    after = page.next;
  }
  throw new Error('the walk did not end');
}

export function describeSignInStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name}: sign-in history contract`, () => {
    let subject: StoreUnderTest;
    let signIns: SignInStore;

    beforeEach(async () => {
      subject = await makeStore();
      signIns = subject.store.signIns;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('reads entries back exactly, newest first, with and without the optional fields', async () => {
      const success = entry('t1', 'u1', 3, 'e3', { outcome: 'success', reason: undefined, clientAddress: undefined });
      await signIns.append(entry('t1', 'u1', 1, 'e1'));
      await signIns.append(success);
      await signIns.append(entry('t1', 'u1', 2, 'e2', { reason: 'locked', clientAddress: '2001:db8::1' }));
      const page = await signIns.list('t1', 'u1', { limit: 10 });
      expect(page).toEqual({
        entries: [
          { id: 'e3', tenantId: 't1', userId: 'u1', time: at(3), outcome: 'success' },
          entry('t1', 'u1', 2, 'e2', { reason: 'locked', clientAddress: '2001:db8::1' }),
          entry('t1', 'u1', 1, 'e1'),
        ],
      });
      expect(await signIns.count('t1', 'u1')).toBe(3);
    });

    it('pages by keyset, newest first, ties on the instant broken by id, none repeated or skipped', async () => {
      for (const [minute, id] of [[5, 'a'], [5, 'c'], [5, 'b'], [4, 'z'], [6, 'y'], [5, 'd']] as const) await signIns.append(entry('t1', 'u1', minute, id));
      expect(await walk(signIns, 't1', 'u1', 2)).toEqual([['y', 'd'], ['c', 'b'], ['a', 'z']]);
      expect(await walk(signIns, 't1', 'u1', 4)).toEqual([['y', 'd', 'c', 'b'], ['a', 'z']]);
      expect(await walk(signIns, 't1', 'u1', 6)).toEqual([['y', 'd', 'c', 'b', 'a', 'z']]);
      // An entry written during the walk, newer than the position, is not seen by its later pages; older ones are.
      const first = await signIns.list('t1', 'u1', { limit: 3 });
      await signIns.append(entry('t1', 'u1', 9, 'new'));
      const rest = await signIns.list('t1', 'u1', { after: first.next, limit: 10 });
      expect(rest.entries.map((found) => found.id)).toEqual(['b', 'a', 'z']);
      expect((await signIns.list('t1', 'u1', { limit: 0 })).entries).toEqual([]);
    });

    it('keeps tenants and users apart', async () => {
      await signIns.append(entry('t1', 'u1', 1, 'e1'));
      await signIns.append(entry('t1', 'u2', 1, 'e2'));
      await signIns.append(entry('t2', 'u1', 1, 'e1'));
      expect((await signIns.list('t1', 'u1', { limit: 10 })).entries.map((found) => [found.tenantId, found.userId, found.id])).toEqual([['t1', 'u1', 'e1']]);
      expect(await signIns.count('t2', 'u1')).toBe(1);
      expect(await signIns.count('t2', 'u2')).toBe(0);
      expect(await signIns.deleteForUser('t1', 'u1')).toBe(1);
      expect(await signIns.count('t1', 'u1')).toBe(0);
      expect(await signIns.count('t1', 'u2')).toBe(1);
      expect(await signIns.count('t2', 'u1')).toBe(1);
    });

    it('purges a tenant\'s entries older than an instant, in bounded batches, and nothing else', async () => {
      for (let minute = 0; minute < 7; minute++) await signIns.append(entry('t1', `u${minute % 2}`, minute, `e${minute}`));
      await signIns.append(entry('t2', 'u0', 0, 'old-of-t2'));
      expect(await signIns.purgeBefore('t1', at(5), 3)).toBe(3);
      expect(await signIns.purgeBefore('t1', at(5), 3)).toBe(2);
      expect(await signIns.purgeBefore('t1', at(5), 3)).toBe(0);
      const left = [...(await signIns.list('t1', 'u0', { limit: 10 })).entries, ...(await signIns.list('t1', 'u1', { limit: 10 })).entries];
      expect(left.map((found) => found.id).sort()).toEqual(['e5', 'e6']);
      expect(await signIns.count('t2', 'u0')).toBe(1);
    });

    it('deletes a tenant\'s history with the tenant', async () => {
      await subject.store.tenants.createTenant({ id: 't1', name: 't1', profile: 'standard', created: at(0) });
      await signIns.append(entry('t1', 'u1', 1, 'e1'));
      await signIns.append(entry('t2', 'u1', 1, 'e1'));
      await subject.store.deleteTenant('t1');
      expect(await signIns.count('t1', 'u1')).toBe(0);
      expect(await signIns.count('t2', 'u1')).toBe(1);
    });
  });
}
