// The write-effects contract every store must pass: the outbox messages a resource write carries exist exactly when
// the write does. A create, batch create, replace, mark (a member-only change, a delete's tombstone) or delete that succeeds leaves its messages in the outbox, available
// at once; one that fails (a taken unique value, a stale version, a missing resource) leaves none. What a store does
// when its process dies in the middle is tested per store (mongo-store-on-mingo.test.ts, the process tests).
import type { NewOutboxMessage, OutboxMessage } from '../../src/store/outbox-store';
import type { NewResource } from '../../src/store/resource-store';
import { StoreError } from '../../src/store/store-error';
import type { StoreUnderTest } from './resource-store.contract';

const T0 = Date.parse('2024-05-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const user = (id: string, userName: string): NewResource => ({ resourceType: 'User', id, created: at(1), attributes: { userName }, internal: {} });
const effect = (name: string, extra: Partial<NewOutboxMessage> = {}): NewOutboxMessage => ({
  id: `m-${name}`,
  tenantId: 't1',
  topic: 'audit',
  key: `k-${name}`,
  payload: { events: [{ type: name, 'a.b': 1 }] },
  created: at(1),
  ...extra,
});

export function describeWriteEffectsContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name}: write effects contract`, () => {
    let subject: StoreUnderTest;

    beforeEach(async () => {
      subject = await makeStore();
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    const outbox = async (): Promise<OutboxMessage[]> => subject.store.outbox.list('t1', { limit: 100 });
    const keys = async () => (await outbox()).map((message) => message.key).sort();
    /** What a worker would claim now: the messages are available at once, without a condition. */
    const claimable = async () => {
      const claimed = await subject.store.outbox.claim({ topics: ['audit'], limit: 100, now: at(2), claimExpires: at(60), token: `c-${Math.random()}` });
      return claimed.map((message) => [message.key, message.condition ?? null]).sort();
    };

    it('a create commits its messages with it; a refused create leaves none', async () => {
      const { resources } = subject.store;
      await resources.create('t1', user('u1', 'a@example.com'), [effect('create-1'), effect('create-1b')]);
      await expect(resources.create('t1', user('u2', 'A@example.com'), [effect('create-2')])).rejects.toBeInstanceOf(StoreError);
      expect(await keys()).toEqual(['k-create-1', 'k-create-1b']);
      expect((await outbox())[0].payload).toEqual({ events: [{ type: 'create-1', 'a.b': 1 }] });
      expect(await claimable()).toEqual([
        ['k-create-1', null],
        ['k-create-1b', null],
      ]);
      // Nothing is left to recover: the write and its messages are both done.
      expect(await resources.recoverEffects(at(1000), 100)).toBe(0);
      // The stored resource is what the write stored, nothing more.
      expect(await resources.get('t1', 'User', 'u1')).toMatchObject({ id: 'u1', version: 1, attributes: { userName: 'a@example.com' }, internal: {} });
    });

    it('a message for the audit store only is there or in the outbox exactly when its write is; a refused write leaves its events nowhere', async () => {
      const { resources, auditEvents } = subject.store;
      const event = (id: string, type: string) => ({ id, tenantId: 't1', type, time: at(1), outcome: 'success', actor: { kind: 'token', tokenId: 'tok', label: 'okta' }, requestId: `r-${id}`, clientAddress: null });
      const auditOnly = (name: string): NewOutboxMessage => effect(name, { auditStoreOnly: true, payload: { events: [event(`${name}-start`, 'USER_CREATE_START'), event(`${name}-success`, 'USER_CREATE_SUCCESS')] } });
      await resources.create('t1', user('u1', 'a@example.com'), [auditOnly('kept')]);
      await expect(resources.create('t1', user('u2', 'A@example.com'), [auditOnly('refused')])).rejects.toBeInstanceOf(StoreError);
      // The embedded store writes the events into the audit store in the write's transaction; another store queues them.
      const stored = (await auditEvents.list('t1', { count: 10 })).events.map((entry) => entry.id).sort();
      const queued = (await outbox()).flatMap((message) => (message.payload as { events: { id: string }[] }).events.map((entry) => entry.id)).sort();
      expect([...stored, ...queued].sort()).toEqual(['kept-start', 'kept-success']);
    });

    it('a batch create commits the messages of the items it wrote, and only theirs', async () => {
      const results = await subject.store.resources.createMany(
        't1',
        [user('u1', 'a@example.com'), user('u2', 'A@EXAMPLE.COM'), user('u3', 'c@example.com')],
        [[effect('one')], [effect('two')], undefined],
      );
      expect(results.map((result) => (result instanceof StoreError ? result.code : result.id))).toEqual(['u1', 'conflict', 'u3']);
      expect(await keys()).toEqual(['k-one']);
      expect(await subject.store.resources.recoverEffects(at(1000), 100)).toBe(0);
    });

    it('a replace commits its messages with it; a stale or missing one leaves none', async () => {
      const { resources } = subject.store;
      await resources.create('t1', user('u1', 'a@example.com'));
      const replacement = { lastModified: at(2), attributes: { userName: 'b@example.com' }, internal: {} };
      await resources.replace('t1', 'User', 'u1', replacement, 1, [effect('replace-1')]);
      await expect(resources.replace('t1', 'User', 'u1', replacement, 1, [effect('stale')])).rejects.toMatchObject({ code: 'version_mismatch' });
      await expect(resources.replace('t1', 'User', 'nope', replacement, 1, [effect('missing')])).rejects.toMatchObject({ code: 'not_found' });
      // Two writes in a row keep both writes' messages.
      await resources.replace('t1', 'User', 'u1', replacement, 2, [effect('replace-2')]);
      expect(await keys()).toEqual(['k-replace-1', 'k-replace-2']);
      expect(await resources.get('t1', 'User', 'u1')).toMatchObject({ version: 3, attributes: { userName: 'b@example.com' } });
      expect(await resources.recoverEffects(at(1000), 100)).toBe(0);
    });

    it('a delete commits its messages, available at once; a stale or missing one leaves none', async () => {
      const { resources } = subject.store;
      await resources.create('t1', user('u1', 'a@example.com'));
      await resources.create('t1', user('u2', 'b@example.com'));
      await expect(resources.delete('t1', 'User', 'u1', 5, [effect('stale')])).rejects.toMatchObject({ code: 'version_mismatch' });
      await expect(resources.delete('t1', 'User', 'nope', undefined, [effect('missing')])).rejects.toMatchObject({ code: 'not_found' });
      await resources.delete('t1', 'User', 'u1', 1, [effect('delete-1')]);
      await resources.delete('t1', 'User', 'u2', undefined, [effect('delete-2')]);
      expect(await resources.get('t1', 'User', 'u1')).toBeNull();
      expect(await keys()).toEqual(['k-delete-1', 'k-delete-2']);
      expect(await claimable()).toEqual([
        ['k-delete-1', null],
        ['k-delete-2', null],
      ]);
    });

    it('a mark commits its messages with it, and a tombstone settled away leaves them in the outbox; a stale or missing mark leaves none', async () => {
      const { resources, memberships } = subject.store;
      await resources.create('t1', user('u1', 'a@example.com'));
      const tombstone = { lastModified: at(2), pending: [{ id: 'p-delete', change: { kind: 'delete' as const } }] };
      await expect(resources.mark('t1', 'User', 'u1', tombstone, 7, [effect('stale')])).rejects.toMatchObject({ code: 'version_mismatch' });
      await expect(resources.mark('t1', 'User', 'nope', tombstone, undefined, [effect('missing')])).rejects.toMatchObject({ code: 'not_found' });
      await resources.mark('t1', 'User', 'u1', tombstone, 1, [effect('tombstone')]);
      expect(await keys()).toEqual(['k-tombstone']);
      await memberships.settle('t1', 'User', 'u1');
      expect(await resources.get('t1', 'User', 'u1')).toBeNull();
      expect(await claimable()).toEqual([['k-tombstone', null]]);
      expect(await resources.recoverEffects(at(1000), 100)).toBe(0);
    });

    it('writes without effects write no messages', async () => {
      const { resources } = subject.store;
      await resources.create('t1', user('u1', 'a@example.com'));
      await resources.replace('t1', 'User', 'u1', { lastModified: at(2), attributes: { userName: 'x@example.com' }, internal: {} }, 1, []);
      await resources.delete('t1', 'User', 'u1');
      expect(await outbox()).toEqual([]);
    });
  });
}
