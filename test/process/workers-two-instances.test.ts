// Two real server processes (src/main.ts, as `npm start` runs it) on ONE embedded store file, with background workers
// on: each job runs once, a job whose process is killed with SIGKILL is taken over from its last checkpoint by the
// other process, each outbox message is delivered once, and SIGTERM releases a running job's lease before the store
// closes. The processes run a job type and an outbox topic of the test's own (test/fixtures/worker-test-hooks.js,
// loaded through SCIM_TEST_HOOKS) that append lines to files: the files show who did what, and how often. The test
// talks to them over HTTP (/health, /ready) and over their IPC channel (permission for the next step, a clock
// shifted forward to expire a lease without waiting for it, a wake-up).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import type { JobRecord } from '../../src/store/job-store';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { Store } from '../../src/store/tenant-store';
import { eventually, startServer as startProcess, stopAll, type ServerProcess } from '../helpers/server-process';

const HOOKS = join(__dirname, '..', 'fixtures', 'worker-test-hooks.js');
const TENANT = 'tenant-1';

/** A server with background workers and the test's job type and outbox topic (SCIM_TEST_HOOKS). */
const startServer = (storeFile: string, name: string) => startProcess(storeFile, name, { SCIM_TEST_HOOKS: HOOKS });

describe('two server processes on one store', () => {
  let directory: string;
  let storeFile: string;
  let store: Store;
  let servers: ServerProcess[];

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'scim-two-instances-'));
    storeFile = join(directory, 'scim.db');
    // The test's own connection to the same file: it enqueues work and reads the outcome as a third party would.
    store = createSqliteStore({ path: storeFile, registry: loadBuiltinRegistry() });
    // A tenant exists, so neither server bootstraps one.
    await store.tenants.createTenant({ id: TENANT, name: 'acme', profile: 'standard', created: new Date().toISOString() });
    servers = await Promise.all([startServer(storeFile, 'server A'), startServer(storeFile, 'server B')]);
  }, 60_000);

  afterAll(async () => {
    await stopAll(servers ?? []);
    await store?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const both = (message: Record<string, unknown>) => Promise.all(servers.filter((server) => server.child.exitCode === null && server.child.signalCode === null).map((server) => server.send(message)));
  const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);
  const job = async (id: string): Promise<JobRecord> => (await store.jobs.get(TENANT, id))!;
  let ids = 0;
  const enqueue = async (input: { file: string; lines: number; gate: string }) => {
    const id = `job-${++ids}`;
    await store.jobs.enqueue({ id, tenantId: TENANT, type: 'test.write-lines', input, created: new Date().toISOString() });
    return id;
  };

  it('both serve /health and /ready over HTTP', async () => {
    for (const server of servers) {
      expect((await fetch(`http://127.0.0.1:${server.port}/health`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${server.port}/ready`)).status).toBe(200);
    }
  });

  it('runs each of many jobs once, and delivers each outbox message once', async () => {
    const output = join(directory, 'many-jobs.txt');
    const delivered = join(directory, 'delivered.txt');
    await both({ allow: { gate: 'open', steps: 1000 } });
    const jobIds: string[] = [];
    for (let i = 0; i < 10; i++) jobIds.push(await enqueue({ file: output, lines: 1, gate: 'open' }));
    await store.outbox.append(
      Array.from({ length: 10 }, (_, i) => ({ id: `message-${i}`, tenantId: TENANT, topic: 'test.deliver', key: `event-${i}`, payload: { file: delivered }, created: new Date().toISOString() })),
    );
    await both({ wake: true });

    await eventually('all ten jobs to succeed', async () => (await Promise.all(jobIds.map(job))).every((record) => record.status === 'succeeded'));
    await eventually('all ten messages to be delivered', async () => (await store.outbox.list(TENANT, { limit: 20, status: 'delivered' })).length === 10);

    const jobLines = lines(output).map((line) => line.split(' ')[0]);
    expect(jobLines.sort()).toEqual([...jobIds].sort());
    for (const id of jobIds) expect(await job(id)).toMatchObject({ attempts: 1 });
    const deliveries = lines(delivered).map((line) => line.split(' ')[0]);
    expect(deliveries.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `event-${i}`).sort());
  });

  it('takes a job over from its last checkpoint after its process is killed with SIGKILL', async () => {
    const output = join(directory, 'takeover.txt');
    await both({ allow: { gate: 'takeover', steps: 2 } });
    const id = await enqueue({ file: output, lines: 4, gate: 'takeover' });
    await both({ wake: true });

    // Steps 0 and 1 are done and checkpointed by whichever process claimed the job; step 2 waits for permission.
    await eventually('steps 0 and 1 to be checkpointed', async () => ((await job(id)).checkpoint as { next?: number } | undefined)?.next === 2);
    const [first, second] = lines(output).map((line) => line.split(' '));
    expect([first[1], second[1]]).toEqual(['0', '1']);
    expect(first[2]).toBe(second[2]);
    const owner = servers.find((server) => String(server.pid) === first[2])!;
    const survivor = servers.find((server) => server !== owner)!;
    expect(await job(id)).toMatchObject({ status: 'running', attempts: 1, lease: { owner: expect.stringContaining(`:${owner.pid}`) } });

    owner.child.kill('SIGKILL');
    expect(await owner.exit).toEqual({ code: null, signal: 'SIGKILL' });

    // The lease (30 s) has not expired: a round of the survivor leaves the job alone...
    await survivor.send({ allow: { gate: 'takeover', steps: 4 } });
    await survivor.send({ runOnce: true });
    expect(await job(id)).toMatchObject({ status: 'running', attempts: 1 });
    // ...until its clock passes the expiry; then it takes the job over and resumes at step 2.
    await survivor.send({ shiftClock: 31_000 });
    await survivor.send({ runOnce: true });
    await eventually('the survivor to finish the job', async () => (await job(id)).status === 'succeeded');

    expect(lines(output).map((line) => line.split(' ').slice(1))).toEqual([
      ['0', String(owner.pid)],
      ['1', String(owner.pid)],
      ['2', String(survivor.pid)],
      ['3', String(survivor.pid)],
    ]);
    expect(await job(id)).toMatchObject({ status: 'succeeded', attempts: 2, result: { lines: 4 }, progress: { processed: 4, total: 4 } });
    expect(survivor.logs.some((log) => log.msg === 'job claimed' && log.jobId === id && log.takeover === true)).toBe(true);
  });

  it('on SIGTERM, releases a running job with its checkpoint before the store closes, and exits cleanly', async () => {
    const [survivor] = servers.filter((server) => server.child.exitCode === null && server.child.signalCode === null);
    const output = join(directory, 'sigterm.txt');
    await survivor.send({ allow: { gate: 'sigterm', steps: 1 } });
    const id = await enqueue({ file: output, lines: 3, gate: 'sigterm' });
    await survivor.send({ wake: true });
    await eventually('step 0 to be checkpointed', async () => ((await job(id)).checkpoint as { next?: number } | undefined)?.next === 1);

    survivor.child.kill('SIGTERM');
    expect(await survivor.exit).toEqual({ code: 0, signal: null });
    const released = await job(id);
    expect(released).toMatchObject({ status: 'queued', attempts: 1, checkpoint: { next: 1 } });
    expect(released).not.toHaveProperty('lease');
    const messagesInOrder = survivor.logs.map((log) => log.msg);
    expect(messagesInOrder).toContain('job released at shutdown; it resumes from its last checkpoint');
    expect(messagesInOrder.indexOf('job released at shutdown; it resumes from its last checkpoint')).toBeLessThan(messagesInOrder.indexOf('stopped'));
  });
});
