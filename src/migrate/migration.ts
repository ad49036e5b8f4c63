// `npm run migrate`: moves a tenant's directory from one server to another through the export and import routes
// (README "Migrating a directory"). First the source's role catalogue and groups are created on the target (an
// import refuses a role the target lacks, and a group without members would not come along with any user); then the
// users, page after page of POST /Users/.export, each page in POST /Users/.import requests of at most `batchSize`
// records. The state file is written after every import request, so that --resume goes on after the last answered one.
import { randomUUID } from 'node:crypto';
import { ServerError, type ScimClient } from './scim-client';
import { writeState, type Failure, type MigrationState } from './migration-state';
import type { Progress } from './progress';
import { OnConflict } from '../extensions/transfer/transfer-requests';

// The values of the import route's ?onConflict, which this client passes on as they are.
export { OnConflict };

export interface MigrationDeps {
  readonly source: ScimClient;
  readonly target: ScimClient;
  readonly secret: string;
  readonly onConflict: OnConflict;
  readonly stateFile: string;
  readonly progress: Progress;
  /** Records per export page. */
  readonly pageSize: number;
  /** Records per import request (the target's transfer.importMaxRecords, 50 by default). */
  readonly batchSize: number;
  /** Failures kept with their reasons in the state file and the summary; beyond this they are only counted. */
  readonly maxFailuresListed?: number;
}

interface ExportRecord {
  readonly originalId?: unknown;
  readonly user?: { readonly userName?: unknown };
}

interface ImportResult {
  readonly index: number;
  readonly status: 'created' | 'updated' | 'skipped' | 'failed';
  readonly originalId?: string;
  readonly error?: { readonly status?: unknown; readonly detail?: unknown };
}

const ROLE_SCHEMA = 'urn:scim-server:params:scim:schemas:roles:2.0:Role';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIST_PAGE = 100;

/** A problem found before anything is written: a server out of reach, a token or the secret refused. */
export class AccessError extends Error {}

interface Side {
  readonly client: ScimClient;
  readonly name: 'source' | 'target';
  readonly urlOption: string;
  readonly tokenOption: string;
  readonly scopes: string;
}

/**
 * One request to each server that writes nothing but needs what the run needs (the URL, the token and its scope, an
 * acceptable secret): an export page of one record, an import of none. A mistake is then said at once, in words that
 * name the option to fix, before the target is touched.
 */
async function checkAccess(deps: MigrationDeps): Promise<void> {
  const probe = async (side: Side, path: string, body: Record<string, unknown>) => {
    try {
      await side.client.request('POST', path, { body, retry: false });
    } catch (error) {
      if (!(error instanceof ServerError)) throw error;
      const at = `the ${side.name} server ${side.client.base} (${side.urlOption})`;
      if (error.status === undefined) throw new AccessError(`Cannot reach ${at}: ${error.message}. Check the URL (the SCIM base, e.g. https://scim.example.com/scim/v2) and that the server is running.`);
      if (error.status === 401) throw new AccessError(`${side.tokenOption} is refused by ${at} (401): it is not a token of that server, or it was revoked or expired.`);
      if (error.status === 403) throw new AccessError(`${side.tokenOption} may not do this on ${at} (403): it needs the scope ${side.scopes}. The server said: ${error.detail ?? ''}`);
      if (error.status === 404) throw new AccessError(`${at} has no ${path}: give the server's SCIM base URL, e.g. https://scim.example.com/scim/v2.`);
      if (error.status === 400 && error.detail?.includes('encryptionSecret')) throw new AccessError(`The encryption secret is refused by ${at}: ${error.detail}`);
      throw error;
    }
  };
  await probe(
    { client: deps.source, name: 'source', urlOption: '--from', tokenOption: '--from-token', scopes: 'scim:export (and scim:read, to copy the roles and groups)' },
    '/Users/.export',
    { encryptionSecret: deps.secret, count: 1 },
  );
  await probe({ client: deps.target, name: 'target', urlOption: '--to', tokenOption: '--to-token', scopes: 'scim:write' }, '/Users/.import', { encryptionSecret: deps.secret, records: [] });
}

/** Every resource of a list route, by RFC 9865 cursor. */
async function* listAll(client: ScimClient, path: string, attributes: string): AsyncGenerator<Record<string, unknown>> {
  let cursor = '';
  for (;;) {
    const page = (await client.request('GET', path, { query: { cursor, count: String(LIST_PAGE), attributes } })) as { Resources?: Record<string, unknown>[]; nextCursor?: string };
    yield* page.Resources ?? [];
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

/** Creates on the target what `POST` would refuse as a duplicate anyway: a 409 means it is there already. */
async function createUnlessPresent(target: ScimClient, path: string, body: Record<string, unknown>): Promise<boolean> {
  try {
    await target.request('POST', path, { body });
    return true;
  } catch (error) {
    if (error instanceof ServerError && error.status === 409) return false;
    throw error;
  }
}

async function copyCatalogue(deps: MigrationDeps): Promise<void> {
  const { source, target, progress } = deps;
  const copy = async (what: string, path: string, attributes: string, bodyOf: (resource: Record<string, unknown>) => Record<string, unknown>) => {
    let created = 0;
    let present = 0;
    try {
      for await (const resource of listAll(source, path, attributes)) {
        if (await createUnlessPresent(target, path, bodyOf(resource))) created += 1;
        else present += 1;
      }
    } catch (error) {
      // A source token without scim:read cannot list them: the users still move, and a missing role fails its record.
      if (error instanceof ServerError && error.status === 403 && error.message.includes(source.base)) {
        progress.note(`${what}: not copied, the --from-token may not read them (scope scim:read): ${error.message}`);
        return;
      }
      throw error;
    }
    progress.note(`${what}: ${created} created on the target, ${present} there already`);
  };
  await copy('Roles', '/Roles', 'name,description,permissions,default', (role) => ({
    schemas: [ROLE_SCHEMA],
    ...Object.fromEntries(['name', 'description', 'permissions', 'default'].filter((name) => role[name] !== undefined).map((name) => [name, role[name]])),
  }));
  await copy('Groups', '/Groups', 'displayName,externalId', (group) => ({
    schemas: [GROUP_SCHEMA],
    displayName: group.displayName,
    ...(group.externalId !== undefined ? { externalId: group.externalId } : {}),
  }));
}

/** How many users the source has, for the progress bar; undefined when it will not say. */
async function totalOf(source: ScimClient): Promise<number | undefined> {
  try {
    const list = (await source.request('GET', '/Users', { query: { count: '0' } })) as { totalResults?: unknown };
    return typeof list.totalResults === 'number' ? list.totalResults : undefined;
  } catch {
    return undefined;
  }
}

function describeError(error: ImportResult['error']): { status: string; detail: string } {
  return { status: String(error?.status ?? 'failed'), detail: typeof error?.detail === 'string' ? error.detail : 'no detail given' };
}

export async function runMigration(deps: MigrationDeps, state: MigrationState): Promise<MigrationState> {
  const { source, target, progress } = deps;
  const maxListed = deps.maxFailuresListed ?? 10_000;
  const save = () => writeState(deps.stateFile, state);

  await checkAccess(deps);
  if (!state.catalogueCopied) {
    await copyCatalogue(deps);
    state.catalogueCopied = true;
    await save();
  }
  const total = await totalOf(source);

  while (!state.finished) {
    let page: { records?: ExportRecord[]; nextCursor?: string };
    try {
      page = (await source.request('POST', '/Users/.export', { body: { encryptionSecret: deps.secret, cursor: state.cursor, count: deps.pageSize } })) as typeof page;
    } catch (error) {
      // A cursor past SCIM_CURSOR_TIMEOUT, or sealed by a source process that restarted without a fixed SCIM_CURSOR_SECRET.
      if (error instanceof ServerError && (error.scimType === 'expiredCursor' || error.scimType === 'invalidCursor')) {
        throw new ServerError(
          `${error.message}. The saved export position cannot be used any more: run again without --resume and with --on-conflict skip (users imported already are then skipped)`,
          error.status,
          error.scimType,
        );
      }
      throw error;
    }
    const records = page.records ?? [];
    while (state.doneInPage < records.length) {
      const batch = records.slice(state.doneInPage, state.doneInPage + deps.batchSize);
      // The request that was out when the last run stopped may have written some of its users: sent again, those are
      // duplicates, which are skipped rather than failed (the summary counts them as skipped).
      const onConflict = state.inFlight && deps.onConflict === OnConflict.fail ? OnConflict.skip : deps.onConflict;
      state.inFlight = true;
      await save();
      let results: ImportResult[];
      try {
        // Its own Idempotency-Key: a retry after a lost answer (within this run) gets that answer instead of 409s.
        const answer = (await target.request('POST', '/Users/.import', {
          body: { encryptionSecret: deps.secret, records: batch },
          query: onConflict === OnConflict.fail ? {} : { onConflict },
          idempotencyKey: randomUUID(),
        })) as { results?: ImportResult[] };
        results = answer.results ?? [];
      } catch (error) {
        // A refusal (4xx) wrote nothing; a request unanswered, or failed on the server (5xx), may have written some.
        if (error instanceof ServerError && error.status !== undefined && error.status < 500) {
          state.inFlight = false;
          await save();
        }
        throw error;
      }
      for (const result of results) {
        state.counts.exported += 1;
        if (result.status === 'failed') {
          state.counts.failed += 1;
          const record = batch[result.index];
          if (state.failures.length < maxListed) {
            const failure: Failure = {
              originalId: String(result.originalId ?? record?.originalId ?? ''),
              ...(typeof record?.user?.userName === 'string' ? { userName: record.user.userName } : {}),
              ...describeError(result.error),
            };
            state.failures.push(failure);
          }
        } else if (result.status === 'created' || result.status === 'updated' || result.status === 'skipped') {
          state.counts[result.status] += 1;
        }
      }
      state.doneInPage += batch.length;
      state.inFlight = false;
      await save();
      progress.update(state.counts, total);
    }
    if (page.nextCursor) {
      state.cursor = page.nextCursor;
      state.doneInPage = 0;
    } else {
      state.finished = true;
    }
    await save();
  }
  progress.end();
  return state;
}

/** The closing summary, one line each. */
export function summaryLines(state: MigrationState): string[] {
  const { counts } = state;
  const lines = [
    `Exported ${counts.exported}, imported ${counts.created + counts.updated} (${counts.created} created, ${counts.updated} updated), skipped ${counts.skipped}, failed ${counts.failed}.`,
  ];
  if (state.failures.length > 0) {
    lines.push('Failed:');
    for (const failure of state.failures) lines.push(`  ${failure.userName ?? '(no userName)'} (originalId ${failure.originalId}): ${failure.status} ${failure.detail}`);
    if (counts.failed > state.failures.length) lines.push(`  … and ${counts.failed - state.failures.length} more`);
  }
  return lines;
}
