import { ensureBootstrap } from '../../../src/auth/bootstrap';
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
    expect(context).toEqual({ tenant: result.tenant, tokenId: 'id-2', scopes: ['scim:read', 'scim:write'] });
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
    expect(result).toEqual({ tenant: expect.objectContaining({ name: 'default' }), created: true, tokenId: 'id-2' });
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

  it('does nothing when a tenant exists, even with a bootstrap token', async () => {
    const existing = tenantFixture('t-1', 'acme');
    const store = createFakeTenantStore({ tenants: [existing] });
    const result = await ensureBootstrap({ tenants: store, now, ids: sequentialIds(), bootstrapToken: 'z'.repeat(40) });
    expect(result).toEqual({ tenant: existing, created: false });
    expect(store.calls).toEqual(['listTenants']);
  });
});
