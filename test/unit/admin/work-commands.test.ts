// `job list|cancel|retry` and `outbox list|requeue` against a real embedded store on a file, each command opening and
// closing it as the CLI does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAdmin } from '../../../src/admin/commands';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../src/store/tenant-store';
import { NOW } from '../auth/fake-tenant-store';

const registry = loadBuiltinRegistry();
const iso = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();

describe('admin CLI: jobs and outbox', () => {
  let directory: string;
  let file: string;
  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'scim-admin-work-'));
    file = join(directory, 'scim.db');
    await withStore(async (store) => {
      await store.tenants.createTenant({ id: 't-1', name: 'Acme', profile: 'standard', created: NOW.toISOString() });
      await store.jobs.enqueue({ id: 'export-1', tenantId: 't-1', type: 'export', input: null, created: iso(0) });
      await store.jobs.enqueue({ id: 'import-1', tenantId: 't-1', type: 'import', input: null, created: iso(1) });
      await store.jobs.claim({ types: ['import'], owner: 'host-a:42', token: 'tok', now: iso(2), leaseExpires: iso(32) });
      await store.jobs.renew('import-1', 'tok', { now: iso(3), leaseExpires: iso(33), progress: { processed: 40, total: 100 } });
      await store.jobs.enqueue({ id: 'sweep-1', tenantId: '_system', type: 'housekeeping', input: null, created: iso(0) });
      await store.outbox.append([
        { id: 'm-1', tenantId: 't-1', topic: 'webhook', key: 'user.created:u1:1', payload: null, created: iso(0) },
        { id: 'm-2', tenantId: 't-1', topic: 'webhook', key: 'user.created:u2:1', payload: null, created: iso(1) },
      ]);
      await store.outbox.claim({ topics: ['webhook'], limit: 1, now: iso(5), claimExpires: iso(65), token: 'c' });
      await store.outbox.fail('m-1', 'c', { now: iso(6), error: 'The receiver answered 410 Gone' });
    });
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  async function withStore<T>(use: (store: Store) => Promise<T>): Promise<T> {
    const store = createSqliteStore({ path: file, registry });
    try {
      return await use(store);
    } finally {
      await store.close();
    }
  }

  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAdmin(argv, { store: async () => createSqliteStore({ path: file, registry }), out: (line) => out.push(line), err: (line) => err.push(line), now: () => new Date(NOW.getTime() + 10_000) });
    return { code, out, err };
  };

  it("lists a tenant's jobs newest first with progress and lease, and the server's own with `system`", async () => {
    expect(await run('job', 'list', 't-1')).toEqual({
      code: 0,
      err: [],
      out: [
        'ID        TYPE    STATUS   PROGRESS  ATTEMPTS  CREATED                   FINISHED  NOTE',
        `import-1  import  running  40/100    1         ${iso(1)}  -         lease held by host-a:42 until ${iso(33)}`,
        `export-1  export  queued   -         0         ${iso(0)}  -`,
      ],
    });
    expect((await run('job', 'list', 't-1', '--status', 'queued')).out.slice(1).map((line) => line.split(' ')[0])).toEqual(['export-1']);
    expect((await run('job', 'list', 'system')).out.slice(1).map((line) => line.split(' ')[0])).toEqual(['sweep-1']);
  });

  it('cancels a queued job at once and asks a running one to stop; retries a cancelled one', async () => {
    expect(await run('job', 'cancel', 't-1', 'export-1')).toMatchObject({ code: 0, out: ['Job export-1 is cancelled'] });
    expect(await run('job', 'cancel', 't-1', 'import-1')).toMatchObject({ code: 0, out: ['Job import-1 is running: it stops at its next checkpoint and is then cancelled'] });
    expect((await run('job', 'list', 't-1')).out[1]).toContain('running (cancel requested)');
    expect(await run('job', 'retry', 't-1', 'export-1')).toMatchObject({ code: 0, out: ['Job export-1 is queued again; a worker resumes it from its last checkpoint'] });
    expect(await run('job', 'retry', 't-1', 'import-1')).toMatchObject({ code: 1, err: ['Job import-1 is running: only a failed or cancelled job can be retried'] });
    await withStore(async (store) => expect(await store.jobs.get('t-1', 'export-1')).toMatchObject({ status: 'queued' }));
  });

  it('lists outbox messages with their last error and requeues a dead one', async () => {
    const listed = await run('outbox', 'list', 't-1', '--status', 'dead');
    expect(listed.out).toEqual([
      'ID   TOPIC    KEY                STATUS  ATTEMPTS  CREATED                   LAST ERROR',
      `m-1  webhook  user.created:u1:1  dead    1         ${iso(0)}  The receiver answered 410 Gone`,
    ]);
    expect(await run('outbox', 'requeue', 't-1', 'm-1')).toMatchObject({ code: 0, out: ['Message m-1 is pending again; a worker delivers it shortly'] });
    expect(await run('outbox', 'requeue', 't-1', 'm-2')).toMatchObject({ code: 1, err: ['Tenant t-1 has no dead outbox message m-2 (see `outbox list t-1 --status dead`)'] });
    await withStore(async (store) => expect((await store.outbox.list('t-1', { limit: 5, status: 'pending' })).map((message) => message.id)).toEqual(['m-1', 'm-2']));
  });

  it('refuses unknown tenants, jobs and messages, and bad options', async () => {
    expect(await run('job', 'list', 'ghost')).toMatchObject({ code: 1, err: ['No tenant with id ghost'] });
    expect(await run('job', 'cancel', 't-1', 'nope')).toMatchObject({ code: 1, err: ['Tenant t-1 has no job nope'] });
    expect(await run('outbox', 'requeue', 't-1', 'nope')).toMatchObject({ code: 1, err: ['Tenant t-1 has no dead outbox message nope (see `outbox list t-1 --status dead`)'] });
    expect(await run('job', 'list', 't-1', '--status', 'done')).toMatchObject({
      code: 1,
      err: ['--status must be one of queued, running, succeeded, failed, cancelled; got "done" (see `npm run admin -- help`)'],
    });
    expect(await run('outbox', 'list', 't-1', '--limit', '0')).toMatchObject({ code: 1, err: ['--limit must be between 1 and 1000, got 0 (see `npm run admin -- help`)'] });
  });
});
