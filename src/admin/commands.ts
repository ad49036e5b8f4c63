// The admin CLI's commands: tenants and tokens, against any store that offers the TenantStore port. The entry
// point (cli.ts) only opens the store and wires stdout/stderr; everything here runs in tests with a fake store.
import { randomIds, type IdSource } from '../auth/id-source';
import { DEFAULT_SCOPES, parseScopes } from '../auth/scopes';
import { issueToken } from '../auth/tokens';
import { Profile, type Scope, type Tenant, type TenantStore, type TokenRecord } from '../store/tenant-store';

export interface AdminStore {
  readonly tenants: TenantStore;
  close(): Promise<void>;
}

export interface AdminDeps {
  /** Opens the store; called only by commands that need it, and closed before runAdmin returns. */
  readonly store: () => Promise<AdminStore>;
  /** Writes one line of normal output (stdout). */
  readonly out: (line: string) => void;
  /** Writes one line of error output (stderr). */
  readonly err: (line: string) => void;
  readonly now?: () => Date;
  readonly ids?: IdSource;
}

export const ADMIN_USAGE = [
  'Usage: npm run admin -- <command>',
  '',
  'Tenants',
  '  tenant create <name> [--profile standard|entra]   create a tenant; prints its id',
  '  tenant list                                        list tenants',
  '  tenant set-profile <tenantId> <standard|entra>     change the compatibility profile of a tenant',
  '',
  'Tokens',
  '  token create <tenantId> [--label <text>] [--scopes scim:read,scim:write]',
  '                                                     create a bearer token; prints it once',
  '  token list [--tenant <tenantId>]                   list tokens (never their secrets)',
  '  token revoke <tokenId>                             revoke a token; it stops working at once',
  '',
  '  help                                               show this text',
  '',
  'The store is the one the server uses: SCIM_STORE (default sqlite:./data/scim.db).',
] as const;

const PROFILES: readonly string[] = Object.values(Profile);
const MAX_TEXT = 200;

/** A mistake in the command line (as opposed to a failure while running it). */
class UsageError extends Error {}

interface ParsedArgs {
  readonly positionals: string[];
  readonly options: Record<string, string>;
}

/** Splits `args` into positionals and `--name value` / `--name=value` options, allowing only `allowed` names. */
function parseArgs(args: readonly string[], allowed: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!allowed.includes(name)) throw new UsageError(`Unknown option --${name}`);
    if (Object.hasOwn(options, name)) throw new UsageError(`Option --${name} given twice`);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`Option --${name} needs a value`);
      i++;
    }
    options[name] = value;
  }
  return { positionals, options };
}

function expectPositionals(parsed: ParsedArgs, names: readonly string[]): string[] {
  const { positionals } = parsed;
  if (positionals.length < names.length) throw new UsageError(`Missing <${names[positionals.length]}>`);
  if (positionals.length > names.length) throw new UsageError(`Unexpected argument "${positionals[names.length]}"`);
  return positionals;
}

/** Names and labels are shown on one line in listings: no control characters, bounded length. */
function checkText(what: string, value: string, allowEmpty: boolean): string {
  const text = value.trim();
  if (!allowEmpty && text === '') throw new UsageError(`The ${what} must not be empty`);
  if (text.length > MAX_TEXT) throw new UsageError(`The ${what} must be at most ${MAX_TEXT} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new UsageError(`The ${what} must not contain control characters`);
  return text;
}

function checkProfile(value: string): Profile {
  if (!PROFILES.includes(value)) throw new UsageError(`Unknown profile "${value}"; the profiles are ${PROFILES.join(', ')}`);
  return value as Profile;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function tokenStatus(token: TokenRecord): string {
  return token.revoked === undefined ? 'active' : `revoked ${token.revoked}`;
}

interface Context {
  readonly tenants: TenantStore;
  readonly out: (line: string) => void;
  readonly now: () => Date;
  readonly ids: IdSource;
}

/**
 * A command checks its arguments first (throwing UsageError, before any store is opened) and returns the work
 * to run against the store.
 */
interface Command {
  readonly options: readonly string[];
  prepare(parsed: ParsedArgs): (context: Context) => Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  'tenant create': {
    options: ['profile'],
    prepare(parsed) {
      const [rawName] = expectPositionals(parsed, ['name']);
      const name = checkText('tenant name', rawName, false);
      const profile = checkProfile(parsed.options.profile ?? Profile.standard);
      return async ({ tenants, out, now, ids }) => {
        const clash = (await tenants.listTenants()).find((tenant) => tenant.name.toLowerCase() === name.toLowerCase());
        if (clash) throw new Error(`A tenant named "${clash.name}" already exists (${clash.id})`);
        const tenant: Tenant = { id: ids.uuid(), name, profile, created: now().toISOString() };
        await tenants.createTenant(tenant);
        out(tenant.id);
      };
    },
  },
  'tenant list': {
    options: [],
    prepare(parsed) {
      expectPositionals(parsed, []);
      return async ({ tenants, out }) => {
        const rows = (await tenants.listTenants()).map((tenant) => [tenant.id, tenant.name, tenant.profile, tenant.created]);
        for (const line of table(['ID', 'NAME', 'PROFILE', 'CREATED'], rows)) out(line);
      };
    },
  },
  'tenant set-profile': {
    options: [],
    prepare(parsed) {
      const [tenantId, rawProfile] = expectPositionals(parsed, ['tenantId', 'profile']);
      const profile = checkProfile(rawProfile);
      return async ({ tenants, out }) => {
        if (!(await tenants.updateTenantProfile(tenantId, profile))) throw new Error(`No tenant with id ${tenantId}`);
        out(`Tenant ${tenantId} now uses the ${profile} profile`);
      };
    },
  },
  'token create': {
    options: ['label', 'scopes'],
    prepare(parsed) {
      const [tenantId] = expectPositionals(parsed, ['tenantId']);
      const label = checkText('label', parsed.options.label ?? '', true);
      let scopes: readonly Scope[] = DEFAULT_SCOPES;
      if (parsed.options.scopes !== undefined) {
        try {
          scopes = parseScopes(parsed.options.scopes);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
      }
      return async ({ tenants, out, now, ids }) => {
        const tenant = await tenants.getTenant(tenantId);
        if (!tenant) throw new Error(`No tenant with id ${tenantId}`);
        const { token, record } = issueToken({ tenantId: tenant.id, label, scopes, now: now(), ids });
        await tenants.createToken(record);
        out(`Created token ${record.id} for tenant "${tenant.name}" (${tenant.id}) with scopes ${record.scopes.join(' ')}:`);
        out('');
        out(`  ${token}`);
        out('');
        out('This token will not be shown again: store it now. Only its hash is kept.');
      };
    },
  },
  'token list': {
    options: ['tenant'],
    prepare(parsed) {
      expectPositionals(parsed, []);
      const tenantId = parsed.options.tenant;
      return async ({ tenants, out }) => {
        const tokens = await tenants.listTokens(tenantId);
        // Built field by field from the record: the secret hash never reaches the output.
        const rows = tokens.map((token) => [token.id, token.tenantId, token.label === '' ? '-' : token.label, token.scopes.join(','), token.created, tokenStatus(token)]);
        for (const line of table(['ID', 'TENANT', 'LABEL', 'SCOPES', 'CREATED', 'STATUS'], rows)) out(line);
      };
    },
  },
  'token revoke': {
    options: [],
    prepare(parsed) {
      const [tokenId] = expectPositionals(parsed, ['tokenId']);
      return async ({ tenants, out, now }) => {
        const token = (await tenants.listTokens()).find((candidate) => candidate.id === tokenId);
        if (!token) throw new Error(`No token with id ${tokenId}`);
        if (token.revoked !== undefined) {
          out(`Token ${tokenId} was already revoked at ${token.revoked}`);
          return;
        }
        if (!(await tenants.revokeToken(tokenId, now().toISOString()))) throw new Error(`No token with id ${tokenId}`);
        out(`Revoked token ${tokenId} of tenant ${token.tenantId}; requests with it are refused from now on`);
      };
    },
  },
};

/** Runs one admin command; resolves to the process exit code (0 success, 1 failure with one line on `err`). */
export async function runAdmin(argv: readonly string[], deps: AdminDeps): Promise<number> {
  const [group, action, ...rest] = argv;
  if (group === 'help' || group === '--help' || group === '-h') {
    for (const line of ADMIN_USAGE) deps.out(line);
    return 0;
  }
  if (group === undefined) {
    deps.err('No command given; run `npm run admin -- help` for the list of commands');
    return 1;
  }
  const key = `${group} ${action ?? ''}`;
  const command = Object.hasOwn(COMMANDS, key) ? COMMANDS[key] : undefined;
  if (!command) {
    deps.err(`Unknown command "${[group, action].filter(Boolean).join(' ')}"; run \`npm run admin -- help\` for the list of commands`);
    return 1;
  }

  let work: (context: Context) => Promise<void>;
  try {
    work = command.prepare(parseArgs(rest, command.options));
  } catch (error) {
    deps.err(`${oneLine(error)} (see \`npm run admin -- help\`)`);
    return 1;
  }

  let store: AdminStore | undefined;
  let code = 0;
  try {
    store = await deps.store();
    await work({ tenants: store.tenants, out: deps.out, now: deps.now ?? (() => new Date()), ids: deps.ids ?? randomIds });
  } catch (error) {
    deps.err(oneLine(error));
    code = 1;
  } finally {
    if (store) {
      try {
        await store.close();
      } catch (error) {
        deps.err(`Closing the store failed: ${oneLine(error)}`);
        code = 1;
      }
    }
  }
  return code;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0].trim() || 'Unknown error';
}
