// `tenant show`, `tenant set` and `tenant unset` against a real embedded store on a file (each command opens and
// closes it, as the CLI does), so that what one command writes is what the next one and the server read. The table
// is the test's own (the shape of src/settings/tenant-settings.ts), so that these tests do not change when features
// add their keys to the server's table.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAdmin } from '../../../src/admin/commands';
import { integer, oneOf } from '../../../src/config/value-parsers';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createSettingsReader } from '../../../src/settings/settings-reader';
import type { SettingsTable } from '../../../src/settings/setting-definition';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import { NOW } from '../auth/fake-tenant-store';

const registry = loadBuiltinRegistry();

const settingsTable = {
  'lockout.maxAttempts': { description: 'Failed sign-ins before the account locks', default: 5, parse: integer(1, 100) },
  'groups.unknownMembers': { description: 'What a member that names nothing does', default: 'reject', parse: oneOf('reject', 'ignore') },
} as const satisfies SettingsTable;

describe('admin CLI: tenant settings', () => {
  let directory: string;
  let file: string;
  let opened: number;
  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'scim-admin-settings-'));
    file = join(directory, 'scim.db');
    opened = 0;
    const store = createSqliteStore({ path: file, registry });
    await store.tenants.createTenant({ id: 't-1', name: 'Acme', profile: 'entra', created: NOW.toISOString() });
    await store.close();
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAdmin(argv, {
      store: async () => {
        opened++;
        return createSqliteStore({ path: file, registry });
      },
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      now: () => NOW,
      settingsTable,
    });
    return { code, out, err };
  };

  it('shows a tenant with every setting at its default before anything is set', async () => {
    expect(await run('tenant', 'show', 't-1')).toEqual({
      code: 0,
      err: [],
      out: [
        'FIELD             VALUE',
        'id                t-1',
        'name              Acme',
        'profile           entra',
        'created           2025-03-01T12:00:00.000Z',
        'settings version  0 (nothing set)',
        '',
        'SETTING                VALUE   SOURCE   DESCRIPTION',
        'lockout.maxAttempts    5       default  Failed sign-ins before the account locks',
        'groups.unknownMembers  reject  default  What a member that names nothing does',
      ],
    });
  });

  it('sets values in one write that show, the store and the settings reader then see; unset returns them to the default', async () => {
    expect(await run('tenant', 'set', 't-1', 'lockout.maxAttempts=3', 'groups.unknownMembers=IGNORE')).toEqual({
      code: 0,
      err: [],
      out: ['Tenant t-1 settings are at version 1: lockout.maxAttempts=3 groups.unknownMembers=ignore'],
    });
    const shown = await run('tenant', 'show', 't-1');
    expect(shown.out.slice(5)).toEqual([
      'settings version  1 (updated 2025-03-01T12:00:00.000Z)',
      '',
      'SETTING                VALUE   SOURCE  DESCRIPTION',
      'lockout.maxAttempts    3       set     Failed sign-ins before the account locks',
      'groups.unknownMembers  ignore  set     What a member that names nothing does',
    ]);

    const store = createSqliteStore({ path: file, registry });
    try {
      expect(await createSettingsReader({ store: store.settings, table: settingsTable }).forTenant('t-1')).toEqual({
        'lockout.maxAttempts': 3,
        'groups.unknownMembers': 'ignore',
      });
    } finally {
      await store.close();
    }

    expect(await run('tenant', 'unset', 't-1', 'lockout.maxAttempts')).toEqual({ code: 0, err: [], out: ['Tenant t-1 settings are at version 2: lockout.maxAttempts (default)'] });
    expect((await run('tenant', 'show', 't-1')).out.slice(-2)).toEqual([
      'lockout.maxAttempts    5       default  Failed sign-ins before the account locks',
      'groups.unknownMembers  ignore  set      What a member that names nothing does',
    ]);
  });

  it('refuses unknown keys and bad values before opening the store, naming the key, and writes nothing', async () => {
    const known = 'the settings are lockout.maxAttempts, groups.unknownMembers';
    const cases: [string[], string][] = [
      [['tenant', 'set', 't-1', 'lockout.maxAttempts=7', 'lockout.attempts=3'], `Unknown setting "lockout.attempts"; ${known}`],
      [['tenant', 'set', 't-1', 'lockout.maxAttempts=0'], 'lockout.maxAttempts must be between 1 and 100, got 0'],
      [['tenant', 'set', 't-1', 'lockout.maxAttempts=many'], 'lockout.maxAttempts must be a whole number, got "many"'],
      [['tenant', 'set', 't-1', 'groups.unknownMembers=drop'], 'groups.unknownMembers must be one of reject, ignore; got "drop"'],
      [['tenant', 'set', 't-1', 'lockout.maxAttempts'], 'Expected key=value, got "lockout.maxAttempts"'],
      [['tenant', 'set', 't-1'], 'Missing <key=value>'],
      [['tenant', 'set'], 'Missing <tenantId>'],
      [['tenant', 'unset', 't-1', 'nope'], `Unknown setting "nope"; ${known}`],
      [['tenant', 'show'], 'Missing <tenantId>'],
    ];
    for (const [argv, message] of cases) {
      expect(await run(...argv)).toEqual({ code: 1, out: [], err: [`${message} (see \`npm run admin -- help\`)`] });
    }
    expect(opened).toBe(0);
    expect((await run('tenant', 'show', 't-1')).out).toContain('settings version  0 (nothing set)');
  });

  it('fails for a tenant that does not exist', async () => {
    expect(await run('tenant', 'set', 'ghost', 'lockout.maxAttempts=7')).toEqual({ code: 1, out: [], err: ['No tenant with id ghost'] });
    expect(await run('tenant', 'show', 'ghost')).toEqual({ code: 1, out: [], err: ['No tenant with id ghost'] });
    expect(await run('tenant', 'unset', 'ghost', 'lockout.maxAttempts')).toEqual({ code: 1, out: [], err: ['No tenant with id ghost'] });
  });

  it("uses the server's table by default", async () => {
    const err: string[] = [];
    const code = await runAdmin(['tenant', 'set', 't-1', 'no.such.key=1'], { store: async () => createSqliteStore({ path: file, registry }), out: () => undefined, err: (line) => err.push(line) });
    expect(code).toBe(1);
    expect(err[0]).toMatch(/^Unknown setting "no\.such\.key"; /);
  });
});
