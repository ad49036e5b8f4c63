// The pieces every admin command is made of: argument parsing, the store a command runs against, the table printer.
// commands.ts holds the tenant, settings and token commands; work-commands.ts those about background work.
import type { IdSource } from '../auth/id-source';
import type { SettingsTable } from '../settings/setting-definition';
import type { SettingsStore } from '../store/settings-store';
import type { Store, Tenant, TenantStore } from '../store/tenant-store';

export interface AdminStore extends Pick<Store, 'deleteTenant' | 'jobs' | 'outbox'> {
  readonly tenants: TenantStore;
  readonly settings: SettingsStore;
  close(): Promise<void>;
}

/** A mistake in the command line (as opposed to a failure while running it). */
export class UsageError extends Error {}

export interface ParsedArgs {
  readonly positionals: string[];
  readonly options: Record<string, string>;
  readonly flags: ReadonlySet<string>;
}

/**
 * Splits `args` into positionals, `--name value` / `--name=value` options (only `allowed` names) and bare `--name`
 * flags (only `allowedFlags`).
 */
export function parseArgs(args: readonly string[], allowed: readonly string[], allowedFlags: readonly string[] = []): ParsedArgs {
  const positionals: string[] = [];
  const options: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (allowedFlags.includes(name) && eq === -1) {
      flags.add(name);
      continue;
    }
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
  return { positionals, options, flags };
}

export function expectPositionals(parsed: ParsedArgs, names: readonly string[]): string[] {
  const { positionals } = parsed;
  if (positionals.length < names.length) throw new UsageError(`Missing <${names[positionals.length]}>`);
  if (positionals.length > names.length) throw new UsageError(`Unexpected argument "${positionals[names.length]}"`);
  return positionals;
}

/** Names and labels are shown on one line in listings: no control characters, bounded length. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export interface Context {
  readonly store: AdminStore;
  readonly tenants: TenantStore;
  readonly settings: SettingsStore;
  readonly settingsTable: SettingsTable;
  readonly out: (line: string) => void;
  readonly now: () => Date;
  readonly ids: IdSource;
  readonly ask?: (question: string) => Promise<string | undefined>;
}

/**
 * A command checks its arguments first (throwing UsageError, before any store is opened) and returns the work
 * to run against the store.
 */
export interface Command {
  readonly options: readonly string[];
  readonly flags?: readonly string[];
  prepare(parsed: ParsedArgs, settingsTable: SettingsTable): (context: Context) => Promise<void>;
}

export async function requireTenant(tenants: TenantStore, tenantId: string): Promise<Tenant> {
  const tenant = await tenants.getTenant(tenantId);
  if (!tenant) throw new Error(`No tenant with id ${tenantId}`);
  return tenant;
}
