// The idempotency contract every store must pass: a claim is exclusive per tenant and key id (also under concurrent
// claims), a completed record keeps its response until it expires, an abandoned claim can be taken over after its
// lock, complete and release need the claim's token, and records go with expiry and with their tenant.
import type { IdempotencyClaim, IdempotencyStore } from '../../src/store/idempotency-store';
import type { StoreUnderTest } from './resource-store.contract';

const BASE = Date.parse('2024-05-01T00:00:00.000Z');
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();
const DAY = 24 * 3600;

let tokens = 0;
const claimAt = (seconds: number, extra: Partial<IdempotencyClaim> = {}): IdempotencyClaim => {
  tokens += 1;
  return { tenantId: 't1', id: 'key-1', fingerprint: 'f-1', token: `claim-${tokens}`, now: at(seconds), lockedUntil: at(seconds + 60), expires: at(seconds + DAY), ...extra };
};

export function describeIdempotencyStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name}: idempotency contract`, () => {
    let subject: StoreUnderTest;
    let keys: IdempotencyStore;

    beforeEach(async () => {
      subject = await makeStore();
      keys = subject.store.idempotency;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('claims a new key once; a second claim finds it pending, then completed with its response', async () => {
      const first = claimAt(0);
      expect(await keys.claim(first)).toEqual({ claimed: true });
      expect(await keys.claim(claimAt(1, { fingerprint: 'f-2' }))).toEqual({
        claimed: false,
        record: { tenantId: 't1', id: 'key-1', fingerprint: 'f-1', state: 'pending', created: at(0), expires: at(DAY), lockedUntil: at(60) },
      });
      expect(await keys.complete('t1', 'key-1', 'not-the-token', { response: 'x', now: at(2) })).toBe(false);
      expect(await keys.complete('t1', 'key-1', first.token, { response: '{"status":201}', now: at(2) })).toBe(true);
      expect(await keys.complete('t1', 'key-1', first.token, { response: 'again', now: at(3) })).toBe(false);
      expect(await keys.claim(claimAt(100))).toEqual({
        claimed: false,
        record: { tenantId: 't1', id: 'key-1', fingerprint: 'f-1', state: 'completed', created: at(0), expires: at(DAY), response: '{"status":201}' },
      });
    });

    it('keeps keys apart per tenant and id', async () => {
      expect(await keys.claim(claimAt(0))).toEqual({ claimed: true });
      expect(await keys.claim(claimAt(0, { tenantId: 't2' }))).toEqual({ claimed: true });
      expect(await keys.claim(claimAt(0, { id: 'key-2' }))).toEqual({ claimed: true });
    });

    it('gives a key to exactly one of many concurrent claims', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, (_, index) => keys.claim(claimAt(0, { fingerprint: `f-${index}` }))));
      expect(results.filter((result) => result.claimed)).toHaveLength(1);
    });

    it('lets a claim take over a pending key whose lock expired; the first claim can then no longer complete it', async () => {
      const abandoned = claimAt(0);
      await keys.claim(abandoned);
      expect((await keys.claim(claimAt(59))).claimed).toBe(false);
      const takeover = claimAt(60, { fingerprint: 'f-new' });
      expect(await keys.claim(takeover)).toEqual({ claimed: true });
      expect(await keys.complete('t1', 'key-1', abandoned.token, { response: 'late', now: at(61) })).toBe(false);
      expect(await keys.complete('t1', 'key-1', takeover.token, { response: 'ok', now: at(61) })).toBe(true);
    });

    it('treats an expired record as absent: the key can be claimed again', async () => {
      const first = claimAt(0);
      await keys.claim(first);
      await keys.complete('t1', 'key-1', first.token, { response: 'old', now: at(1) });
      expect((await keys.claim(claimAt(DAY - 1))).claimed).toBe(false);
      expect(await keys.claim(claimAt(DAY, { fingerprint: 'f-later' }))).toEqual({ claimed: true });
      const record = await keys.claim(claimAt(DAY + 1));
      expect(record).toMatchObject({ claimed: false, record: { fingerprint: 'f-later', state: 'pending', created: at(DAY) } });
      expect(record.claimed === false && record.record.response).toBeUndefined();
    });

    it('releases a pending key for its token only, so that the next claim runs', async () => {
      const first = claimAt(0);
      await keys.claim(first);
      expect(await keys.release('t1', 'key-1', 'other')).toBe(false);
      expect(await keys.release('t1', 'key-1', first.token)).toBe(true);
      expect(await keys.release('t1', 'key-1', first.token)).toBe(false);
      expect(await keys.claim(claimAt(1))).toEqual({ claimed: true });
    });

    it('deletes expired records, a limited number at a time', async () => {
      await keys.claim(claimAt(0, { id: 'a', expires: at(10) }));
      await keys.claim(claimAt(0, { id: 'b', expires: at(10) }));
      await keys.claim(claimAt(0, { id: 'c', expires: at(20) }));
      expect(await keys.purgeExpired(at(10), 1)).toBe(1);
      expect(await keys.purgeExpired(at(10), 5)).toBe(1);
      expect(await keys.purgeExpired(at(10), 5)).toBe(0);
      expect((await keys.claim(claimAt(11, { id: 'c', expires: at(20) }))).claimed).toBe(false);
    });

    it('goes with its tenant when the tenant is deleted', async () => {
      for (const id of ['t1', 't2']) await subject.store.tenants.createTenant({ id, name: id, profile: 'standard', created: at(0) });
      await keys.claim(claimAt(0));
      await keys.claim(claimAt(0, { tenantId: 't2' }));
      await subject.store.deleteTenant('t1');
      expect(await keys.claim(claimAt(1))).toEqual({ claimed: true });
      expect((await keys.claim(claimAt(1, { tenantId: 't2' }))).claimed).toBe(false);
      if (subject.remainingOf) {
        await keys.release('t1', 'key-1', `claim-${tokens - 1}`);
        expect(await subject.remainingOf('t1')).toEqual({});
      }
    });
  });
}
