// npm run migrate's loop against two stand-in servers that follow the export/import contract of issue 18 (the real
// two-process test waits for the routes): pages and batches, the summary, and --resume after a run cut off in the
// middle of an import request.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnConflict, runMigration, summaryLines } from '../../../src/migrate/migration';
import { newState, readState } from '../../../src/migrate/migration-state';
import type { Progress } from '../../../src/migrate/progress';
import { ServerError, type ScimClient } from '../../../src/migrate/scim-client';

const SECRET = 'a secret of at least sixteen characters';

interface Imported {
  readonly originalId: string;
  readonly userName: string;
}

/** A source with `users`, exporting in pages by a numeric cursor; roles and groups lists. */
function sourceOf(users: string[], options: { roles?: string[] } = {}): ScimClient {
  return {
    base: 'http://source',
    async request(method, path, { body, query } = {}) {
      if (method === 'GET' && path === '/Users') return { totalResults: users.length };
      if (method === 'GET' && path === '/Roles') return { Resources: (options.roles ?? []).map((name) => ({ name })) };
      if (method === 'GET' && path === '/Groups') return { Resources: [{ displayName: 'Empty group' }] };
      if (method === 'POST' && path === '/Users/.export') {
        const { cursor, count, encryptionSecret } = body as { cursor: string; count: number; encryptionSecret: string };
        expect(encryptionSecret).toBe(SECRET);
        expect(query).toBeUndefined();
        const start = cursor === '' ? 0 : Number(cursor);
        const records = users.slice(start, start + count).map((userName, i) => ({ originalId: `old-${start + i}`, user: { userName }, lifecycle: { state: 'active' } }));
        return { records, ...(start + count < users.length ? { nextCursor: String(start + count) } : {}) };
      }
      throw new Error(`unexpected ${method} ${path}`);
    },
  };
}

/** A target that imports by userName (a duplicate is 409 unless onConflict says otherwise), and may be cut off. */
function targetOf(options: { cutAfterRequests?: number; failUserNames?: string[] } = {}) {
  const users = new Map<string, Imported>();
  const created: { path: string; body: Record<string, unknown> }[] = [];
  let requests = 0;
  const client: ScimClient = {
    base: 'http://target',
    async request(method, path, { body, query } = {}) {
      if (method === 'POST' && (path === '/Roles' || path === '/Groups')) {
        created.push({ path, body: body as Record<string, unknown> });
        return {};
      }
      if (method !== 'POST' || path !== '/Users/.import') throw new Error(`unexpected ${method} ${path}`);
      const { records } = body as { records: { originalId: string; user: { userName: string } }[] };
      // The check of access before the run: an import of nothing.
      if (records.length === 0) return { results: [] };
      requests += 1;
      expect(records.length).toBeLessThanOrEqual(3);
      const results = records.map((record, index) => {
        const { userName } = record.user;
        if (options.failUserNames?.includes(userName)) return { index, status: 'failed', originalId: record.originalId, error: { status: '400', detail: `Role "wizard" is not in the tenant's role catalogue` } };
        if (users.has(userName)) {
          if (query?.onConflict === 'skip') return { index, status: 'skipped', originalId: record.originalId };
          return { index, status: 'failed', originalId: record.originalId, error: { status: '409', detail: 'userName is taken' } };
        }
        users.set(userName, { originalId: record.originalId, userName });
        return { index, status: 'created', originalId: record.originalId, id: `new-${users.size}` };
      });
      // Cut off after writing: the answer never arrives.
      if (options.cutAfterRequests !== undefined && requests === options.cutAfterRequests) throw new ServerError('POST http://target/Users/.import: the server could not be reached (socket hang up)');
      return { results };
    },
  };
  return { client, users, created };
}

const silent = (): Progress & { lines: string[] } => {
  const lines: string[] = [];
  return { lines, update: (counts) => lines.push(JSON.stringify(counts)), note: (line) => lines.push(line), end: () => undefined };
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'migrate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const userNames = (n: number) => Array.from({ length: n }, (_, i) => `user${i}@example.com`);

it('moves every user in pages and batches, roles and groups first, and sums up with the reasons of failures', async () => {
  const target = targetOf({ failUserNames: ['user4@example.com'] });
  const stateFile = join(dir, 'state.json');
  const deps = { source: sourceOf(userNames(7), { roles: ['auditor'] }), target: target.client, secret: SECRET, onConflict: OnConflict.fail, stateFile, progress: silent(), pageSize: 4, batchSize: 3 };
  const state = await runMigration(deps, newState('http://source', 'http://target', 'fail'));
  expect(state.counts).toEqual({ exported: 7, created: 6, updated: 0, skipped: 0, failed: 1 });
  expect([...target.users.keys()].sort()).toEqual(userNames(7).filter((name) => name !== 'user4@example.com').sort());
  expect(target.created).toEqual([
    { path: '/Roles', body: { schemas: ['urn:scim-server:params:scim:schemas:roles:2.0:Role'], name: 'auditor' } },
    { path: '/Groups', body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Empty group' } },
  ]);
  expect(summaryLines(state)).toEqual([
    'Exported 7, imported 6 (6 created, 0 updated), skipped 0, failed 1.',
    'Failed:',
    `  user4@example.com (originalId old-4): 400 Role "wizard" is not in the tenant's role catalogue`,
  ]);
  expect((await readState(stateFile)).finished).toBe(true);
  expect(readFileSync(stateFile, 'utf8')).not.toContain(SECRET);
});

it('resumes after a run cut off in an import request: nothing is imported twice, nothing is lost, nothing counted as failed', async () => {
  const target = targetOf({ cutAfterRequests: 2 });
  const stateFile = join(dir, 'state.json');
  const deps = { source: sourceOf(userNames(10)), target: target.client, secret: SECRET, onConflict: OnConflict.fail, stateFile, progress: silent(), pageSize: 4, batchSize: 3 };
  await expect(runMigration(deps, newState('http://source', 'http://target', 'fail'))).rejects.toThrow('could not be reached');
  const stopped = await readState(stateFile);
  expect(stopped).toMatchObject({ finished: false, inFlight: true, cursor: '', doneInPage: 3 });
  expect(target.users.size).toBe(4);

  // The same command with --resume: the request that was out is sent again with onConflict=skip.
  const resumed = await runMigration(deps, stopped);
  expect(resumed.counts).toEqual({ exported: 10, created: 9, updated: 0, skipped: 1, failed: 0 });
  expect([...target.users.keys()].sort()).toEqual(userNames(10).sort());
  expect(resumed.finished).toBe(true);
});
