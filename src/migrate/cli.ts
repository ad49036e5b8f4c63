// Entry point of `npm run migrate` (README "Migrating a directory"). Like the admin CLI it may read process.env: only
// MIGRATE_SECRET, so that the encryption secret need not be on the command line.
import { UsageError } from '../admin/command-line';
import { parseMigrateArguments, USAGE } from './migrate-arguments';
import { AccessError, runMigration, summaryLines } from './migration';
import { newState, readState } from './migration-state';
import { createProgress } from './progress';
import { createScimClient } from './scim-client';

/** Reads a line from the terminal without echoing it; undefined when standard input is not a terminal. */
function promptSecret(question: string): Promise<string | undefined> {
  const input = process.stdin;
  if (!input.isTTY) return Promise.resolve(undefined);
  process.stderr.write(question);
  return new Promise((resolve) => {
    let typed = '';
    input.setRawMode(true);
    input.resume();
    const onData = (chunk: Buffer) => {
      for (const character of chunk.toString('utf8')) {
        if (character === '\r' || character === '\n' || character === '\u0004') {
          input.setRawMode(false);
          input.pause();
          input.off('data', onData);
          process.stderr.write('\n');
          resolve(typed);
          return;
        }
        if (character === '\u0003') {
          process.stderr.write('\n');
          process.exit(130);
        }
        typed = character === '\u007f' || character === '\b' ? typed.slice(0, -1) : typed + character;
      }
    };
    input.on('data', onData);
  });
}

async function main(): Promise<number> {
  const args = parseMigrateArguments(process.argv.slice(2));
  const secret = args.secret ?? process.env.MIGRATE_SECRET ?? (await promptSecret('Encryption secret (not shown): '));
  if (!secret) throw new UsageError('No encryption secret: give it in MIGRATE_SECRET, at the prompt (on a terminal), or with --secret');
  const state = args.resume ? await readState(args.stateFile) : newState(args.from, args.to, args.onConflict);
  if (state.from !== args.from || state.to !== args.to) {
    throw new UsageError(`${args.stateFile} belongs to a migration from ${state.from} to ${state.to}: resume it with those, or choose another --state file`);
  }
  const progress = createProgress(process.stderr);
  if (state.finished) progress.note(`${args.stateFile} records a finished migration; nothing to do.`);
  const finished = await runMigration(
    {
      source: createScimClient(args.from, args.fromToken),
      target: createScimClient(args.to, args.toToken),
      secret,
      onConflict: args.onConflict,
      stateFile: args.stateFile,
      progress,
      pageSize: args.pageSize,
      batchSize: args.batchSize,
    },
    state,
  );
  for (const line of summaryLines(finished)) process.stdout.write(`${line}\n`);
  return finished.counts.failed > 0 ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    // Found before anything was written: nothing to resume.
    else if (!(error instanceof AccessError)) process.stderr.write('The state file records where the run stopped: run the same command with --resume to go on.\n');
    process.exit(error instanceof UsageError ? 64 : 1);
  },
);
