import { ADMIN_USAGE, runAdmin } from '../../../src/admin/commands';
import { hashSecret } from '../../../src/auth/tokens';
import { createTokenVerifier } from '../../../src/auth/verify-token';
import { Scope, type TokenRecord } from '../../../src/store/tenant-store';
import { createFakeTenantStore, NOW, sequentialIds, tenantFixture, type FakeTenantStore } from '../auth/fake-tenant-store';

interface Run {
  code: number;
  out: string[];
  err: string[];
  opened: number;
}

function harness(store: FakeTenantStore = createFakeTenantStore()) {
  const ids = sequentialIds('new');
  const run = async (...argv: string[]): Promise<Run> => {
    const result: Run = { code: -1, out: [], err: [], opened: 0 };
    result.code = await runAdmin(argv, {
      store: async () => {
        result.opened++;
        store.closed = false;
        return { tenants: store, close: store.close };
      },
      out: (line) => result.out.push(line),
      err: (line) => result.err.push(line),
      now: () => NOW,
      ids,
    });
    return result;
  };
  return { store, run };
}

function token(id: string, tenantId: string, extra: Partial<TokenRecord> = {}): TokenRecord {
  return { id, tenantId, label: 'okta', scopes: [Scope.read, Scope.write], secretHash: hashSecret(`secret-of-${id}`), created: NOW.toISOString(), ...extra };
}

describe('runAdmin', () => {
  it('prints usage for help without opening the store', async () => {
    const { run } = harness();
    const result = await run('help');
    expect(result).toEqual({ code: 0, out: [...ADMIN_USAGE], err: [], opened: 0 });
    expect(result.out.join('\n')).toContain('token revoke <tokenId>');
  });

  it('fails with one line for a missing or unknown command', async () => {
    const { run } = harness();
    expect(await run()).toMatchObject({ code: 1, out: [], err: ['No command given; run `npm run admin -- help` for the list of commands'], opened: 0 });
    expect(await run('tenant', 'destroy', 'x')).toMatchObject({ code: 1, err: ['Unknown command "tenant destroy"; run `npm run admin -- help` for the list of commands'], opened: 0 });
  });

  it('reports argument mistakes before opening the store', async () => {
    const { run } = harness();
    const cases: [string[], string][] = [
      [['tenant', 'create'], 'Missing <name>'],
      [['tenant', 'create', 'a', 'b'], 'Unexpected argument "b"'],
      [['tenant', 'create', 'a', '--profile', 'okta'], 'Unknown profile "okta"; the profiles are standard, entra'],
      [['tenant', 'create', 'a', '--color', 'red'], 'Unknown option --color'],
      [['tenant', 'create', 'a', '--profile'], 'Option --profile needs a value'],
      [['tenant', 'create', '  '], 'The tenant name must not be empty'],
      [['token', 'create', 't-1', '--scopes', 'scim:admin'], 'Unknown scope "scim:admin"; the scopes are scim:read, scim:write'],
      [['token', 'create', 't-1', '--label', 'a\tb'], 'The label must not contain control characters'],
      [['token', 'revoke'], 'Missing <tokenId>'],
    ];
    for (const [argv, message] of cases) {
      expect(await run(...argv)).toEqual({ code: 1, out: [], err: [`${message} (see \`npm run admin -- help\`)`], opened: 0 });
    }
  });

  it('tenant create prints the new id and stores the tenant; duplicates are refused', async () => {
    const { run, store } = harness();
    const created = await run('tenant', 'create', 'Acme', '--profile=entra');
    expect(created).toEqual({ code: 0, out: ['new-1'], err: [], opened: 1 });
    expect(store.tenantRows.get('new-1')).toEqual({ id: 'new-1', name: 'Acme', profile: 'entra', created: NOW.toISOString() });
    expect(store.closed).toBe(true);

    expect((await run('tenant', 'create', 'plain')).out).toEqual(['new-2']);
    expect(store.tenantRows.get('new-2')?.profile).toBe('standard');

    expect(await run('tenant', 'create', 'ACME')).toMatchObject({ code: 1, out: [], err: ['A tenant named "Acme" already exists (new-1)'] });
    expect(store.closed).toBe(true);
  });

  it('tenant list prints a table', async () => {
    const { run } = harness(createFakeTenantStore({ tenants: [tenantFixture('t-1', 'Acme', 'entra'), tenantFixture('t-22', 'Beta')] }));
    expect((await run('tenant', 'list')).out).toEqual([
      'ID    NAME  PROFILE   CREATED',
      't-1   Acme  entra     2025-03-01T12:00:00.000Z',
      't-22  Beta  standard  2025-03-01T12:00:00.000Z',
    ]);
  });

  it('tenant set-profile changes the profile, or fails for an unknown tenant', async () => {
    const { run, store } = harness(createFakeTenantStore({ tenants: [tenantFixture('t-1')] }));
    expect(await run('tenant', 'set-profile', 't-1', 'entra')).toMatchObject({ code: 0, out: ['Tenant t-1 now uses the entra profile'], err: [] });
    expect(store.tenantRows.get('t-1')?.profile).toBe('entra');
    expect(await run('tenant', 'set-profile', 'nope', 'entra')).toMatchObject({ code: 1, out: [], err: ['No tenant with id nope'] });
  });

  it('token create prints a working token once and stores only its hash', async () => {
    const { run, store } = harness(createFakeTenantStore({ tenants: [tenantFixture('t-1', 'Acme')] }));
    const result = await run('token', 'create', 't-1', '--label', 'Okta prod', '--scopes', 'scim:read');
    expect(result.code).toBe(0);
    expect(result.out[0]).toBe('Created token new-1 for tenant "Acme" (t-1) with scopes scim:read:');
    expect(result.out[4]).toBe('This token will not be shown again: store it now. Only its hash is kept.');
    const plaintext = result.out[2].trim();
    expect(plaintext).toMatch(/^scim_new-1_[A-Za-z0-9_-]{43}$/);
    expect(store.tokenRows.get('new-1')).toEqual({ id: 'new-1', tenantId: 't-1', label: 'Okta prod', scopes: ['scim:read'], secretHash: hashSecret(plaintext), created: NOW.toISOString() });
    expect(await createTokenVerifier({ tenants: store })(plaintext)).toMatchObject({ tokenId: 'new-1', scopes: ['scim:read'] });

    const both = await run('token', 'create', 't-1');
    expect(both.out[0]).toBe('Created token new-2 for tenant "Acme" (t-1) with scopes scim:read scim:write:');
    expect(store.tokenRows.get('new-2')?.label).toBe('');
  });

  it('token create fails for an unknown tenant without creating anything', async () => {
    const { run, store } = harness();
    expect(await run('token', 'create', 'ghost')).toMatchObject({ code: 1, out: [], err: ['No tenant with id ghost'] });
    expect(store.tokenRows.size).toBe(0);
  });

  it('token list shows ids, tenants, scopes and status, never secrets or hashes', async () => {
    const tokens = [token('k-1', 't-1'), token('k-2', 't-2', { label: '', scopes: [Scope.read], revoked: '2025-03-02T00:00:00.000Z' })];
    const { run } = harness(createFakeTenantStore({ tenants: [tenantFixture('t-1'), tenantFixture('t-2')], tokens }));
    const all = await run('token', 'list');
    expect(all.out).toEqual([
      'ID   TENANT  LABEL  SCOPES                CREATED                   STATUS',
      'k-1  t-1     okta   scim:read,scim:write  2025-03-01T12:00:00.000Z  active',
      'k-2  t-2     -      scim:read             2025-03-01T12:00:00.000Z  revoked 2025-03-02T00:00:00.000Z',
    ]);
    for (const record of tokens) expect(all.out.join('\n')).not.toContain(record.secretHash);
    expect((await run('token', 'list', '--tenant', 't-2')).out.slice(1).map((line) => line.split(' ')[0])).toEqual(['k-2']);
  });

  it('token revoke revokes once, reports a repeat, and fails for an unknown id', async () => {
    const { run, store } = harness(createFakeTenantStore({ tenants: [tenantFixture('t-1')], tokens: [token('k-1', 't-1')] }));
    expect(await run('token', 'revoke', 'k-1')).toMatchObject({ code: 0, out: ['Revoked token k-1 of tenant t-1; requests with it are refused from now on'] });
    expect(store.tokenRows.get('k-1')?.revoked).toBe(NOW.toISOString());
    expect(await run('token', 'revoke', 'k-1')).toMatchObject({ code: 0, out: ['Token k-1 was already revoked at 2025-03-01T12:00:00.000Z'] });
    expect(await run('token', 'revoke', 'k-9')).toMatchObject({ code: 1, out: [], err: ['No token with id k-9'] });
  });

  it('reports a store that cannot be opened, or fails mid-command, in one line', async () => {
    const lines: string[] = [];
    const unopenable = await runAdmin(['tenant', 'list'], {
      store: async () => {
        throw new Error('SCIM_STORE uses the unsupported scheme "postgres:"; use sqlite:<file>\nsecond line');
      },
      out: () => undefined,
      err: (line) => lines.push(line),
    });
    expect(unopenable).toBe(1);
    expect(lines).toEqual(['SCIM_STORE uses the unsupported scheme "postgres:"; use sqlite:<file>']);

    const errors: string[] = [];
    const store = createFakeTenantStore();
    store.listTenants = async () => {
      throw new Error('disk I/O error\nat somewhere');
    };
    const code = await runAdmin(['tenant', 'list'], { store: async () => ({ tenants: store, close: store.close }), out: () => undefined, err: (line) => errors.push(line) });
    expect(code).toBe(1);
    expect(errors).toEqual(['disk I/O error']);
    expect(store.closed).toBe(true);
  });
});
