import { issueToken } from '../../../src/auth/tokens';
import { createTokenVerifier } from '../../../src/auth/verify-token';
import { type TokenRecord } from '../../../src/store/tenant-store';
import { Scope } from '../../../src/auth/scopes';
import { createFakeTenantStore, NOW, sequentialIds, tenantFixture } from './fake-tenant-store';

async function setup() {
  const store = createFakeTenantStore({ tenants: [tenantFixture('tenant-a', 'Acme'), tenantFixture('tenant-b', 'Beta', 'entra')] });
  const ids = sequentialIds('tok');
  const issue = async (tenantId: string, scopes: Scope[] = [Scope.read, Scope.write]) => {
    const issued = issueToken({ tenantId, label: 'test', scopes, now: NOW, ids });
    await store.createToken(issued.record);
    return issued;
  };
  return { store, issue, verify: createTokenVerifier({ tenants: store }) };
}

/** Replaces the secret part of an issued token with another valid-looking one. */
function withOtherSecret(token: string): string {
  const last = token.at(-1) === 'A' ? 'B' : 'A';
  return token.slice(0, -1) + last;
}

// The module object itself (not an import namespace copy), so that a spy replaces what the verifier calls.
const nodeCrypto = require('node:crypto') as typeof import('node:crypto');

afterEach(() => jest.restoreAllMocks());

describe('createTokenVerifier', () => {
  it('returns the tenant and the actor (token id, label, scopes) of a valid token', async () => {
    const { issue, verify } = await setup();
    const { token, record } = await issue('tenant-b', [Scope.read]);
    await expect(verify(token)).resolves.toEqual({
      tenant: tenantFixture('tenant-b', 'Beta', 'entra'),
      actor: { kind: 'token', tokenId: record.id, label: 'test', scopes: ['scim:read'] },
    });
  });

  it('keeps tenants apart: each token answers with its own tenant', async () => {
    const { issue, verify } = await setup();
    const a = await issue('tenant-a');
    const b = await issue('tenant-b');
    expect((await verify(a.token))?.tenant.id).toBe('tenant-a');
    expect((await verify(b.token))?.tenant.id).toBe('tenant-b');
  });

  it('rejects a wrong secret, an unknown id, and a known secret under another id, with the same store work', async () => {
    const { store, issue, verify } = await setup();
    const { token } = await issue('tenant-a');
    const secret = token.slice('scim_tok-1_'.length);
    const attempts = {
      wrongSecret: withOtherSecret(token),
      unknownId: `scim_tok-999_${secret.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`,
      secretUnderOtherId: `scim_tok-2_${secret}`,
      secretAlone: secret,
    };
    for (const [name, attempt] of Object.entries(attempts)) {
      store.calls.length = 0;
      await expect(verify(attempt)).resolves.toBeNull();
      // One lookup by hash and nothing else: the outcome of a miss does not depend on which part was wrong.
      expect({ name, calls: store.calls }).toEqual({ name, calls: ['findTokenBySecretHash'] });
    }
  });

  it('rejects values that are not token-shaped without touching the store', async () => {
    const { store, verify } = await setup();
    for (const value of ['', 'short', 'Bearer x', `scim_x_${'a'.repeat(10)}`]) await expect(verify(value)).resolves.toBeNull();
    expect(store.calls).toEqual([]);
  });

  it('rejects a revoked token from the moment it is revoked', async () => {
    const { store, issue, verify } = await setup();
    const { token, record } = await issue('tenant-a');
    expect(await verify(token)).not.toBeNull();
    await store.revokeToken(record.id, NOW.toISOString());
    await expect(verify(token)).resolves.toBeNull();
  });

  it('rejects a token whose tenant no longer exists', async () => {
    const { store, issue, verify } = await setup();
    const { token } = await issue('tenant-a');
    store.tenantRows.delete('tenant-a');
    await expect(verify(token)).resolves.toBeNull();
  });

  it('accepts an operator-chosen token presented verbatim', async () => {
    const { store, verify } = await setup();
    const chosen = 'operator-chosen-token-0123456789abcdef';
    const { record } = issueToken({ tenantId: 'tenant-a', label: 'bootstrap', scopes: [Scope.read, Scope.write], now: NOW, chosenToken: chosen });
    await store.createToken(record);
    expect((await verify(chosen))?.actor).toMatchObject({ tokenId: record.id, label: 'bootstrap' });
    await expect(verify(`${chosen}x`)).resolves.toBeNull();
  });

  it('compares the stored hash in constant time and does not trust a store that matches loosely', async () => {
    const { store, issue, verify } = await setup();
    const { token, record } = await issue('tenant-a');
    const compare = jest.spyOn(nodeCrypto, 'timingSafeEqual');
    expect(await verify(token)).not.toBeNull();
    expect(compare).toHaveBeenCalledTimes(1);
    const [stored, computed] = compare.mock.calls[0] as [Buffer, Buffer];
    expect(stored.toString('hex')).toBe(record.secretHash);
    expect(computed.toString('hex')).toBe(record.secretHash);

    // A backend that matched loosely (a collation, a prefix index) could hand back a record with another hash.
    const loose = { ...store, findTokenBySecretHash: async () => ({ ...record, secretHash: record.secretHash.slice(0, 63) + (record.secretHash[63] === '0' ? '1' : '0') }) };
    await expect(createTokenVerifier({ tenants: loose })(token)).resolves.toBeNull();
    expect(compare).toHaveBeenCalledTimes(2);

    const malformed: TokenRecord = { ...record, secretHash: 'not-hex' };
    await expect(createTokenVerifier({ tenants: { ...store, findTokenBySecretHash: async () => malformed } })(token)).resolves.toBeNull();
  });

  it('lets store failures propagate instead of answering "invalid token"', async () => {
    const { store, issue } = await setup();
    const { token } = await issue('tenant-a');
    const failing = { ...store, findTokenBySecretHash: async () => Promise.reject(new Error('database down')) };
    await expect(createTokenVerifier({ tenants: failing })(token)).rejects.toThrow('database down');
  });
});

describe('token expiry and last use', () => {
  it('accepts a token until its expiry and refuses it from that instant on', async () => {
    const store = createFakeTenantStore({ tenants: [tenantFixture('tenant-a')] });
    const issued = issueToken({ tenantId: 'tenant-a', label: 'x', scopes: [Scope.read], now: NOW, ids: sequentialIds('tok') });
    await store.createToken({ ...issued.record, expires: '2025-03-01T13:00:00.000Z' });
    let clock = new Date('2025-03-01T12:59:59.999Z');
    const verify = createTokenVerifier({ tenants: store, now: () => clock });
    expect(await verify(issued.token)).not.toBeNull();
    clock = new Date('2025-03-01T13:00:00.000Z');
    expect(await verify(issued.token)).toBeNull();
  });

  it('tells the recorder about every token that authenticated, and about no other', async () => {
    const store = createFakeTenantStore({ tenants: [tenantFixture('tenant-a')] });
    const issued = issueToken({ tenantId: 'tenant-a', label: 'x', scopes: [Scope.read], now: NOW, ids: sequentialIds('tok') });
    await store.createToken(issued.record);
    const used: string[] = [];
    const verify = createTokenVerifier({ tenants: store, now: () => NOW, recordUse: (token) => used.push(token.id) });
    await verify(issued.token);
    await verify(withOtherSecret(issued.token));
    expect(used).toEqual([issued.record.id]);
  });
});

describe('remembered verifications (cacheMs)', () => {
  const CACHE_MS = 1000;
  const at = (ms: number) => new Date(NOW.getTime() + ms);

  async function cached(options: { expires?: string } = {}) {
    const store = createFakeTenantStore({ tenants: [tenantFixture('tenant-a')] });
    const issued = issueToken({ tenantId: 'tenant-a', label: 'x', scopes: [Scope.read], now: NOW, ids: sequentialIds('tok') });
    await store.createToken({ ...issued.record, ...options });
    let clock = NOW;
    const verify = createTokenVerifier({ tenants: store, now: () => clock, cacheMs: CACHE_MS });
    const lookups = () => store.calls.filter((call) => call === 'findTokenBySecretHash').length;
    return { store, issued, verify, lookups, setClock: (next: Date) => (clock = next) };
  }

  it('answers a token verified less than cacheMs ago without the store, and looks it up again from then on', async () => {
    const { issued, verify, lookups, setClock } = await cached();
    expect(await verify(issued.token)).not.toBeNull();
    setClock(at(CACHE_MS - 1));
    expect((await verify(issued.token))?.tenant.id).toBe('tenant-a');
    expect(lookups()).toBe(1);
    setClock(at(CACHE_MS));
    expect(await verify(issued.token)).not.toBeNull();
    expect(lookups()).toBe(2);
  });

  it('refuses at once a token revoked through the same store, and within cacheMs one revoked elsewhere', async () => {
    const here = await cached();
    expect(await here.verify(here.issued.token)).not.toBeNull();
    await here.store.revokeToken(here.issued.record.id, NOW.toISOString());
    await expect(here.verify(here.issued.token)).resolves.toBeNull();

    // Another process writes the row: this store object sends no notice, so the remembered verification holds until cacheMs.
    const elsewhere = await cached();
    expect(await elsewhere.verify(elsewhere.issued.token)).not.toBeNull();
    elsewhere.store.tokenRows.set(elsewhere.issued.record.id, { ...elsewhere.issued.record, revoked: NOW.toISOString() });
    elsewhere.setClock(at(CACHE_MS - 1));
    expect(await elsewhere.verify(elsewhere.issued.token)).not.toBeNull();
    elsewhere.setClock(at(CACHE_MS));
    await expect(elsewhere.verify(elsewhere.issued.token)).resolves.toBeNull();
  });

  it('forgets everything when a tenant is deleted or its profile changes through the store', async () => {
    const { store, issued, verify, lookups } = await cached();
    expect((await verify(issued.token))?.tenant.profile).toBe('standard');
    await store.updateTenantProfile('tenant-a', 'entra');
    expect((await verify(issued.token))?.tenant.profile).toBe('entra');
    await store.deleteTenant('tenant-a');
    await expect(verify(issued.token)).resolves.toBeNull();
    expect(lookups()).toBe(3);
  });

  it('keeps expiry exact: a remembered token is refused from the instant it expires', async () => {
    const { issued, verify, lookups, setClock } = await cached({ expires: at(300).toISOString() });
    expect(await verify(issued.token)).not.toBeNull();
    setClock(at(299));
    expect(await verify(issued.token)).not.toBeNull();
    setClock(at(300));
    await expect(verify(issued.token)).resolves.toBeNull();
    expect(lookups()).toBe(1);
  });

  it('remembers no failure: a token refused once is looked up again, and works as soon as it exists', async () => {
    const { store, verify, lookups } = await cached();
    const chosen = 'operator-chosen-token-0123456789abcdef';
    await expect(verify(chosen)).resolves.toBeNull();
    await expect(verify(chosen)).resolves.toBeNull();
    expect(lookups()).toBe(2);
    const { record } = issueToken({ tenantId: 'tenant-a', label: 'late', scopes: [Scope.read], now: NOW, chosenToken: chosen });
    // Written by another process: no notice reaches this verifier, and none is needed.
    store.tokenRows.set(record.id, record);
    expect((await verify(chosen))?.actor.label).toBe('late');
  });

  it('does not keep a lookup that was in flight when a revocation came through the store', async () => {
    const { store, issued, verify, lookups } = await cached();
    const find = store.findTokenBySecretHash.bind(store);
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    store.findTokenBySecretHash = async (hash) => {
      const found = await find(hash);
      await gate;
      return found;
    };
    const inFlight = verify(issued.token);
    await store.revokeToken(issued.record.id, NOW.toISOString());
    release();
    // Read before the revocation: this request still passes, as it would have without a cache.
    expect(await inFlight).not.toBeNull();
    await expect(verify(issued.token)).resolves.toBeNull();
    expect(lookups()).toBe(2);
  });

  it('drops a remembered verification when the clock goes back', async () => {
    const { issued, verify, lookups, setClock } = await cached();
    expect(await verify(issued.token)).not.toBeNull();
    setClock(at(-1));
    expect(await verify(issued.token)).not.toBeNull();
    expect(lookups()).toBe(2);
  });
});
