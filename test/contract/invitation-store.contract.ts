// The invitations contract every store must pass: records read back exactly, links found by their hash across tenants
// (old links of a resend recognised as older sends), at most one pending invitation per address, state changes as
// compare-and-set (of racing changes exactly one wins), filtered keyset lists with counts, the expiry sweep's query,
// delivery records, and tenant isolation and deletion. A store's test file calls describeInvitationStoreContract.
import type { InvitationPosition, InvitationQuery, InvitationRecord, InvitationStore } from '../../src/store/invitation-store';
import { isStoreError } from '../../src/store/store-error';
import type { StoreUnderTest } from './resource-store.contract';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 9, minute)).toISOString();

function invitation(tenantId: string, id: string, minute: number, extra: Partial<InvitationRecord> = {}): InvitationRecord {
  const email = extra.email ?? `${id}@example.com`;
  return {
    id,
    tenantId,
    email,
    emailKey: email.toLowerCase(),
    status: 'pending',
    userId: `user-${id}`,
    userCreated: true,
    roles: ['Admin', 'Everybody'],
    groups: ['g-1'],
    message: 'Welcome aboard',
    invitedBy: { tokenId: 'token-1', label: 'okta' },
    created: at(minute),
    updated: at(minute),
    expires: at(minute + 60),
    send: 1,
    ...extra,
  };
}

async function walk(store: InvitationStore, tenantId: string, query: InvitationQuery, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let after: InvitationPosition | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await store.list(tenantId, query, { after, limit });
    pages.push(page.invitations.map((found) => found.id));
    if (!page.next) return pages;
    after = page.next;
  }
  throw new Error('the walk did not end');
}

export function describeInvitationStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name}: invitations contract`, () => {
    let subject: StoreUnderTest;
    let store: InvitationStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store.invitations;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('reads a record back exactly, with and without the optional fields, only in its own tenant', async () => {
      const full = invitation('t1', 'i1', 1);
      const bare = invitation('t1', 'i2', 2, { message: undefined, userCreated: false, roles: [], groups: [], invitedBy: { tokenId: null, label: 'cli' } });
      delete (bare as { message?: string }).message;
      await store.create(full, 'hash-1');
      await store.create(bare, 'hash-2');
      expect(await store.get('t1', 'i1')).toEqual(full);
      expect(await store.get('t1', 'i2')).toEqual(bare);
      expect(await store.get('t2', 'i1')).toBeNull();
      expect(await store.get('t1', 'nope')).toBeNull();
    });

    it('finds the invitation of a link by its hash, whatever the tenant; unknown hashes are null', async () => {
      await store.create(invitation('t1', 'i1', 1), 'hash-a');
      await store.create(invitation('t2', 'i1', 1), 'hash-b');
      expect(await store.findByTokenHash('hash-a')).toEqual({ invitation: invitation('t1', 'i1', 1), send: 1 });
      expect((await store.findByTokenHash('hash-b'))?.invitation.tenantId).toBe('t2');
      expect(await store.findByTokenHash('hash-c')).toBeNull();
    });

    it('holds at most one pending invitation per address of a tenant (ignoring case); a finished one frees the address', async () => {
      await store.create(invitation('t1', 'i1', 1, { email: 'Ann@Example.com' }), 'hash-1');
      const second = await store.create(invitation('t1', 'i2', 2, { email: 'ann@example.com' }), 'hash-2').catch((error: unknown) => error);
      expect(isStoreError(second, 'conflict')).toBe(true);
      // Nothing of the refused one was written: neither the record nor its link.
      expect(await store.get('t1', 'i2')).toBeNull();
      expect(await store.findByTokenHash('hash-2')).toBeNull();
      // Another tenant may invite the same address.
      await store.create(invitation('t2', 'i1', 1, { email: 'ann@example.com' }), 'hash-3');
      expect(await store.finish('t1', 'i1', { send: 1, to: 'cancelled', at: at(5) })).toMatchObject({ status: 'cancelled' });
      await store.create(invitation('t1', 'i3', 6, { email: 'ann@example.com' }), 'hash-4');
      expect(await store.get('t1', 'i3')).toMatchObject({ status: 'pending' });
    });

    it('finishes a pending invitation once, at the send read: a second change, a stale send or another tenant change nothing', async () => {
      await store.create(invitation('t1', 'i1', 1), 'hash-1');
      expect(await store.finish('t2', 'i1', { send: 1, to: 'accepted', at: at(2) })).toBeNull();
      expect(await store.finish('t1', 'i1', { send: 2, to: 'accepted', at: at(2) })).toBeNull();
      const accepted = await store.finish('t1', 'i1', { send: 1, to: 'accepted', at: at(3) });
      expect(accepted).toEqual({ ...invitation('t1', 'i1', 1), status: 'accepted', updated: at(3), statusChanged: at(3) });
      expect(await store.finish('t1', 'i1', { send: 1, to: 'cancelled', at: at(4) })).toBeNull();
      expect(await store.get('t1', 'i1')).toEqual(accepted);
    });

    it('lets exactly one of racing changes win', async () => {
      for (let round = 0; round < 5; round++) {
        const id = `race-${round}`;
        await store.create(invitation('t1', id, round), `hash-${id}`);
        const outcomes = await Promise.all([
          store.finish('t1', id, { send: 1, to: 'accepted', at: at(10) }),
          store.finish('t1', id, { send: 1, to: 'cancelled', at: at(10) }),
          store.finish('t1', id, { send: 1, to: 'accepted', at: at(10) }),
          store.renew('t1', id, { send: 1, tokenHash: `renewed-${id}`, expires: at(99), at: at(10) }),
        ]);
        expect(outcomes.filter((outcome) => outcome !== null)).toHaveLength(1);
      }
    });

    it('renews the link of a pending invitation: the next send, a new expiry, the old hash known as the older send', async () => {
      await store.create(invitation('t1', 'i1', 1), 'hash-1');
      const renewed = await store.renew('t1', 'i1', { send: 1, tokenHash: 'hash-2', expires: at(500), at: at(7) });
      expect(renewed).toEqual({ ...invitation('t1', 'i1', 1), send: 2, expires: at(500), updated: at(7) });
      expect(await store.findByTokenHash('hash-1')).toEqual({ invitation: renewed, send: 1 });
      expect(await store.findByTokenHash('hash-2')).toEqual({ invitation: renewed, send: 2 });
      // Renewing or finishing at the old send is refused; at the new one it works.
      expect(await store.renew('t1', 'i1', { send: 1, tokenHash: 'hash-x', expires: at(600), at: at(8) })).toBeNull();
      expect(await store.findByTokenHash('hash-x')).toBeNull();
      expect(await store.finish('t1', 'i1', { send: 1, to: 'accepted', at: at(8) })).toBeNull();
      expect(await store.finish('t1', 'i1', { send: 2, to: 'accepted', at: at(8) })).toMatchObject({ status: 'accepted', send: 2 });
      expect(await store.renew('t1', 'i1', { send: 2, tokenHash: 'hash-3', expires: at(600), at: at(9) })).toBeNull();
    });

    it('lists oldest first by keyset, filtered by status, address and creation time, with counts', async () => {
      for (const [id, minute, email] of [
        ['a', 1, 'ann@example.com'],
        ['b', 2, 'bob@example.com'],
        ['c', 2, 'cid@example.com'],
        ['d', 3, 'dan@example.com'],
        ['e', 4, 'eve@example.com'],
      ] as const) {
        await store.create(invitation('t1', id, minute, { email }), `hash-${id}`);
      }
      await store.create(invitation('t2', 'z', 1), 'hash-z');
      await store.finish('t1', 'b', { send: 1, to: 'accepted', at: at(9) });
      await store.finish('t1', 'd', { send: 1, to: 'expired', at: at(9) });

      expect(await walk(store, 't1', {}, 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
      expect(await walk(store, 't1', {}, 5)).toEqual([['a', 'b', 'c', 'd', 'e']]);
      expect(await walk(store, 't1', { status: 'pending' }, 2)).toEqual([['a', 'c'], ['e']]);
      expect(await walk(store, 't1', { status: 'accepted' }, 10)).toEqual([['b']]);
      expect(await walk(store, 't1', { emailKey: 'dan@example.com' }, 10)).toEqual([['d']]);
      expect(await walk(store, 't1', { created: { ge: at(2), lt: at(4) } }, 10)).toEqual([['b', 'c', 'd']]);
      expect(await walk(store, 't1', { created: { gt: at(2), le: at(4) }, status: 'pending' }, 10)).toEqual([['e']]);
      expect(await store.count('t1', {})).toBe(5);
      expect(await store.count('t1', { status: 'pending' })).toBe(3);
      expect(await store.count('t1', { created: { ge: at(2), lt: at(4) } })).toBe(3);
      expect(await store.count('t2', {})).toBe(1);
      expect((await store.list('t1', {}, { limit: 0 })).invitations).toEqual([]);
    });

    it('finds the pending invitations of a tenant whose expiry has come, a limited number at a time', async () => {
      await store.create(invitation('t1', 'soon', 0, { expires: at(10) }), 'h1');
      await store.create(invitation('t1', 'now', 1, { expires: at(20) }), 'h2');
      await store.create(invitation('t1', 'later', 2, { expires: at(30) }), 'h3');
      await store.create(invitation('t1', 'done', 3, { expires: at(5) }), 'h4');
      await store.create(invitation('t2', 'other', 0, { expires: at(5) }), 'h5');
      await store.finish('t1', 'done', { send: 1, to: 'accepted', at: at(4) });
      expect((await store.due('t1', at(20), 10)).map((found) => found.id)).toEqual(['soon', 'now']);
      expect((await store.due('t1', at(20), 1)).map((found) => found.id)).toEqual(['soon']);
      expect(await store.due('t1', at(9), 10)).toEqual([]);
    });

    it('records the latest delivered link and never goes back to an older one', async () => {
      await store.create(invitation('t1', 'i1', 1), 'hash-1');
      await store.recordDelivery('t1', 'i1', { send: 1, at: at(2) });
      expect((await store.get('t1', 'i1'))?.delivered).toEqual({ send: 1, at: at(2) });
      await store.renew('t1', 'i1', { send: 1, tokenHash: 'hash-2', expires: at(90), at: at(3) });
      await store.recordDelivery('t1', 'i1', { send: 2, at: at(4) });
      await store.recordDelivery('t1', 'i1', { send: 1, at: at(5) });
      await store.recordDelivery('t2', 'i1', { send: 3, at: at(5) });
      expect((await store.get('t1', 'i1'))?.delivered).toEqual({ send: 2, at: at(4) });
    });

    it('goes with its tenant when the tenant is deleted, links included', async () => {
      for (const id of ['t1', 't2']) await subject.store.tenants.createTenant({ id, name: id, profile: 'standard', created: at(0) });
      await store.create(invitation('t1', 'i1', 1), 'hash-1');
      await store.create(invitation('t2', 'i1', 1), 'hash-2');
      await subject.store.deleteTenant('t1');
      expect(await store.get('t1', 'i1')).toBeNull();
      expect(await store.findByTokenHash('hash-1')).toBeNull();
      expect(await store.get('t2', 'i1')).not.toBeNull();
      if (subject.remainingOf) expect(await subject.remainingOf('t1')).toEqual({});
    });
  });
}
