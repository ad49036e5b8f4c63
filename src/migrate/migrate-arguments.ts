// The command line of `npm run migrate` (README "Migrating a directory"), checked before anything is sent.
import { parseArgs, UsageError } from '../admin/command-line';
import { OnConflict } from './migration';

export const USAGE = `Usage: npm run migrate -- --from <url> --from-token <token> --to <url> --to-token <token>
         [--secret <secret>] [--on-conflict skip|update] [--state <file>] [--resume] [--page-size <n>] [--batch-size <n>]
The encryption secret is better given in the environment variable MIGRATE_SECRET, or typed at the prompt:
a command line is visible to every user of the machine (ps) and kept in the shell's history.`;

export interface MigrateArguments {
  readonly from: string;
  readonly fromToken: string;
  readonly to: string;
  readonly toToken: string;
  readonly secret?: string;
  readonly onConflict: OnConflict;
  readonly stateFile: string;
  readonly resume: boolean;
  readonly pageSize: number;
  readonly batchSize: number;
}

const OPTIONS = ['from', 'from-token', 'to', 'to-token', 'secret', 'on-conflict', 'state', 'page-size', 'batch-size'];

function url(name: string, value: string | undefined): string {
  if (value === undefined) throw new UsageError(`--${name} is required: the server's SCIM base URL, e.g. https://scim.example.com/scim/v2`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`--${name} "${value}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--${name} must be an http or https URL`);
  return value.replace(/\/+$/, '');
}

function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function count(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}`);
  return Number(value);
}

export function parseMigrateArguments(args: readonly string[]): MigrateArguments {
  const parsed = parseArgs(args, OPTIONS, ['resume']);
  if (parsed.positionals.length > 0) throw new UsageError(`Unexpected argument "${parsed.positionals[0]}"`);
  const { options } = parsed;
  const onConflict = options['on-conflict'] ?? OnConflict.fail;
  if (onConflict !== OnConflict.skip && onConflict !== OnConflict.update && onConflict !== OnConflict.fail) {
    throw new UsageError('--on-conflict must be skip or update (without it, a user whose userName the target has already fails with 409)');
  }
  return {
    from: url('from', options.from),
    fromToken: required('from-token', options['from-token']),
    to: url('to', options.to),
    toToken: required('to-token', options['to-token']),
    ...(options.secret !== undefined ? { secret: options.secret } : {}),
    onConflict,
    stateFile: options.state ?? 'migrate-state.json',
    resume: parsed.flags.has('resume'),
    pageSize: count('page-size', options['page-size'], 200, 1000),
    batchSize: count('batch-size', options['batch-size'], 50, 1000),
  };
}
