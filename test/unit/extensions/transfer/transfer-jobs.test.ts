// The export and import jobs (src/extensions/transfer/export-job.ts, import-job.ts) on both stores: stopped after a
// checkpoint and resumed, they write each user once; cancelled, an export leaves no file; and two worker hosts on one
// store file (two instances) run one export once.
import crypto from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InterruptReason, JobInterrupted, type JobContext, type JobType } from '../../../../src/jobs/job-type';
import { EXPORT_JOB } from '../../../../src/extensions/transfer/export-job';
import { importJob } from '../../../../src/extensions/transfer/import-job';
import type { ResourceService } from '../../../../src/resources/resource-service';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { buildServices, type Services } from '../../../../src/services';
import type { JobRecord } from '../../../../src/store/job-store';
import type { JsonValue } from '../../../../src/store/json-value';
import { createSqliteStore } from '../../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../../src/store/tenant-store';
import { buildWorkers } from '../../../../src/workers';
import { cheapPasswords, manualClock } from '../../../helpers/lifecycle';
import { tokenContext } from '../../../helpers/request-context';
import { STORES } from '../lifecycle/stores';

const registry = loadBuiltinRegistry();
const context = tokenContext('t1');
const SECRET = 'a long and private export secret';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** A job context whose checkpoint saves, and interrupts the run at its `stopAt`-th call. */
function contextFor(job: JobRecord, clock: () => Date, saved: { checkpoint?: JsonValue }, stopAt?: { call: number; reason: InterruptReason }): JobContext {
  let calls = 0;
  return {
    job,
    signal: new AbortController().signal,
    clock,
    logger: silent,
    async checkpoint(update) {
      saved.checkpoint = update.checkpoint;
      if (++calls === stopAt?.call) throw new JobInterrupted(stopAt.reason);
    },
  };
}

async function fileOf(store: Store, parts: readonly string[], now = new Date()): Promise<Record<string, unknown>[]> {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const blob = await store.blobs.read('t1', part, now.toISOString());
    for await (const chunk of blob!.content) chunks.push(Buffer.from(chunk));
  }
  return gunzipSync(Buffer.concat(chunks))
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe.each(STORES)('transfer jobs on %s', (_name, openStore) => {
  let store: Store;
  let services: Services;
  const clock = manualClock();

  beforeEach(async () => {
    store = await openStore();
    await store.tenants.createTenant({ id: 't1', name: 't1', profile: 'standard', created: '2026-01-01T00:00:00.000Z' });
    services = buildServices({ store, registry, clock: clock.now, passwords: cheapPasswords(), logger: silent, exportKdf: { N: 1024, r: 8, p: 1 }, exportPartUsers: 2 });
    for (const name of ['ann', 'ben', 'cat', 'dan', 'eve']) await services.resources.create(context, services.resources.resourceType('User'), { schemas: [USER], userName: name, password: `${name}-password-1` });
  });
  afterEach(() => store.close());

  const exportType = () => services.transferJobs.jobTypes.find((type) => type.type === EXPORT_JOB) as JobType;

  it('resumes an export stopped after its first part, and writes every user once', async () => {
    const job = await services.transferJobs.exportAll(context, { encryptionSecret: SECRET });
    const saved: { checkpoint?: JsonValue } = {};
    await expect(exportType().run(contextFor(job, clock.now, saved, { call: 1, reason: InterruptReason.stopping }))).rejects.toThrow(JobInterrupted);
    expect(saved.checkpoint).toMatchObject({ parts: [`${job.id}-0`], processed: 2, total: 5 });

    const result = (await exportType().run(contextFor({ ...job, checkpoint: saved.checkpoint }, clock.now, saved))) as { parts: string[]; records: number };
    expect(result).toMatchObject({ parts: [`${job.id}-0`, `${job.id}-1`, `${job.id}-2`], records: 5 });
    const [header, ...records] = await fileOf(store, result.parts, clock.now());
    expect(header).toMatchObject({ format: 'scim-server/users', version: 1 });
    expect(records.map((record) => (record.user as { userName: string }).userName).sort()).toEqual(['ann', 'ben', 'cat', 'dan', 'eve']);
  });

  it('leaves no file when an export is cancelled or fails', async () => {
    const job = await services.transferJobs.exportAll(context, { encryptionSecret: SECRET });
    await expect(exportType().run(contextFor(job, clock.now, {}, { call: 2, reason: InterruptReason.cancelled }))).rejects.toThrow(JobInterrupted);
    for (const part of [0, 1, 2]) expect(await store.blobs.stat('t1', `${job.id}-${part}`, clock.now().toISOString())).toBeNull();

    const broken = { ...job, id: 'broken', input: { ...(job.input as Record<string, JsonValue>), key: 'AAAA' } };
    await expect(exportType().run(contextFor(broken, clock.now, {}))).rejects.toThrow();
    expect(await store.blobs.stat('t1', 'broken-0', clock.now().toISOString())).toBeNull();
  });

  /** The five users exported into a file, uploaded to tenant t2 for an import job; and the file's lines. */
  async function importJobOfExport() {
    const exported = await services.transferJobs.exportAll(context, { encryptionSecret: SECRET });
    const result = (await exportType().run(contextFor(exported, clock.now, {}))) as { parts: string[] };
    const chunks: Buffer[] = [];
    const pieces: Buffer[] = [];
    for (const part of result.parts) {
      const start = chunks.length;
      for await (const chunk of (await store.blobs.read('t1', part, clock.now().toISOString()))!.content) chunks.push(Buffer.from(chunk));
      pieces.push(Buffer.concat(chunks.slice(start)));
    }

    await store.tenants.createTenant({ id: 't2', name: 't2', profile: 'standard', created: '2026-01-01T00:00:00.000Z' });
    const target = tokenContext('t2');
    const upload = await services.transferJobs.storeUpload(target, (async function* () {
      yield Buffer.concat(chunks);
    })());
    const job = await services.transferJobs.importAll(target, upload, SECRET, 'fail');
    const userNameOfLine = gunzipSync(Buffer.concat(chunks))
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as { user?: { userName: string } }).user?.userName);
    return { job, target, upload, userNameOfLine, file: Buffer.concat(chunks), pieces };
  }

  it('resumes an import from its checkpoint: every user is imported once', async () => {
    const { job, target, upload } = await importJobOfExport();
    const type = importJob({ importer: { registry, resources: services.resources }, blobs: store.blobs, batch: 2, concurrency: 2 });
    const saved: { checkpoint?: JsonValue } = {};
    // The first checkpoint records the file's size; the second, after the first batch of two, says stop. The third
    // record, in flight by then, is finished and saved by one more checkpoint.
    await expect(type.run(contextFor(job, clock.now, saved, { call: 2, reason: InterruptReason.stopping }))).rejects.toThrow(JobInterrupted);
    expect(saved.checkpoint).toMatchObject({ line: 3, total: 5, counts: { created: 3, failed: 0 } });
    const done = await type.run(contextFor({ ...job, checkpoint: saved.checkpoint }, clock.now, saved));
    expect(done).toMatchObject({ created: 5, updated: 0, skipped: 0, failed: 0, reports: [] });
    const users = await services.resources.list(target, services.resources.resourceType('User'), { startIndex: 1, count: 10, selection: { mode: 'default', entries: [], schemas: [] } });
    expect(users.totalResults).toBe(5);
    // The upload is gone once the job ends.
    expect(await store.blobs.stat('t2', upload.id, clock.now().toISOString())).toBeNull();
  });

  it('derives the key from the header of an upload whose secret came first before reading the rest, and imports with it', async () => {
    const { file, pieces } = await importJobOfExport();
    await store.tenants.createTenant({ id: 't3', name: 't3', profile: 'standard', created: '2026-01-01T00:00:00.000Z' });
    const target = tokenContext('t3');
    const events: string[] = [];
    // Every key is derived by crypto.scrypt (sealed-hash.ts): watched here, as it calls back.
    const scrypt = crypto.scrypt;
    const spy = jest.spyOn(crypto, 'scrypt').mockImplementation(((...args: unknown[]) => {
      const callback = args.pop() as (error: Error | null, key: Buffer) => void;
      (scrypt as (...all: unknown[]) => void)(...args, (error: Error | null, key: Buffer) => {
        events.push('key derived');
        callback(error, key);
      });
    }) as typeof crypto.scrypt);
    try {
      // The file arrives in pieces (its gzip members): the first holds the header line.
      const content = (async function* () {
        yield pieces[0];
        events.push('rest read');
        yield* pieces.slice(1);
      })();
      const upload = await services.transferJobs.storeUpload(target, content, SECRET);
      expect(events).toEqual(['key derived', 'rest read']);
      const job = await services.transferJobs.importAll(target, upload, SECRET, 'fail');
      // Derived once, while the file arrived.
      expect(spy).toHaveBeenCalledTimes(1);
      const type = importJob({ importer: { registry, resources: services.resources }, blobs: store.blobs });
      await expect(type.run(contextFor(job, clock.now, {}))).resolves.toMatchObject({ created: 5, failed: 0 });

      // A secret that changed after the file (a later form field) is not the key's: the key is derived again for it.
      await store.tenants.createTenant({ id: 't4', name: 't4', profile: 'standard', created: '2026-01-01T00:00:00.000Z' });
      const other = tokenContext('t4');
      const early = await services.transferJobs.storeUpload(other, (async function* () {
        yield file;
      })(), 'another secret, long enough to pass');
      const again = await services.transferJobs.importAll(other, early, SECRET, 'fail');
      expect(spy).toHaveBeenCalledTimes(3);
      await expect(type.run(contextFor(again, clock.now, {}))).resolves.toMatchObject({ created: 5, failed: 0 });
    } finally {
      spy.mockRestore();
    }
  });

  it('checkpoints a record only once it and every record before it are written, with records finishing out of order', async () => {
    const { job, userNameOfLine } = await importJobOfExport();
    const written = new Set<string>();
    let releaseFirst: () => void = () => undefined;
    const firstMayGo = new Promise<void>((resolve) => (releaseFirst = resolve));
    // The first record's user is written only after the three records behind it (all four in flight at once).
    const firstIsSlow = {
      ...services.resources,
      async create(...args: Parameters<ResourceService['create']>) {
        const userName = (args[2] as { userName?: string }).userName;
        if (args[1].name === 'User' && userName === userNameOfLine[1]) await firstMayGo;
        const stored = await services.resources.create(...args);
        if (args[1].name === 'User' && userName !== undefined) written.add(userName);
        if (written.size === 3 && !written.has(userNameOfLine[1]!)) releaseFirst();
        return stored;
      },
    } as ResourceService;
    const type = importJob({ importer: { registry, resources: firstIsSlow }, blobs: store.blobs, batch: 1, concurrency: 4 });
    const early: string[] = [];
    const lines: number[] = [];
    const checking: JobContext = {
      ...contextFor(job, clock.now, {}),
      async checkpoint(update) {
        const { line } = update.checkpoint as { line: number };
        lines.push(line);
        for (let before = 1; before <= line; before++) if (!written.has(userNameOfLine[before]!)) early.push(`line ${line} checkpointed before line ${before} was written`);
      },
    };
    expect(await type.run(checking)).toMatchObject({ created: 5, failed: 0 });
    expect(early).toEqual([]);
    expect(lines).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('two instances on one store file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'transfer-jobs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('run one export once between them', async () => {
    const file = join(dir, 'scim.db');
    const [one, two] = [createSqliteStore({ path: file, registry }), createSqliteStore({ path: file, registry })];
    try {
      await one.tenants.createTenant({ id: 't1', name: 't1', profile: 'standard', created: '2026-01-01T00:00:00.000Z' });
      const services = buildServices({ store: one, registry, passwords: cheapPasswords(), logger: silent, exportKdf: { N: 1024, r: 8, p: 1 } });
      for (const name of ['ann', 'ben', 'cat']) await services.resources.create(context, services.resources.resourceType('User'), { schemas: [USER], userName: name });
      const job = await services.transferJobs.exportAll(context, { encryptionSecret: SECRET });
      const hosts = [one, two].map((store, index) => buildWorkers({ store, registry, logger: silent, workerId: `instance-${index}`, exportPartUsers: 1 }));
      await Promise.all(hosts.map((host) => host.runOnce()));
      const finished = await one.jobs.get('t1', job.id);
      expect(finished).toMatchObject({ status: 'succeeded', attempts: 1, result: { records: 3 } });
      const [, ...records] = await fileOf(one, (finished!.result as { parts: string[] }).parts);
      expect(records.map((record) => (record.user as { userName: string }).userName).sort()).toEqual(['ann', 'ben', 'cat']);
      await Promise.all(hosts.map((host) => host.stop()));
    } finally {
      await one.close();
      await two.close();
    }
  });
});
