// The rate limiter's bookkeeping on a real embedded store: how often it asks the store (the hot path must not), when
// its local counts reach the store and the other instances, exactness near a limit, and what it does when the store
// fails.
import { createRateLimiter, NEAR } from '../../../src/limits/rate-limiter';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import type { RateLimitStore } from '../../../src/store/rate-limit-store';
import { StoreError } from '../../../src/store/store-error';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../src/store/tenant-store';

const T0 = Date.parse('2025-06-01T10:00:00.000Z');
const check = (key: string, limit = 100) => ({ key, limit, windowMs: 10_000 });

/** The store's counters, with every call to add() recorded. */
function counted(store: RateLimitStore) {
  const calls: number[] = [];
  let failing = false;
  const port: RateLimitStore = {
    async add(hits) {
      calls.push(hits.length);
      if (failing) throw new StoreError('unavailable', 'down');
      return store.add(hits);
    },
    purgeExpired: (now, limit) => store.purgeExpired(now, limit),
  };
  return { port, calls, fail: (on: boolean) => (failing = on) };
}

describe('rate limiter', () => {
  let store: Store;
  let now: number;
  const clock = () => new Date(now);
  beforeEach(() => {
    store = createSqliteStore({ path: ':memory:', registry: loadBuiltinRegistry() });
    now = T0;
  });
  afterEach(() => store.close());

  it('asks the store once per key and window far from the limit, and writes local hits in one batch', async () => {
    const counters = counted(store.rateLimits);
    const limiter = createRateLimiter({ store: counters.port, clock, flushMs: 60_000 });
    for (let i = 0; i < 50; i++) expect((await limiter.consume([check('token:a'), check('tenant:t')])).allowed).toBe(true);
    // The first hit of each key asked the store; the other 49 were counted here.
    expect(counters.calls).toEqual([1, 1]);
    await limiter.flush();
    expect(counters.calls).toEqual([1, 1, 2]);
    expect(await store.rateLimits.add([{ key: 'token:a', window: T0, points: 0, expires: new Date(T0 + 20_000).toISOString() }])).toEqual([50]);
    await limiter.stop();
  });

  it('decides every hit by the store total from NEAR of the limit on, so another instance’s hits count at once', async () => {
    const a = createRateLimiter({ store: store.rateLimits, clock, flushMs: 60_000 });
    const b = createRateLimiter({ store: store.rateLimits, clock, flushMs: 60_000 });
    const limit = 10;
    const fastPath = Math.floor(limit * NEAR);
    for (let i = 0; i < fastPath; i++) expect((await a.consume([check('token:a', limit)])).allowed).toBe(true);
    // Unflushed, b does not know a's hits yet, beyond the first; but a's next hit is exact and carries them along.
    expect((await a.consume([check('token:a', limit)])).allowed).toBe(true);
    expect((await b.consume([check('token:a', limit)])).allowed).toBe(true);
    expect((await b.consume([check('token:a', limit)])).allowed).toBe(false);
    expect((await a.consume([check('token:a', limit)])).allowed).toBe(false);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('lets another instance see local hits after a flush', async () => {
    const a = createRateLimiter({ store: store.rateLimits, clock, flushMs: 60_000 });
    const b = createRateLimiter({ store: store.rateLimits, clock, flushMs: 60_000 });
    for (let i = 0; i < 5; i++) await a.consume([check('token:a', 6)]);
    await a.flush();
    expect(await b.consume([check('token:a', 6)])).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect(await b.consume([check('token:a', 6)])).toEqual({ allowed: false, refusedBy: check('token:a', 6), retryAfterSeconds: 10 });
    await Promise.all([a.stop(), b.stop()]);
  });

  it('says Retry-After to the end of the window, and starts the next window at zero', async () => {
    const limiter = createRateLimiter({ store: store.rateLimits, clock });
    now = T0 + 2_500;
    await limiter.consume([check('k', 1)]);
    expect(await limiter.consume([check('k', 1)])).toMatchObject({ allowed: false, retryAfterSeconds: 8 });
    expect(limiter.isOver(check('k', 1))).toMatchObject({ allowed: false, retryAfterSeconds: 8 });
    now = T0 + 9_999;
    expect(await limiter.consume([check('k', 1)])).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    now = T0 + 10_000;
    expect(limiter.isOver(check('k', 1)).allowed).toBe(true);
    expect((await limiter.consume([check('k', 1)])).allowed).toBe(true);
    await limiter.stop();
  });

  it('never counts a check without a limit, nor the checks after a refusal', async () => {
    const counters = counted(store.rateLimits);
    const limiter = createRateLimiter({ store: counters.port, clock });
    expect((await limiter.consume([check('off', 0)])).allowed).toBe(true);
    expect(counters.calls).toEqual([]);
    await limiter.consume([check('token:a', 1), check('tenant:t', 5)]);
    expect((await limiter.consume([check('token:a', 1), check('tenant:t', 5)])).refusedBy?.key).toBe('token:a');
    await limiter.flush();
    const [tenantTotal] = await store.rateLimits.add([{ key: 'tenant:t', window: T0, points: 0, expires: new Date(T0 + 20_000).toISOString() }]);
    expect(tenantTotal).toBe(1);
    await limiter.stop();
  });

  it('counts locally while the store fails, reports it, and writes the hits once the store is back', async () => {
    const counters = counted(store.rateLimits);
    const errors: unknown[] = [];
    const limiter = createRateLimiter({ store: counters.port, clock, onError: (error) => errors.push(error), flushMs: 60_000 });
    counters.fail(true);
    expect((await limiter.consume([check('token:a', 3)])).allowed).toBe(true);
    expect((await limiter.consume([check('token:a', 3)])).allowed).toBe(true);
    expect((await limiter.consume([check('token:a', 3)])).allowed).toBe(true);
    expect((await limiter.consume([check('token:a', 3)])).allowed).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBeInstanceOf(StoreError);
    counters.fail(false);
    await limiter.flush();
    const [total] = await store.rateLimits.add([{ key: 'token:a', window: T0, points: 0, expires: new Date(T0 + 20_000).toISOString() }]);
    expect(total).toBe(4);
    await limiter.stop();
  });
});
