// The admin CLI's commands: tenants, their settings and tokens, against any store that offers the TenantStore and
// SettingsStore ports. The entry point (cli.ts) only opens the store and wires stdout/stderr; everything here runs in
// tests with a fake or in-memory store.
import { randomUUID } from 'node:crypto';
import { randomIds, type IdSource } from '../auth/id-source';
import { cliContext } from '../auth/request-context';
import { auditDeclaration, type AuditDeclaration } from '../extensions/audit/audit-event';
import { auditedChange } from '../extensions/audit/audited-change';
import type { AuditCondition } from '../extensions/audit/confirm-condition';
import { ALL_PROFILES, isProfile, Profile } from '../auth/profile';
import { DEFAULT_SCOPES, isScope, parseScopes, type Scope } from '../auth/scopes';
import { issueToken } from '../auth/tokens';
import { checkKeys, parseAssignments, resolveSettings } from '../settings/resolve-settings';
import { formatSetting, SettingError, type SettingsTable } from '../settings/setting-definition';
import { TENANT_SETTINGS } from '../settings/tenant-settings';
import type { Tenant, TokenRecord } from '../store/tenant-store';
import { expectPositionals, parseArgs, requireTenant, table, UsageError, type AdminStore, type Command, type Context, type ParsedArgs } from './command-line';
import { formatDuration, parseDuration } from './duration';
import { WORK_COMMANDS, WORK_USAGE } from './work-commands';

export type { AdminStore } from './command-line';

export interface OpenOptions {
  /** --create: make a new, empty store when none exists (otherwise opening a missing store fails). */
  readonly create: boolean;
}

export interface AdminDeps {
  /** Opens the store; called only by commands that need it, and closed before runAdmin returns. */
  readonly store: (options: OpenOptions) => Promise<AdminStore>;
  /** Writes one line of normal output (stdout). */
  readonly out: (line: string) => void;
  /** Writes one line of error output (stderr). */
  readonly err: (line: string) => void;
  readonly now?: () => Date;
  readonly ids?: IdSource;
  /**
   * Asks a question on the terminal and resolves to the line typed; undefined when there is no terminal to ask
   * (commands that need a confirmation then require --yes).
   */
  readonly ask?: (question: string) => Promise<string | undefined>;
  /** The settings `tenant set` accepts (default: the server's table, src/settings/tenant-settings.ts). */
  readonly settingsTable?: SettingsTable;
}

/** How long a rotated token keeps working beside its successor unless --overlap says otherwise. */
export const DEFAULT_ROTATION_OVERLAP = '24h';

export const ADMIN_USAGE = [
  'Usage: npm run admin -- <command>',
  '',
  'Tenants',
  '  tenant create <name> [--profile standard|entra]   create a tenant; prints its id',
  '  tenant list                                        list tenants',
  '  tenant set-profile <tenantId> <standard|entra>     change the compatibility profile of a tenant',
  '  tenant delete <tenantId> [--yes]                   delete a tenant with ALL its data (asks for its name',
  '                                                     unless --yes)',
  '  tenant show <tenantId>                             show a tenant and every setting (its value or the default)',
  '  tenant set <tenantId> <key=value> [key=value ...]  change settings; all are checked before any is written',
  '  tenant unset <tenantId> <key> [key ...]            return settings to their defaults',
  '',
  'Tokens',
  '  token create <tenantId> [--label <text>] [--scopes scim:read,scim:write] [--expires-in <duration>]',
  '                                                     create a bearer token; prints it once. Scopes: scim:read,',
  '                                                     scim:write (the default: both), scim:credentials (only',
  '                                                     POST /Users/.verify-credentials, for a sign-in service),',
  '                                                     scim:export (the export routes: users with their sealed',
  '                                                     password hashes)',
  '  token list [--tenant <tenantId>]                   list tokens with last use and expiry (never secrets)',
  `  token rotate <tokenId> [--overlap <duration>] [--expires-in <duration>]`,
  `                                                     a new token with the same tenant, label and scopes;`,
  `                                                     the old one keeps working for the overlap (${DEFAULT_ROTATION_OVERLAP})`,
  '  token revoke <tokenId>                             revoke a token; running servers refuse it within',
  '                                                     SCIM_TOKEN_CACHE_MS (1 second by default)',
  '',
  ...WORK_USAGE,
  '',
  '  help                                               show this text',
  '',
  'Durations: 90d, 12h, 30m, 45s. Last use is recorded at most once a minute per token and server instance.',
  'The store is the one the server uses: SCIM_STORE (default sqlite:./data/scim.db). A store that does not',
  'exist is refused (a mistyped path would otherwise start an empty one); add --create to make a new one.',
] as const;

const MAX_TEXT = 200;

function checkText(what: string, value: string, allowEmpty: boolean): string {
  const text = value.trim();
  if (!allowEmpty && text === '') throw new UsageError(`The ${what} must not be empty`);
  if (text.length > MAX_TEXT) throw new UsageError(`The ${what} must be at most ${MAX_TEXT} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new UsageError(`The ${what} must not contain control characters`);
  return text;
}

function checkProfile(value: string): Profile {
  if (!isProfile(value)) throw new UsageError(`Unknown profile "${value}"; the profiles are ${ALL_PROFILES.join(', ')}`);
  return value;
}

function tokenStatus(token: TokenRecord, now: Date): string {
  if (token.revoked !== undefined) return `revoked ${token.revoked}`;
  if (token.expires !== undefined && !(now.getTime() < Date.parse(token.expires))) return 'expired';
  return 'active';
}

/** A --expires-in / --overlap value, as a UsageError when it is not a duration. */
function durationOption(parsed: ParsedArgs, name: string, options: { allowZero: boolean }): number | undefined {
  const raw = parsed.options[name];
  if (raw === undefined) return undefined;
  try {
    return parseDuration(raw, options);
  } catch (error) {
    throw new UsageError(`--${name}: ${(error as Error).message}`);
  }
}

const later = (now: Date, ms: number) => new Date(now.getTime() + ms).toISOString();

function printNewToken(out: (line: string) => void, token: string, record: TokenRecord): void {
  out('');
  out(`  ${token}`);
  out('');
  out(`This token will not be shown again: store it now. Only its hash is kept.${record.expires ? ` It expires at ${record.expires}.` : ''}`);
}

/** `<tenantId> <first> [more ...]`: at least one item after the tenant id. */
function tenantAndItems(parsed: ParsedArgs, itemName: string): [string, string[]] {
  const [tenantId, ...items] = parsed.positionals;
  if (tenantId === undefined) throw new UsageError('Missing <tenantId>');
  if (items.length === 0) throw new UsageError(`Missing <${itemName}>`);
  return [tenantId, items];
}

/** Runs a check of the settings table, turning its refusal into a usage error (the message names the key). */
function checkSettings<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof SettingError) throw new UsageError(error.message);
    throw error;
  }
}

function describeChange(tenantId: string, version: number, changes: readonly string[]): string {
  return `Tenant ${tenantId} settings are at version ${version}: ${changes.join(' ')}`;
}

const TOKEN_EVENTS = {
  create: auditDeclaration('TOKEN', 'CREATE'),
  rotate: auditDeclaration('TOKEN', 'ROTATE'),
  revoke: auditDeclaration('TOKEN', 'REVOKE'),
} as const;

/**
 * Makes a change to a token with its audit events in the token's tenant (actor `cli`, no client address): START and
 * SUCCESS (or FAIL) as for any operation, written around the change (src/extensions/audit/audited-change.ts).
 */
function auditedTokenChange<T>(context: Context, tenantId: string, declaration: AuditDeclaration, tokenId: string, condition: AuditCondition, make: () => Promise<T>): Promise<T> {
  const cli = cliContext(tenantId);
  return auditedChange(
    // Event ids are random whatever ids the command was given (tests give predictable token ids).
    { outbox: context.store.outbox, clock: context.now, newId: randomUUID },
    {
      declaration,
      who: { tenantId, actor: { kind: cli.actor.kind, tokenId: cli.actor.tokenId, label: cli.actor.label }, requestId: cli.requestId, clientAddress: cli.clientAddress },
      target: { type: 'Token', id: tokenId },
      condition,
    },
    make,
  );
}

const COMMANDS: Record<string, Command> = {
  ...WORK_COMMANDS,
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
  'tenant delete': {
    options: [],
    flags: ['yes'],
    prepare(parsed) {
      const [tenantId] = expectPositionals(parsed, ['tenantId']);
      const confirmed = parsed.flags.has('yes');
      return async ({ store, tenants, out, ask }) => {
        const tenant = await tenants.getTenant(tenantId);
        if (!tenant) throw new Error(`No tenant with id ${tenantId}`);
        if (!confirmed) {
          const tokens = (await tenants.listTokens(tenant.id)).length;
          const question =
            `Delete tenant "${tenant.name}" (${tenant.id}) with all its users, groups and other data, and its ${tokens} token(s)? ` +
            'This cannot be undone. Type the tenant name to confirm: ';
          const answer = ask ? await ask(question) : undefined;
          if (answer === undefined) throw new Error('tenant delete needs a confirmation: run it in a terminal, or add --yes');
          if (answer.trim() !== tenant.name) throw new Error('Nothing deleted: the name typed does not match the tenant name');
        }
        const deletion = await store.deleteTenant(tenant.id);
        if (!deletion) throw new Error(`No tenant with id ${tenantId}`);
        const removed = Object.entries(deletion.removed)
          .filter(([, count]) => count > 0)
          .map(([name, count]) => `${name} ${count}`)
          .join(', ');
        out(`Deleted tenant "${tenant.name}" (${tenant.id}). Removed: ${removed}`);
      };
    },
  },
  'tenant show': {
    options: [],
    prepare(parsed) {
      const [tenantId] = expectPositionals(parsed, ['tenantId']);
      return async ({ tenants, settings, settingsTable, out }) => {
        const tenant = await requireTenant(tenants, tenantId);
        const record = await settings.read(tenantId);
        const invalid = new Map<string, string>();
        const values = resolveSettings(settingsTable, record.values, (key, problem) => invalid.set(key, problem));
        for (const line of table(['FIELD', 'VALUE'], [
          ['id', tenant.id],
          ['name', tenant.name],
          ['profile', tenant.profile],
          ['created', tenant.created],
          ['settings version', record.updated === undefined ? '0 (nothing set)' : `${record.version} (updated ${record.updated})`],
        ])) {
          out(line);
        }
        out('');
        const rows = Object.entries(settingsTable).map(([key, definition]) => {
          const source = invalid.has(key) ? `default (stored "${record.values[key]}" ${invalid.get(key)})` : Object.hasOwn(record.values, key) ? 'set' : 'default';
          return [key, formatSetting(definition, (values as Record<string, unknown>)[key]), source, definition.description];
        });
        for (const line of table(['SETTING', 'VALUE', 'SOURCE', 'DESCRIPTION'], rows)) out(line);
      };
    },
  },
  'tenant set': {
    options: [],
    prepare(parsed, settingsTable) {
      const [tenantId, assignments] = tenantAndItems(parsed, 'key=value');
      const values = checkSettings(() => parseAssignments(settingsTable, assignments));
      return async ({ tenants, settings, out, now }) => {
        await requireTenant(tenants, tenantId);
        const record = await settings.update(tenantId, { set: values, at: now().toISOString() });
        out(describeChange(tenantId, record.version, Object.entries(values).map(([key, value]) => `${key}=${value}`)));
      };
    },
  },
  'tenant unset': {
    options: [],
    prepare(parsed, settingsTable) {
      const [tenantId, keys] = tenantAndItems(parsed, 'key');
      checkSettings(() => checkKeys(settingsTable, keys));
      return async ({ tenants, settings, out, now }) => {
        await requireTenant(tenants, tenantId);
        const record = await settings.update(tenantId, { unset: keys, at: now().toISOString() });
        out(describeChange(tenantId, record.version, keys.map((key) => `${key} (default)`)));
      };
    },
  },
  'token create': {
    options: ['label', 'scopes', 'expires-in'],
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
      const expiresIn = durationOption(parsed, 'expires-in', { allowZero: false });
      return async (context) => {
        const { tenants, out, now, ids } = context;
        const tenant = await tenants.getTenant(tenantId);
        if (!tenant) throw new Error(`No tenant with id ${tenantId}`);
        const at = now();
        const issued = issueToken({ tenantId: tenant.id, label, scopes, now: at, ids });
        const record = expiresIn === undefined ? issued.record : { ...issued.record, expires: later(at, expiresIn) };
        await auditedTokenChange(context, tenant.id, TOKEN_EVENTS.create, record.id, { kind: 'tokenExists', tokenId: record.id }, () => tenants.createToken(record));
        out(`Created token ${record.id} for tenant "${tenant.name}" (${tenant.id}) with scopes ${record.scopes.join(' ')}:`);
        printNewToken(out, issued.token, record);
      };
    },
  },
  'token rotate': {
    options: ['overlap', 'expires-in'],
    prepare(parsed) {
      const [tokenId] = expectPositionals(parsed, ['tokenId']);
      const overlap = durationOption(parsed, 'overlap', { allowZero: true }) ?? parseDuration(DEFAULT_ROTATION_OVERLAP, { allowZero: false });
      const expiresIn = durationOption(parsed, 'expires-in', { allowZero: false });
      return async (context) => {
        const { tenants, out, now, ids } = context;
        const at = now();
        const old = (await tenants.listTokens()).find((candidate) => candidate.id === tokenId);
        if (!old) throw new Error(`No token with id ${tokenId}`);
        const status = tokenStatus(old, at);
        if (status !== 'active') throw new Error(`Token ${tokenId} is ${status}: there is nothing to rotate; create a new token with \`token create\``);
        // The successor grants what the old token grants: the scopes this server knows (verify-token ignores others).
        const issued = issueToken({ tenantId: old.tenantId, label: old.label, scopes: old.scopes.filter(isScope), now: at, ids });
        const record = expiresIn === undefined ? issued.record : { ...issued.record, expires: later(at, expiresIn) };
        // The successor exists before the old token's end is set: a failure in between leaves two working tokens,
        // never none.
        await auditedTokenChange(context, old.tenantId, TOKEN_EVENTS.rotate, old.id, { kind: 'tokenExists', tokenId: record.id }, async () => {
          await tenants.createToken(record);
          await tenants.expireToken(old.id, later(at, overlap));
        });
        const ends = (await tenants.listTokens(old.tenantId)).find((candidate) => candidate.id === old.id)?.expires ?? later(at, overlap);
        out(`Created token ${record.id} to replace ${old.id} (tenant ${old.tenantId}, scopes ${record.scopes.join(' ')}):`);
        printNewToken(out, issued.token, record);
        out(
          overlap === 0
            ? `Token ${old.id} has stopped working.`
            : `Token ${old.id} keeps working until ${ends} (overlap ${formatDuration(overlap)}): put the new token in the client before then.`,
        );
      };
    },
  },
  'token list': {
    options: ['tenant'],
    prepare(parsed) {
      expectPositionals(parsed, []);
      const tenantId = parsed.options.tenant;
      return async ({ tenants, out, now }) => {
        const tokens = await tenants.listTokens(tenantId);
        const at = now();
        // Built field by field from the record: the secret hash never reaches the output.
        const rows = tokens.map((token) => [
          token.id,
          token.tenantId,
          token.label === '' ? '-' : token.label,
          token.scopes.join(','),
          token.created,
          token.lastUsed ?? 'never',
          token.expires ?? '-',
          tokenStatus(token, at),
        ]);
        for (const line of table(['ID', 'TENANT', 'LABEL', 'SCOPES', 'CREATED', 'LAST USED', 'EXPIRES', 'STATUS'], rows)) out(line);
      };
    },
  },
  'token revoke': {
    options: [],
    prepare(parsed) {
      const [tokenId] = expectPositionals(parsed, ['tokenId']);
      return async (context) => {
        const { tenants, out, now } = context;
        const token = (await tenants.listTokens()).find((candidate) => candidate.id === tokenId);
        if (!token) throw new Error(`No token with id ${tokenId}`);
        if (token.revoked !== undefined) {
          out(`Token ${tokenId} was already revoked at ${token.revoked}`);
          return;
        }
        await auditedTokenChange(context, token.tenantId, TOKEN_EVENTS.revoke, tokenId, { kind: 'tokenRevoked', tokenId }, async () => {
          if (!(await tenants.revokeToken(tokenId, now().toISOString()))) throw new Error(`No token with id ${tokenId}`);
        });
        out(`Revoked token ${tokenId} of tenant ${token.tenantId}; running servers refuse it within SCIM_TOKEN_CACHE_MS (1 second by default)`);
      };
    },
  },
};

/** Runs one admin command; resolves to the process exit code (0 success, 1 failure with one line on `err`). */
export async function runAdmin(args: readonly string[], deps: AdminDeps): Promise<number> {
  // --create is accepted anywhere on the line: it is about opening the store, not about the command.
  const create = args.includes('--create');
  const argv = args.filter((arg) => arg !== '--create');
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

  const settingsTable = deps.settingsTable ?? TENANT_SETTINGS;
  let work: (context: Context) => Promise<void>;
  try {
    work = command.prepare(parseArgs(rest, command.options, command.flags), settingsTable);
  } catch (error) {
    deps.err(`${oneLine(error)} (see \`npm run admin -- help\`)`);
    return 1;
  }

  let store: AdminStore | undefined;
  let code = 0;
  try {
    store = await deps.store({ create });
    await work({
      store,
      tenants: store.tenants,
      settings: store.settings,
      settingsTable,
      out: deps.out,
      now: deps.now ?? (() => new Date()),
      ids: deps.ids ?? randomIds,
      ask: deps.ask,
    });
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
