import { ADMIN_USAGE, runAdmin } from '../../../src/admin/commands';
import { hashSecret } from '../../../src/auth/tokens';
import { createTokenVerifier } from '../../../src/auth/verify-token';
import { type TokenRecord } from '../../../src/store/tenant-store';
import { Scope } from '../../../src/auth/scopes';
import { createFakeTenantStore, NOW, sequentialIds, tenantFixture, type FakeTenantStore } from '../auth/fake-tenant-store';
import { createMemorySettingsStore } from '../settings/memory-settings-store';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';

// The job and outbox ports these commands never use (test/unit/admin/work-commands.test.ts covers those commands).
const workStore = createSqliteStore({ path: ':memory:', registry: loadBuiltinRegistry() });
afterAll(() => workStore.close());
const work = { jobs: workStore.jobs, outbox: workStore.outbox };

interface Run {
  code: number;
  out: string[];
  err: string[];
  opened: number;
}

function harness(store: FakeTenantStore = createFakeTenantStore(), options: { answers?: (string | undefined)[]; now?: () => Date } = {}) {
  const ids = sequentialIds('new');
  const questions: string[] = [];
  const creates: boolean[] = [];
  const run = async (...argv: string[]): Promise<Run> => {
    const result: Run = { code: -1, out: [], err: [], opened: 0 };
    result.code = await runAdmin(argv, {
      store: async ({ create }) => {
        result.opened++;
        creates.push(create);
        store.closed = false;
        return { tenants: store, settings: createMemorySettingsStore(), ...work, deleteTenant: store.deleteTenant, close: store.close };
      },
      out: (line) => result.out.push(line),
      err: (line) => result.err.push(line),
      now: options.now ?? (() => NOW),
      ids,
      ask: async (question) => {
        questions.push(question);
        return options.answers?.shift();
      },
    });
    return result;
  };
  return { store, run, questions, creates };
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
      [['token', 'create', 't-1', '--scopes', 'scim:admin'], 'Unknown scope "scim:admin"; the scopes are scim:read, scim:write, scim:credentials, audit:read, scim:export'],
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
    expect(await createTokenVerifier({ tenants: store })(plaintext)).toMatchObject({ actor: { tokenId: 'new-1', label: 'Okta prod', scopes: ['scim:read'] } });

    const both = await run('token', 'create', 't-1');
    expect(both.out[0]).toBe('Created token new-2 for tenant "Acme" (t-1) with scopes scim:read scim:write:');
    expect(store.tokenRows.get('new-2')?.label).toBe('');

    // A sign-in service's token: the credential check only.
    const checker = await run('token', 'create', 't-1', '--label', 'sign-in', '--scopes', 'scim:credentials');
    expect(checker.out[0]).toBe('Created token new-3 for tenant "Acme" (t-1) with scopes scim:credentials:');
    expect(await createTokenVerifier({ tenants: store })(checker.out[2].trim())).toMatchObject({ actor: { scopes: ['scim:credentials'] } });
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
      'ID   TENANT  LABEL  SCOPES                CREATED                   LAST USED  EXPIRES  STATUS',
      'k-1  t-1     okta   scim:read,scim:write  2025-03-01T12:00:00.000Z  never      -        active',
      'k-2  t-2     -      scim:read             2025-03-01T12:00:00.000Z  never      -        revoked 2025-03-02T00:00:00.000Z',
    ]);
    for (const record of tokens) expect(all.out.join('\n')).not.toContain(record.secretHash);
    expect((await run('token', 'list', '--tenant', 't-2')).out.slice(1).map((line) => line.split(' ')[0])).toEqual(['k-2']);
  });

  it('token revoke revokes once, reports a repeat, and fails for an unknown id', async () => {
    const { run, store } = harness(createFakeTenantStore({ tenants: [tenantFixture('t-1')], tokens: [token('k-1', 't-1')] }));
    expect(await run('token', 'revoke', 'k-1')).toMatchObject({ code: 0, out: ['Revoked token k-1 of tenant t-1; running servers refuse it within SCIM_TOKEN_CACHE_MS (1 second by default)'] });
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
    const code = await runAdmin(['tenant', 'list'], { store: async () => ({ tenants: store, settings: createMemorySettingsStore(), ...work, deleteTenant: store.deleteTenant, close: store.close }), out: () => undefined, err: (line) => errors.push(line) });
    expect(code).toBe(1);
    expect(errors).toEqual(['disk I/O error']);
    expect(store.closed).toBe(true);
  });
});

describe('operator commands', () => {
  it('opens the store without --create, and with it when asked (anywhere on the line)', async () => {
    const { run, creates } = harness();
    await run('tenant', 'list');
    await run('--create', 'tenant', 'create', 'Acme');
    await run('tenant', 'list', '--create');
    expect(creates).toEqual([false, true, true]);
  });

  it('token list shows the last use and expiry, and calls a token past its expiry expired', async () => {
    const tokens = [
      token('k-1', 't-1', { lastUsed: '2025-03-01T11:59:00.000Z', expires: '2025-03-02T00:00:00.000Z' }),
      token('k-2', 't-1', { expires: '2025-03-01T12:00:00.000Z' }),
    ];
    const { run } = harness(createFakeTenantStore({ tenants: [tenantFixture('t-1')], tokens }));
    expect((await run('token', 'list')).out).toEqual([
      'ID   TENANT  LABEL  SCOPES                CREATED                   LAST USED                 EXPIRES                   STATUS',
      'k-1  t-1     okta   scim:read,scim:write  2025-03-01T12:00:00.000Z  2025-03-01T11:59:00.000Z  2025-03-02T00:00:00.000Z  active',
      'k-2  t-1     okta   scim:read,scim:write  2025-03-01T12:00:00.000Z  never                     2025-03-01T12:00:00.000Z  expired',
    ]);
  });

  it('token create --expires-in sets an expiry that the verifier enforces', async () => {
    const { run, store } = harness(createFakeTenantStore({ tenants: [tenantFixture('t-1', 'Acme')] }));
    const result = await run('token', 'create', 't-1', '--expires-in', '90d');
    expect(result.code).toBe(0);
    expect(store.tokenRows.get('new-1')?.expires).toBe('2025-05-30T12:00:00.000Z');
    expect(result.out[4]).toContain('It expires at 2025-05-30T12:00:00.000Z.');
    const plaintext = result.out[2].trim();
    expect(await createTokenVerifier({ tenants: store, now: () => new Date('2025-05-30T11:59:59.000Z') })(plaintext)).not.toBeNull();
    expect(await createTokenVerifier({ tenants: store, now: () => new Date('2025-05-30T12:00:00.000Z') })(plaintext)).toBeNull();
    for (const bad of ['0d', 'soon', '5w']) {
      expect((await run('token', 'create', 't-1', '--expires-in', bad)).err[0]).toMatch(/^--expires-in: /);
    }
  });

  it('token rotate issues a successor and keeps the old token working for the overlap only', async () => {
    const store = createFakeTenantStore({ tenants: [tenantFixture('t-1')], tokens: [token('k-1', 't-1', { label: 'entra', scopes: [Scope.write] })] });
    const old = 'chosen-token-of-k-1-0123456789abcdefghij';
    store.tokenRows.set('k-1', { ...store.tokenRows.get('k-1')!, secretHash: hashSecret(old) });
    const { run } = harness(store);
    const result = await run('token', 'rotate', 'k-1', '--overlap', '2h');
    expect(result.code).toBe(0);
    expect(result.out[0]).toBe('Created token new-1 to replace k-1 (tenant t-1, scopes scim:write):');
    expect(result.out.at(-1)).toBe('Token k-1 keeps working until 2025-03-01T14:00:00.000Z (overlap 2h): put the new token in the client before then.');
    expect(store.tokenRows.get('new-1')).toMatchObject({ tenantId: 't-1', label: 'entra', scopes: ['scim:write'] });
    expect(store.tokenRows.get('k-1')?.expires).toBe('2025-03-01T14:00:00.000Z');
    const successor = result.out[2].trim();
    const at = (iso: string) => createTokenVerifier({ tenants: store, now: () => new Date(iso) });
    // Inside the overlap both work; after it only the successor.
    expect(await at('2025-03-01T13:59:59.000Z')(old)).not.toBeNull();
    expect(await at('2025-03-01T13:59:59.000Z')(successor)).not.toBeNull();
    expect(await at('2025-03-01T14:00:00.000Z')(old)).toBeNull();
    expect(await at('2025-03-01T14:00:00.000Z')(successor)).not.toBeNull();
  });

  it('token rotate uses the default overlap, ends at once with --overlap 0, and refuses a revoked or unknown token', async () => {
    const store = createFakeTenantStore({
      tenants: [tenantFixture('t-1')],
      tokens: [token('k-1', 't-1'), token('k-2', 't-1'), token('k-3', 't-1', { revoked: '2025-02-01T00:00:00.000Z' })],
    });
    const { run } = harness(store);
    expect((await run('token', 'rotate', 'k-1')).code).toBe(0);
    expect(store.tokenRows.get('k-1')?.expires).toBe('2025-03-02T12:00:00.000Z');
    expect((await run('token', 'rotate', 'k-2', '--overlap', '0s')).out.at(-1)).toBe('Token k-2 has stopped working.');
    expect((await run('token', 'rotate', 'k-2')).err).toEqual(['Token k-2 is expired: there is nothing to rotate; create a new token with `token create`']);
    expect((await run('token', 'rotate', 'k-3')).err[0]).toMatch(/^Token k-3 is revoked 2025-02-01T00:00:00.000Z: there is nothing to rotate/);
    expect((await run('token', 'rotate', 'k-9')).err).toEqual(['No token with id k-9']);
  });

  it('tenant delete asks for the tenant name, and deletes only when it matches', async () => {
    const store = createFakeTenantStore({ tenants: [tenantFixture('t-1', 'Acme'), tenantFixture('t-2', 'Beta')], tokens: [token('k-1', 't-1'), token('k-2', 't-2')] });
    const { run, questions } = harness(store, { answers: ['acme', 'Acme'] });
    expect(await run('tenant', 'delete', 't-1')).toMatchObject({ code: 1, err: ['Nothing deleted: the name typed does not match the tenant name'] });
    expect(store.tenantRows.has('t-1')).toBe(true);
    expect(questions[0]).toBe(
      'Delete tenant "Acme" (t-1) with all its users, groups and other data, and its 1 token(s)? This cannot be undone. Type the tenant name to confirm: ',
    );
    expect(await run('tenant', 'delete', 't-1')).toMatchObject({ code: 0, out: ['Deleted tenant "Acme" (t-1). Removed: tenants 1, tokens 1'] });
    expect(store.tenantRows.has('t-1')).toBe(false);
    expect([...store.tokenRows.keys()]).toEqual(['k-2']);
  });

  it('tenant delete without a terminal needs --yes; with it asks nothing', async () => {
    const store = createFakeTenantStore({ tenants: [tenantFixture('t-1', 'Acme')] });
    const { run, questions } = harness(store, { answers: [undefined] });
    expect(await run('tenant', 'delete', 't-1')).toMatchObject({ code: 1, err: ['tenant delete needs a confirmation: run it in a terminal, or add --yes'] });
    expect(store.tenantRows.has('t-1')).toBe(true);
    expect(await run('tenant', 'delete', 't-1', '--yes')).toMatchObject({ code: 0 });
    expect(questions).toHaveLength(1);
    expect(store.tenantRows.has('t-1')).toBe(false);
    expect(await run('tenant', 'delete', 't-1', '--yes')).toMatchObject({ code: 1, err: ['No tenant with id t-1'] });
  });
});
