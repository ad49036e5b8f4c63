// What the audit buffer asks before each flush: whether some active webhook of a tenant wants an event type. The
// answer is read from the tenant's webhooks, remembered for ttlMs, and forgotten at once by forget() (a webhook written
// on this instance), also when the read that would be remembered started before it.
import { webhookSubscriptions } from '../../../../src/extensions/webhooks/webhook-subscriptions';
import type { StoredResource, StoreListResult, StoreQuery } from '../../../../src/store/resource-store';

function setup() {
  let now = Date.parse('2025-01-01T00:00:00.000Z');
  const webhooks = new Map<string, { events: string[]; active?: boolean }[]>();
  const reads: string[] = [];
  let pause: Promise<void> | undefined;
  const resources = {
    async list(tenantId: string, query: StoreQuery): Promise<StoreListResult> {
      expect(query.resourceType).toBe('Webhook');
      reads.push(tenantId);
      const found = (webhooks.get(tenantId) ?? []).map((attributes, index) => ({ id: `w${index}`, attributes }) as unknown as StoredResource);
      await pause;
      return { resources: found, totalResults: found.length } as StoreListResult;
    },
  };
  const subscriptions = webhookSubscriptions({ resources, clock: () => new Date(now), ttlMs: 5000 });
  return {
    subscriptions,
    webhooks,
    reads,
    advance: (ms: number) => (now += ms),
    hold: () => {
      let release!: () => void;
      pause = new Promise((resolve) => (release = resolve));
      return () => {
        pause = undefined;
        release();
      };
    },
  };
}

describe('webhook subscriptions', () => {
  it('answers undefined for a tenant without active webhooks, and a test of types against the patterns of the active ones', async () => {
    const { subscriptions, webhooks } = setup();
    webhooks.set('t1', [{ events: ['USER_*_FAIL'] }, { events: ['GROUP_RETRIEVE_SUCCESS'] }, { events: ['*'], active: false }]);
    webhooks.set('t2', [{ events: ['*'], active: false }]);
    const test = await subscriptions.subscribed('t1');
    expect([test?.('USER_RETRIEVE_FAIL'), test?.('GROUP_RETRIEVE_SUCCESS'), test?.('USER_RETRIEVE_SUCCESS')]).toEqual([true, true, false]);
    expect(await subscriptions.subscribed('t2')).toBeUndefined();
    expect(await subscriptions.subscribed('t3')).toBeUndefined();
  });

  it('remembers the answer for ttlMs, then reads the webhooks again', async () => {
    const { subscriptions, webhooks, reads, advance } = setup();
    expect(await subscriptions.subscribed('t1')).toBeUndefined();
    webhooks.set('t1', [{ events: ['*'] }]);
    advance(4999);
    expect(await subscriptions.subscribed('t1')).toBeUndefined();
    expect(reads).toEqual(['t1']);
    advance(1);
    expect((await subscriptions.subscribed('t1'))?.('USER_RETRIEVE_START')).toBe(true);
    expect(reads).toEqual(['t1', 't1']);
  });

  it('forgets a tenant at once, also when a read started before forget() ends after it', async () => {
    const { subscriptions, webhooks, reads, hold } = setup();
    expect(await subscriptions.subscribed('t1')).toBeUndefined();
    webhooks.set('t1', [{ events: ['*'] }]);
    subscriptions.forget('t1');
    expect(await subscriptions.subscribed('t1')).toBeDefined();

    // A read that saw the old webhooks, answered after the change: used once, not remembered.
    webhooks.set('t2', []);
    const release = hold();
    const stale = subscriptions.subscribed('t2');
    webhooks.set('t2', [{ events: ['*'] }]);
    subscriptions.forget('t2');
    release();
    expect(await stale).toBeUndefined();
    expect(await subscriptions.subscribed('t2')).toBeDefined();
    expect(reads).toEqual(['t1', 't1', 't2', 't2']);
  });
});

describe('webhook subscriptions, asked without waiting (mayWant)', () => {
  it('says true while nothing fresh is known, reads the webhooks once in the background, then answers from them', async () => {
    const { subscriptions, webhooks, reads, advance } = setup();
    webhooks.set('t1', [{ events: ['USER_RETRIEVE_*'] }]);
    expect(subscriptions.mayWant('t1', 'USER_CREATE_SUCCESS')).toBe(true);
    expect(subscriptions.mayWant('t1', 'USER_CREATE_START')).toBe(true);
    await subscriptions.subscribed('t1');
    expect(reads).toEqual(['t1']);
    expect(subscriptions.mayWant('t1', 'USER_CREATE_SUCCESS')).toBe(false);
    expect(subscriptions.mayWant('t1', 'USER_RETRIEVE_SUCCESS')).toBe(true);
    expect(subscriptions.mayWant('t2', 'USER_CREATE_SUCCESS')).toBe(true);
    await subscriptions.subscribed('t2');
    expect(subscriptions.mayWant('t2', 'USER_CREATE_SUCCESS')).toBe(false);
    subscriptions.forget('t2');
    expect(subscriptions.mayWant('t2', 'USER_CREATE_SUCCESS')).toBe(true);
    advance(5000);
    expect(subscriptions.mayWant('t1', 'USER_CREATE_SUCCESS')).toBe(true);
  });
});
