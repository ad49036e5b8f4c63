// Where a migration is, kept in a small JSON file after every import request, so that an interrupted run (Ctrl-C, a
// lost connection, a server restart) goes on with --resume from the request after the last one that was answered,
// instead of starting again. The file holds positions, counts and the failures' reasons: no password hash, no secret,
// no token (a person may attach it to a ticket).
import { readFile, rename, writeFile } from 'node:fs/promises';

export const STATE_FORMAT = 1;

export interface Failure {
  readonly originalId: string;
  readonly userName?: string;
  readonly status: string;
  readonly detail: string;
}

export interface Counts {
  /** Records taken from the source's export and sent to the target. */
  exported: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
}

export interface MigrationState {
  readonly format: typeof STATE_FORMAT;
  /** The servers, to refuse resuming another migration's file. */
  readonly from: string;
  readonly to: string;
  readonly onConflict: string;
  /** Roles and groups copied to the target (done once, before the users). */
  catalogueCopied: boolean;
  /** The export cursor of the page in progress ('' = the first page). */
  cursor: string;
  /** Records of that page already imported. */
  doneInPage: number;
  /** True while an import request is out: its records may have been written without the answer being seen. */
  inFlight: boolean;
  finished: boolean;
  readonly counts: Counts;
  readonly failures: Failure[];
}

export function newState(from: string, to: string, onConflict: string): MigrationState {
  return {
    format: STATE_FORMAT,
    from,
    to,
    onConflict,
    catalogueCopied: false,
    cursor: '',
    doneInPage: 0,
    inFlight: false,
    finished: false,
    counts: { exported: 0, created: 0, updated: 0, skipped: 0, failed: 0 },
    failures: [],
  };
}

export async function readState(file: string): Promise<MigrationState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`--resume: there is no state file ${file}; run without --resume to start`, { cause: error });
    throw error;
  }
  const state = JSON.parse(text) as MigrationState;
  if (state.format !== STATE_FORMAT) throw new Error(`${file} is not a state file of this version of npm run migrate`);
  return state;
}

/** Written to a temporary file and renamed over the old one: a crash leaves the old state or the new, never half. */
export async function writeState(file: string, state: MigrationState): Promise<void> {
  const temporary = `${file}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}
