// The rate-limit counters contract every store must pass: counters per key and window that start at zero, add
// atomically (also under concurrent additions), answer their totals in the order asked, and are deleted once expired.
import type { CounterHit, RateLimitStore } from '../../src/store/rate-limit-store';
import type { StoreUnderTest } from './resource-store.contract';

const BASE = Date.parse('2024-05-01T00:00:00.000Z');
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();
const hit = (key: string, window: number, points = 1, expires = at(window / 1000 + 10)): CounterHit => ({ key, window, points, expires });

export function describeRateLimitStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name}: rate-limit counters contract`, () => {
    let subject: StoreUnderTest;
    let counters: RateLimitStore;

    beforeEach(async () => {
      subject = await makeStore();
      counters = subject.store.rateLimits;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('adds to a counter per key and window, answering the totals in the order of the hits', async () => {
      expect(await counters.add([])).toEqual([]);
      expect(await counters.add([hit('token:a', 0), hit('tenant:t', 0, 3)])).toEqual([1, 3]);
      expect(await counters.add([hit('tenant:t', 0, 2), hit('token:a', 0)])).toEqual([5, 2]);
      // Another window, another key: counters of their own.
      expect(await counters.add([hit('token:a', 10_000), hit('token:b', 0)])).toEqual([1, 1]);
      expect(await counters.add([hit('token:a', 0)])).toEqual([3]);
    });

    it('adds concurrent hits without losing one', async () => {
      const totals = await Promise.all(Array.from({ length: 20 }, () => counters.add([hit('token:busy', 0)])));
      expect([...totals].sort((a, b) => a[0] - b[0])).toEqual(Array.from({ length: 20 }, (_, index) => [index + 1]));
    });

    it('deletes counters whose expiry has passed, a limited number at a time', async () => {
      await counters.add([hit('a', 0, 1, at(10)), hit('b', 0, 1, at(10)), hit('c', 0, 1, at(20))]);
      expect(await counters.purgeExpired(at(10), 1)).toBe(1);
      expect(await counters.purgeExpired(at(10), 5)).toBe(1);
      expect(await counters.purgeExpired(at(10), 5)).toBe(0);
      // A purged counter starts again at zero; the one that had not expired kept its count.
      expect(await counters.add([hit('a', 0, 1, at(10)), hit('c', 0, 1, at(20))])).toEqual([1, 2]);
    });
  });
}
