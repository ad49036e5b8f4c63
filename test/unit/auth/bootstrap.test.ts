import { describeBootstrap, ensureBootstrap } from '../../../src/auth/bootstrap';
import { hashSecret } from '../../../src/auth/tokens';
import { createTokenVerifier } from '../../../src/auth/verify-token';
import { createFakeTenantStore, NOW, sequentialIds, tenantFixture } from './fake-tenant-store';

const now = () => NOW;

describe('ensureBootstrap', () => {
  it('on an empty store creates tenant "default" with a read+write token and returns it once', async () => {
    const store = createFakeTenantStore();
    const result = await ensureBootstrap({ tenants: store, now, ids: sequentialIds() });
    expect(result.created).toBe(true);
    expect(result.tenant).toEqual({ id: 'id-1', name: 'default', profile: 'standard', created: NOW.toISOString() });
    expect([...store.tenantRows.values()]).toEqual([result.tenant]);
    expect(result.token).toMatch(/^scim_id-2_[A-Za-z0-9_-]{43}$/);
    expect(result.tokenId).toBe('id-2');
    const [record] = store.tokenRows.values();
    expect(record).toEqual({ id: 'id-2', tenantId: 'id-1', label: 'bootstrap', scopes: ['scim:read', 'scim:write'], secretHash: hashSecret(result.token ?? ''), created: NOW.toISOString() });
    const context = await createTokenVerifier({ tenants: store })(result.token ?? '');
    expect(context).toEqual({ tenant: result.tenant, actor: { kind: 'token', tokenId: 'id-2', label: 'bootstrap', scopes: ['scim:read', 'scim:write'] } });
  });

  it('works with the default clock and ids', async () => {
    const store = createFakeTenantStore();
    const result = await ensureBootstrap({ tenants: store });
    expect(result.tenant.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await createTokenVerifier({ tenants: store })(result.token ?? '')).not.toBeNull();
  });

  it('uses a chosen bootstrap token verbatim, stores only its hash, and does not echo it', async () => {
    const store = createFakeTenantStore();
    const chosen = 'my-bootstrap-token-with-32-chars-or-more';
    const result = await ensureBootstrap({ tenants: store, now, ids: sequentialIds(), bootstrapToken: chosen });
    expect(result).toEqual({ tenant: expect.objectContaining({ name: 'default' }), created: true, tokenId: 'id-2', chosenToken: 'created' });
    expect(describeBootstrap(result)).toEqual({ level: 'info', message: 'Created tenant "default" (id-1) with the token from SCIM_BOOTSTRAP_TOKEN (token id id-2); it is not printed' });
    const [record] = store.tokenRows.values();
    expect(record.secretHash).toBe(hashSecret(chosen));
    expect(JSON.stringify([...store.tokenRows.values()])).not.toContain(chosen);
    expect((await createTokenVerifier({ tenants: store })(chosen))?.tenant.name).toBe('default');
  });

  it('rejects a chosen token that is too short or not b64token, before writing anything', async () => {
    const store = createFakeTenantStore();
    for (const bad of ['x'.repeat(31), `${'x'.repeat(32)} with spaces`]) {
      await expect(ensureBootstrap({ tenants: store, bootstrapToken: bad })).rejects.toThrow(/^SCIM_BOOTSTRAP_TOKEN is not usable: A chosen token must be 32 to 512 characters/);
    }
    expect(store.tenantRows.size).toBe(0);
    expect(store.tokenRows.size).toBe(0);
  });

  it('does nothing when a tenant exists, and warns that a bootstrap token that is none of its tokens is ignored', async () => {
    const existing = tenantFixture('t-1', 'acme');
    const store = createFakeTenantStore({ tenants: [existing] });
    expect(await ensureBootstrap({ tenants: store, now, ids: sequentialIds() })).toEqual({ tenant: existing, created: false });
    expect(describeBootstrap({ tenant: existing, created: false })).toBeUndefined();
    const result = await ensureBootstrap({ tenants: store, now, ids: sequentialIds(), bootstrapToken: 'z'.repeat(40) });
    expect(result).toEqual({ tenant: existing, created: false, chosenToken: 'ignored' });
    expect(describeBootstrap(result)).toMatchObject({ level: 'warn', message: expect.stringMatching(/^SCIM_BOOTSTRAP_TOKEN is ignored: the store already has tenants/) });
    expect(store.calls.filter((call) => call.startsWith('create'))).toEqual([]);
  });

  it('says so when the bootstrap token already is a token of an existing tenant (a restart)', async () => {
    const store = createFakeTenantStore();
    const chosen = 'my-bootstrap-token-with-32-chars-or-more';
    const first = await ensureBootstrap({ tenants: store, now, ids: sequentialIds(), bootstrapToken: chosen });
    const again = await ensureBootstrap({ tenants: store, now, ids: sequentialIds(), bootstrapToken: chosen });
    expect(again).toEqual({ tenant: first.tenant, created: false, chosenToken: 'present', presentTokenId: first.tokenId });
    expect(describeBootstrap(again)).toEqual({ level: 'info', message: `SCIM_BOOTSTRAP_TOKEN is already token ${first.tokenId} of tenant "default" (id-1): nothing to create` });
    expect(store.tenantRows.size).toBe(1);
  });
});
