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

    it('finds a message by tenant, topic and key, in whatever status it is', async () => {
      await outbox.append([message(1), message(2), message(1, { id: 'm-t2', tenantId: 't2' })]);
      const claim = claimAt(10);
      await outbox.claim(claim);
      await outbox.ack(message(1).id, claim.token, at(11));
      await outbox.fail(message(2).id, claim.token, { now: at(11), error: 'refused' });
      expect(await outbox.find('t1', 'webhook', message(1).key)).toMatchObject({ id: 'm-001', status: 'delivered', delivered: at(11) });
      expect(await outbox.find('t1', 'webhook', message(2).key)).toMatchObject({ id: 'm-002', status: 'dead', lastError: 'refused' });
      expect(await outbox.find('t2', 'webhook', message(1).key)).toMatchObject({ id: 'm-t2', status: 'pending' });
      expect(await outbox.find('t1', 'audit', message(1).key)).toBeNull();
      expect(await outbox.find('t3', 'webhook', message(1).key)).toBeNull();
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

    it('acks several messages of one claim at once, with that claim token only', async () => {
      await outbox.append([message(1), message(2), message(3)]);
      const claim = claimAt(10, { limit: 2 });
      expect(ids(await outbox.claim(claim))).toEqual(['m-001', 'm-002']);
      expect(await outbox.ackMany(['m-001', 'm-002', 'm-003'], 'someone-else', at(11))).toBe(0);
      // m-003 is not in this claim.
      expect(await outbox.ackMany(['m-001', 'm-002', 'm-003'], claim.token, at(12))).toBe(2);
      expect(await outbox.ackMany(['m-001'], claim.token, at(13))).toBe(0);
      expect(await outbox.ackMany([], claim.token, at(13))).toBe(0);
      expect((await outbox.list('t1', { limit: 5 })).map((entry) => [entry.id, entry.status, entry.delivered])).toEqual([
        ['m-001', 'delivered', at(12)],
        ['m-002', 'delivered', at(12)],
        ['m-003', 'pending', undefined],
      ]);
    });

    it('lists and counts one topic by key prefix, in key order, either way, from a keyset position', async () => {
      await outbox.append([
        message(1, { key: 'w1/2024-05-01T00:00:03Z/a' }),
        message(2, { key: 'w1/2024-05-01T00:00:01Z/b' }),
        message(3, { key: 'w2/2024-05-01T00:00:02Z/c' }),
        message(4, { key: 'w1/2024-05-01T00:00:02Z/d' }),
        message(5, { key: 'w1/2024-05-01T00:00:04Z/e', topic: 'audit' }),
        message(6, { key: 'w1/2024-05-01T00:00:05Z/f', tenantId: 't2' }),
        // Regular-expression characters in a prefix match themselves only.
        message(7, { key: 'w.1/x' }),
      ]);
      const keys = (messages: readonly OutboxMessage[]) => messages.map((entry) => entry.key);
      expect(keys(await outbox.listByKey('t1', { topic: 'webhook', prefix: 'w1/', limit: 10 }))).toEqual([
        'w1/2024-05-01T00:00:01Z/b',
        'w1/2024-05-01T00:00:02Z/d',
        'w1/2024-05-01T00:00:03Z/a',
      ]);
      const newest = await outbox.listByKey('t1', { topic: 'webhook', prefix: 'w1/', limit: 2, descending: true });
      expect(keys(newest)).toEqual(['w1/2024-05-01T00:00:03Z/a', 'w1/2024-05-01T00:00:02Z/d']);
      expect(keys(await outbox.listByKey('t1', { topic: 'webhook', prefix: 'w1/', limit: 2, descending: true, afterKey: newest[1].key }))).toEqual(['w1/2024-05-01T00:00:01Z/b']);
      expect(keys(await outbox.listByKey('t1', { topic: 'webhook', prefix: 'w1/', limit: 5, afterKey: 'w1/2024-05-01T00:00:01Z/b' }))).toEqual([
        'w1/2024-05-01T00:00:02Z/d',
        'w1/2024-05-01T00:00:03Z/a',
      ]);
      expect(keys(await outbox.listByKey('t1', { topic: 'webhook', prefix: 'w.', limit: 5 }))).toEqual(['w.1/x']);
      expect(await outbox.countByKey('t1', 'webhook', 'w1/')).toBe(3);
      expect(await outbox.countByKey('t1', 'webhook', 'w.')).toBe(1);
      expect(await outbox.countByKey('t2', 'webhook', 'w2/')).toBe(0);
      expect(await outbox.listByKey('t2', { topic: 'webhook', prefix: 'w2/', limit: 5 })).toEqual([]);
    });

    it('holds a message with a condition until it is released, or discards it; a hold that runs out delivers it with its condition', async () => {
      const held = (n: number) => message(n, { availableAt: at(100), condition: { absent: { resourceType: 'User', id: `u-${n}` } } });
      await outbox.append([held(1), held(2), held(3), message(4)]);
      expect((await outbox.list('t1', { limit: 1 }))[0]).toMatchObject({ id: 'm-001', availableAt: at(100), condition: { absent: { resourceType: 'User', id: 'u-1' } } });
      // Held: not claimable before the hold ends.
      const plain = claimAt(10);
      expect(ids(await outbox.claim(plain))).toEqual(['m-004']);
      await outbox.ack('m-004', plain.token, at(10));

      // The change of m-001 happened: released, available now, its condition gone.
      expect(await outbox.release('t1', 'webhook', [message(1).key], at(11))).toBe(1);
      // The change of m-002 did not happen: discarded.
      expect(await outbox.discard('t1', 'webhook', [message(2).key])).toBe(1);
      // Neither works on a message that is not held, nor for another tenant or topic.
      expect(await outbox.release('t1', 'webhook', [message(1).key, message(4).key], at(12))).toBe(0);
      expect(await outbox.discard('t1', 'webhook', [message(1).key, message(4).key])).toBe(0);
      expect(await outbox.release('t2', 'webhook', [message(3).key], at(12))).toBe(0);
      expect(await outbox.discard('t1', 'audit', [message(3).key])).toBe(0);
      expect(await outbox.release('t1', 'webhook', [], at(12))).toBe(0);

      const releasedClaim = claimAt(12);
      const released = await outbox.claim(releasedClaim);
      expect(ids(released)).toEqual(['m-001']);
      await outbox.ack('m-001', releasedClaim.token, at(12));
      expect(released[0].condition).toBeUndefined();
      // m-003's writer never came back: when the hold ends it is claimed with its condition, for the handler to check.
      expect(await outbox.claim(claimAt(99))).toEqual([]);
      const orphan = claimAt(100);
      const claimed = await outbox.claim(orphan);
      expect(claimed).toMatchObject([{ id: 'm-003', condition: { absent: { resourceType: 'User', id: 'u-3' } } }]);
      // A claimed held message is the claimer's: it is neither released nor discarded under it.
      expect(await outbox.release('t1', 'webhook', [message(3).key], at(101))).toBe(0);
      expect(await outbox.discard('t1', 'webhook', [message(3).key])).toBe(0);
      expect(ids(await outbox.list('t1', { limit: 10 }))).toEqual(['m-001', 'm-003', 'm-004']);
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
