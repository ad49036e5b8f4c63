// The outbox contract every store must pass: idempotent appends (one message per tenant, topic and key), batch
// claims that hand each message to exactly one claimer, ack, retry with a later availability, dead letters and their
// requeue, and housekeeping. Time is whatever the test says it is: nothing here waits.
import type { NewOutboxMessage, OutboxClaim, OutboxMessage, OutboxStore } from '../../src/store/outbox-store';
import type { StoreUnderTest } from './resource-store.contract';

const BASE = Date.parse('2024-05-01T00:00:00.000Z');
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

const message = (n: number, extra: Partial<NewOutboxMessage> = {}): NewOutboxMessage => ({
  id: `m-${String(n).padStart(3, '0')}`,
  tenantId: 't1',
  topic: 'webhook',
  key: `user.created:u-${n}:1`,
  payload: { event: 'user.created', id: `u-${n}` },
  created: at(n),
  ...extra,
});

let tokens = 0;
const claimAt = (seconds: number, extra: Partial<OutboxClaim> = {}): OutboxClaim => {
  tokens += 1;
  return { topics: ['webhook', 'audit'], limit: 10, now: at(seconds), claimExpires: at(seconds + 60), token: `claim-${tokens}`, ...extra };
};
const ids = (messages: readonly OutboxMessage[]) => messages.map((entry) => entry.id);

export function describeOutboxStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name}: outbox contract`, () => {
    let subject: StoreUnderTest;
    let outbox: OutboxStore;

    beforeEach(async () => {
      subject = await makeStore();
      outbox = subject.store.outbox;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('appends messages once per tenant, topic and key: appending again is harmless', async () => {
      expect(await outbox.append([message(1), message(2)])).toBe(2);
      // A retry after a crash: same keys (even with new ids) add nothing.
      expect(await outbox.append([message(1, { id: 'm-retry' }), message(2), message(3)])).toBe(1);
      expect(await outbox.append([])).toBe(0);
      // The key is per tenant and per topic.
      expect(await outbox.append([message(1, { id: 'm-t2', tenantId: 't2' }), message(1, { id: 'm-audit', topic: 'audit' })])).toBe(2);

      const listed = await outbox.list('t1', { limit: 10 });
      expect(ids(listed)).toEqual(['m-001', 'm-audit', 'm-002', 'm-003']);
      expect(listed[0]).toEqual({
        id: 'm-001',
        tenantId: 't1',
        topic: 'webhook',
        key: 'user.created:u-1:1',
        payload: { event: 'user.created', id: 'u-1' },
        status: 'pending',
        attempts: 0,
        created: at(1),
        availableAt: at(1),
        updated: at(1),
      });
      expect(ids(await outbox.list('t2', { limit: 10 }))).toEqual(['m-t2']);
    });

    it('keeps the payload as given, keys with "." and "$" included', async () => {
      const payload = { 'a.b': { $set: [1, null, 'x'] }, n: 1.25 };
      await outbox.append([message(1, { payload })]);
      expect((await outbox.claim(claimAt(10)))[0].payload).toEqual(payload);
    });

    it('claims available messages oldest first, up to the limit, of the topics asked for', async () => {
      await outbox.append([message(3), message(1), message(2), message(4, { availableAt: at(100) }), message(5, { topic: 'mail' })]);
      const first = await outbox.claim(claimAt(10, { limit: 2, claimExpires: at(1000) }));
      expect(ids(first)).toEqual(['m-001', 'm-002']);
      expect(first[0]).toMatchObject({ status: 'pending', attempts: 1, availableAt: at(1000), updated: at(10) });
      expect(ids(await outbox.claim(claimAt(10, { claimExpires: at(1000) })))).toEqual(['m-003']);
      // Claimed messages are hidden until their claim expires; m-004 is not available yet; m-005 is another topic.
      expect(await outbox.claim(claimAt(20))).toEqual([]);
      expect(ids(await outbox.claim(claimAt(100, { topics: ['webhook'] })))).toEqual(['m-004']);
      expect(ids(await outbox.claim(claimAt(100, { topics: ['mail'] })))).toEqual(['m-005']);
      expect(await outbox.claim(claimAt(100, { topics: [] }))).toEqual([]);
    });

    it('gives each message to exactly one of concurrent claims', async () => {
      await outbox.append(Array.from({ length: 12 }, (_, i) => message(i)));
      const claims = Array.from({ length: 5 }, () => claimAt(50, { limit: 5 }));
      const batches = await Promise.all(claims.map((claim) => outbox.claim(claim)));
      // What the concurrent claims left (if contention made one of them come back short) goes to one more claim.
      claims.push(claimAt(50, { limit: 12 }));
      batches.push(await outbox.claim(claims[claims.length - 1]));
      const claimed = batches.flatMap(ids);
      expect(claimed.sort()).toEqual(Array.from({ length: 12 }, (_, i) => message(i).id));
      // Each batch's token acknowledges exactly its own messages.
      for (const [index, batch] of batches.entries()) {
        for (const entry of batch) expect(await outbox.ack(entry.id, claims[index].token, at(51))).toBe(true);
      }
      expect((await outbox.list('t1', { limit: 20, status: 'delivered' })).length).toBe(12);
    });

    it('acks a delivery once, with the claim token only', async () => {
      await outbox.append([message(1)]);
      const claim = claimAt(10);
      await outbox.claim(claim);
      expect(await outbox.ack('m-001', 'someone-else', at(11))).toBe(false);
      expect(await outbox.ack('m-001', claim.token, at(12))).toBe(true);
      expect(await outbox.ack('m-001', claim.token, at(13))).toBe(false);
      expect((await outbox.list('t1', { limit: 1 }))[0]).toMatchObject({ status: 'delivered', delivered: at(12), attempts: 1 });
      expect(await outbox.claim(claimAt(10_000))).toEqual([]);
    });

    it('claims again after a claim expired (the worker died); the first claim can no longer ack', async () => {
      await outbox.append([message(1)]);
      const first = claimAt(10);
      await outbox.claim(first);
      expect(await outbox.claim(claimAt(69))).toEqual([]);
      const second = claimAt(70);
      expect(await outbox.claim(second)).toMatchObject([{ id: 'm-001', attempts: 2 }]);
      expect(await outbox.ack('m-001', first.token, at(71))).toBe(false);
      expect(await outbox.ack('m-001', second.token, at(71))).toBe(true);
    });

    it('retries a failed delivery from a later time, then dead-letters it; a requeue starts over', async () => {
      await outbox.append([message(1)]);
      const first = claimAt(10);
      await outbox.claim(first);
      const failed = await outbox.fail('m-001', first.token, { now: at(11), error: 'receiver answered 503', retryAt: at(40) });
      expect(failed).toMatchObject({ status: 'pending', availableAt: at(40), lastError: 'receiver answered 503', attempts: 1 });
      expect(await outbox.fail('m-001', first.token, { now: at(12), error: 'again' })).toBeNull();
      expect(await outbox.claim(claimAt(39))).toEqual([]);

      const second = claimAt(40);
      expect(await outbox.claim(second)).toMatchObject([{ id: 'm-001', attempts: 2 }]);
      expect(await outbox.fail('m-001', second.token, { now: at(41), error: 'receiver answered 410' })).toMatchObject({ status: 'dead', lastError: 'receiver answered 410', attempts: 2 });
      expect(await outbox.claim(claimAt(10_000))).toEqual([]);
      expect(ids(await outbox.list('t1', { limit: 10, status: 'dead' }))).toEqual(['m-001']);

      expect(await outbox.requeue('t2', 'm-001', at(50))).toBeNull();
      expect(await outbox.requeue('t1', 'm-001', at(50))).toMatchObject({ status: 'pending', attempts: 0, availableAt: at(50) });
      expect(await outbox.claim(claimAt(50))).toMatchObject([{ id: 'm-001', attempts: 1 }]);
      // Only a dead message is requeued.
      expect(await outbox.requeue('t1', 'm-001', at(51))).toBeNull();
      expect((await outbox.list('t1', { limit: 1 }))[0]).toMatchObject({ status: 'pending', attempts: 1 });
    });

    it('lists by pages, status and topic', async () => {
      await outbox.append([message(1), message(2, { topic: 'audit' }), message(3)]);
      const first = await outbox.list('t1', { limit: 2 });
      expect(ids(first)).toEqual(['m-001', 'm-002']);
      expect(ids(await outbox.list('t1', { limit: 2, after: { created: first[1].created, id: first[1].id } }))).toEqual(['m-003']);
      expect(ids(await outbox.list('t1', { limit: 5, topic: 'audit' }))).toEqual(['m-002']);
    });

    it('deletes messages delivered before a time, a limited number at a time', async () => {
      await outbox.append([message(1), message(2), message(3), message(4)]);
      const claim = claimAt(10);
      await outbox.claim(claim);
      for (const [n, when] of [[1, 20], [2, 21], [3, 30]] as const) await outbox.ack(message(n).id, claim.token, at(when));
      expect(await outbox.purgeDelivered(at(25), 1)).toBe(1);
      expect(await outbox.purgeDelivered(at(25), 1)).toBe(1);
      expect(await outbox.purgeDelivered(at(25), 1)).toBe(0);
      expect(ids(await outbox.list('t1', { limit: 10 }))).toEqual(['m-003', 'm-004']);
    });

    it('counts the pending and dead messages of all tenants, not the delivered ones', async () => {
      expect(await outbox.countBacklog()).toEqual({ pending: 0, dead: 0 });
      await outbox.append([message(1), message(2), message(3), message(4, { tenantId: 't2' })]);
      const claim = claimAt(10, { limit: 2 });
      await outbox.claim(claim);
      await outbox.ack(message(1).id, claim.token, at(11));
      await outbox.fail(message(2).id, claim.token, { now: at(11), error: 'gone' });
      // m-003 and m-004 wait; a claimed message is still pending until it is acked.
      expect(await outbox.countBacklog()).toEqual({ pending: 2, dead: 1 });
    });

    it('goes with its tenant when the tenant is deleted', async () => {
      for (const id of ['t1', 't2']) await subject.store.tenants.createTenant({ id, name: id, profile: 'standard', created: at(0) });
      await outbox.append([message(1), message(2, { tenantId: 't2' })]);
      await subject.store.deleteTenant('t1');
      expect(await outbox.list('t1', { limit: 10 })).toEqual([]);
      expect(ids(await outbox.list('t2', { limit: 10 }))).toEqual(['m-002']);
      if (subject.remainingOf) expect(await subject.remainingOf('t1')).toEqual({});
    });
  });
}
