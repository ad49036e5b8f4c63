// The idempotency service without HTTP: concurrent requests with one key (one runs, the other is told 409), a 5xx that
// keeps nothing, an abandoned claim taken over after its lock, and the canonical form that decides "the same body".
import { canonicalJson, createIdempotency, IDEMPOTENCY_LOCK_MS, parseIdempotencyKey } from '../../../src/idempotency/idempotency-service';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../src/store/tenant-store';

const request = { tenantId: 't1', tokenId: 'tok-1', key: 'k-1', method: 'POST', url: '/scim/v2/Users', body: { userName: 'a' } };
const answer = { status: 201, headers: { location: 'https://x/Users/1', etag: 'W/"1"', 'content-type': 'application/scim+json' }, body: '{"id":"1"}' };

describe('idempotency service', () => {
  let store: Store;
  let now: number;
  beforeEach(() => {
    store = createSqliteStore({ path: ':memory:', registry: loadBuiltinRegistry() });
    now = Date.parse('2025-06-01T10:00:00.000Z');
  });
  afterEach(() => store.close());
  const service = () => createIdempotency({ store: store.idempotency, clock: () => new Date(now) });

  it('runs the first of two concurrent requests and answers the other 409 until the first has answered', async () => {
    const idempotency = service();
    const [a, b] = await Promise.allSettled([idempotency.start(request), idempotency.start(request)]);
    const ran = [a, b].filter((result) => result.status === 'fulfilled');
    const refused = [a, b].filter((result) => result.status === 'rejected') as PromiseRejectedResult[];
    expect(ran).toHaveLength(1);
    expect(refused[0].reason).toMatchObject({ status: 409, headers: { 'Retry-After': '1' } });
    const started = (ran[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof idempotency.start>>>).value;
    if (started.kind !== 'run') throw new Error('expected the first request to run');
    await started.finish(answer);
    expect(await idempotency.start(request)).toEqual({ kind: 'replay', response: answer });
  });

  it('keeps nothing of a 5xx: the retry runs', async () => {
    const idempotency = service();
    const first = await idempotency.start(request);
    if (first.kind !== 'run') throw new Error('expected a run');
    await first.finish(null);
    expect((await idempotency.start(request)).kind).toBe('run');
  });

  it('lets a retry take over a claim whose request never answered, once its lock expired', async () => {
    const idempotency = service();
    await idempotency.start(request);
    now += IDEMPOTENCY_LOCK_MS - 1;
    await expect(idempotency.start(request)).rejects.toMatchObject({ status: 409 });
    now += 1;
    expect((await idempotency.start(request)).kind).toBe('run');
  });

  it('compares bodies as canonical JSON and keys without their sf-string quotes', () => {
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: true, skip: undefined })).toBe('{"a":true,"b":[1,{"c":"x","d":null}]}');
    expect(parseIdempotencyKey(' "abc" ')).toBe('abc');
    expect(parseIdempotencyKey('abc def')).toBe('abc def');
    for (const bad of ['', '""', ' ', 'é', 'a\u0000b', 'x'.repeat(256)]) expect(() => parseIdempotencyKey(bad)).toThrow(/Idempotency-Key must be/);
  });
});
