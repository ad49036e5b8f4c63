// The asynchronous export and import over HTTP (README "Export and import", "Jobs"), on both stores, with the worker
// host that runs the jobs in a server (driven round by round) and one clock for both: POST /Users/.export/all, the job
// through GET /Jobs and GET /Jobs/{id}, the gzip NDJSON download, POST /Users/.import/all as multipart and as a raw
// body, the per-record report, DELETE /Jobs/{id}, expiry on the injected clock, truncated and altered files, scopes and
// tenant isolation.
import { gunzipSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { Scope } from '../../src/auth/scopes';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import type { KdfParameters } from '../../src/extensions/transfer/sealed-hash';
import type { WorkerHost } from '../../src/jobs/worker-host';
import { buildWorkers } from '../../src/workers';
import { IN_MEMORY_STORES } from '../helpers/in-memory-stores';
import { cheapPasswords, LIFECYCLE, manualClock, type ManualClock } from '../helpers/lifecycle';
import { createTestApp, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const CHEAP_KDF: KdfParameters = { N: 2 ** 10, r: 8, p: 1 };
const SECRET = 'a long and private export secret';
const ALL = [Scope.read, Scope.write, Scope.credentials, Scope.export];
const DAY = 24 * 60 * 60 * 1000;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SCIM JSON, read field by field in expectations
type Json = Record<string, any>;

/** supertest: the body as bytes, whatever the content type. */
function binary(res: request.Response, done: (error: Error | null, body: Buffer) => void) {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

describe.each(IN_MEMORY_STORES)('export and import jobs on the %s', (_name, openStore) => {
  let t: TestApp;
  let clock: ManualClock;
  let workers: WorkerHost;
  let source: TestTenant;
  let target: TestTenant;

  beforeEach(async () => {
    clock = manualClock();
    t = await createTestApp({}, { store: await openStore(), passwords: cheapPasswords(), exportKdf: CHEAP_KDF, clock: clock.now });
    // Two users per part: a file of three users is two parts (two gzip members), read back as one.
    workers = buildWorkers({ store: t.store, registry: loadBuiltinRegistry(), logger: silent, clock: clock.now, exportPartUsers: 2 });
    source = await t.tenant({ name: 'source', scopes: ALL });
    target = await t.tenant({ name: 'target', scopes: ALL });
  });
  afterEach(async () => {
    await workers.stop();
    await t.close();
  });

  const post = (tenant: TestTenant, path: string, body: unknown) => request(t.app).post(`${SCIM}${path}`).set(tenant.auth).send(body as object);
  const get = (tenant: TestTenant, path: string) => request(t.app).get(`${SCIM}${path}`).set(tenant.auth);
  const download = (tenant: TestTenant | string, id: string) =>
    request(t.app)
      .get(`${SCIM}/Jobs/${id}/download`)
      .set(typeof tenant === 'string' ? { Authorization: `Bearer ${tenant}` } : tenant.auth)
      .buffer(true)
      .parse(binary);
  /** Runs worker rounds until the job is finished. */
  const finish = async (tenant: TestTenant, id: string): Promise<Json> => {
    for (let round = 0; round < 20; round++) {
      const job = (await get(tenant, `/Jobs/${id}`)).body as Json;
      if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
      await workers.runOnce();
    }
    throw new Error(`job ${id} did not finish: ${JSON.stringify((await get(tenant, `/Jobs/${id}`)).body)}`);
  };
  const lines = (gzip: Buffer) =>
    gunzipSync(gzip)
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Json);

  async function seed() {
    await post(source, '/Roles', { schemas: ['urn:scim-server:params:scim:schemas:roles:2.0:Role'], name: 'auditor' });
    await post(target, '/Roles', { schemas: ['urn:scim-server:params:scim:schemas:roles:2.0:Role'], name: 'auditor' });
    const alice = (await post(source, '/Users', user('alice@example.com', { password: 'alice-password-1', roles: [{ value: 'auditor' }] }))).body;
    const bob = (await post(source, '/Users', user('bob@example.com', { password: 'bob-password-22' }))).body;
    await post(source, '/Users', user('carol@example.com'));
    await post(source, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [{ value: alice.id }, { value: bob.id }] });
    return { alice, bob };
  }

  async function exportFile(): Promise<{ job: Json; file: Buffer }> {
    const started = await post(source, '/Users/.export/all', { encryptionSecret: SECRET, expires: 2 });
    expect(started.status).toBe(202);
    const job = await finish(source, started.body.id);
    const res = await download(source, job.id);
    expect(res.status).toBe(200);
    return { job, file: res.body as Buffer };
  }

  it('exports every user into a gzip NDJSON file, imports it into another tenant, and reports each record', async () => {
    const { alice } = await seed();
    const started = await post(source, '/Users/.export/all', { encryptionSecret: SECRET, expires: 2 });
    expect(started.status).toBe(202);
    expect(started.headers.location).toMatch(new RegExp(`${SCIM}/Jobs/${started.body.id}$`));
    expect(started.body).toMatchObject({ type: 'users.export', status: 'queued', progress: { processed: 0 }, expires: new Date(clock.now().getTime() + 2 * DAY).toISOString() });
    expect(JSON.stringify(started.body)).not.toContain(SECRET);
    expect(started.body).not.toHaveProperty('download');

    const job = await finish(source, started.body.id);
    expect(job).toMatchObject({ status: 'succeeded', progress: { processed: 3, total: 3 }, result: { records: 3 }, download: `/Jobs/${job.id}/download` });
    const res = await download(source, job.id);
    expect(res.headers['content-type']).toBe('application/gzip');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="users-export-${job.id}.ndjson.gz"`);
    const [header, ...records] = lines(res.body);
    expect(header).toMatchObject({ format: 'scim-server/users', version: 1, kdf: { name: 'scrypt', N: 1024, r: 8, p: 1 } });
    expect(records.map((record) => record.user.userName).sort()).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com']);
    expect(records.every((record) => !record.passwordHash || record.passwordHash.kdf.salt === header.kdf.salt)).toBe(true);

    // A read token cannot download an export (it holds password hashes).
    const reader = await t.tokenFor(source.tenant, [Scope.read]);
    expect((await download(reader, job.id)).status).toBe(403);

    const imported = await request(t.app)
      .post(`${SCIM}/Users/.import/all`)
      .set(target.auth)
      .field('encryptionSecret', SECRET)
      .attach('file', res.body as Buffer, { filename: 'export.ndjson.gz', contentType: 'application/gzip' });
    expect(imported.status).toBe(202);
    const importJob = await finish(target, imported.body.id);
    expect(importJob).toMatchObject({ type: 'users.import', status: 'succeeded', progress: { processed: 3, total: 3 }, result: { created: 3, updated: 0, skipped: 0, failed: 0 } });
    expect(importJob).not.toHaveProperty('download');
    const moved = (await get(target, `/Users?filter=${encodeURIComponent(`${LIFECYCLE}:originalId eq "${alice.id}"`)}`)).body.Resources[0];
    expect(moved).toMatchObject({ userName: 'alice@example.com', roles: [{ value: 'auditor' }], groups: [{ display: 'Engineering' }] });
    expect((await post(target, '/Users/.verify-credentials', { userName: 'alice@example.com', password: 'alice-password-1' })).status).toBe(200);

    clock.advance(1000);
    // Again, as a raw body with the secret in a header: every record is a duplicate, listed in the report.
    const again = await request(t.app).post(`${SCIM}/Users/.import/all`).set(target.auth).set('Content-Type', 'application/gzip').set('X-Encryption-Secret', SECRET).send(res.body as Buffer);
    expect(again.status).toBe(202);
    const second = await finish(target, again.body.id);
    expect(second.result).toEqual({ created: 0, updated: 0, skipped: 0, failed: 3 });
    const report = lines((await download(target, second.id)).body);
    expect(report.map((line) => [line.status, line.error.scimType])).toEqual([
      ['failed', 'uniqueness'],
      ['failed', 'uniqueness'],
      ['failed', 'uniqueness'],
    ]);
    expect(await get(target, '/Users?count=0')).toMatchObject({ body: { totalResults: 3 } });

    // GET /Jobs: newest first, by cursor; another tenant sees none of them.
    const page = await get(target, '/Jobs?count=1');
    expect(page.body.Resources.map((listed: Json) => listed.id)).toEqual([second.id]);
    const next = await get(target, `/Jobs?count=1&cursor=${page.body.nextCursor}`);
    expect(next.body.Resources.map((listed: Json) => listed.id)).toEqual([importJob.id]);
    expect((await get(target, `/Jobs/${job.id}`)).status).toBe(404);
    expect((await download(target, job.id)).status).toBe(404);
    expect((await request(t.app).delete(`${SCIM}/Jobs/${job.id}`).set(target.auth)).status).toBe(404);
  });

  it('deletes an export file when it expires (injected clock), or when asked, and cancels a queued job', async () => {
    await seed();
    const { job } = await exportFile();
    clock.advance(2 * DAY - 1000);
    expect((await download(source, job.id)).status).toBe(200);
    clock.advance(1000);
    expect((await download(source, job.id)).status).toBe(404);
    expect((await get(source, `/Jobs/${job.id}`)).body).not.toHaveProperty('download');

    const { job: kept } = await exportFile();
    expect((await request(t.app).delete(`${SCIM}/Jobs/${kept.id}`).set(source.auth)).status).toBe(204);
    expect((await download(source, kept.id)).status).toBe(404);
    expect((await get(source, `/Jobs/${kept.id}`)).body).toMatchObject({ status: 'succeeded' });

    const queued = await post(source, '/Users/.export/all', { encryptionSecret: SECRET });
    const cancelled = await request(t.app).delete(`${SCIM}/Jobs/${queued.body.id}`).set(source.auth);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', expires: new Date(clock.now().getTime() + 7 * DAY).toISOString() });
    expect((await finish(source, queued.body.id)).status).toBe('cancelled');
    expect((await download(source, queued.body.id)).status).toBe(404);
  });

  it('fails a truncated or altered file before importing anything, and reports an altered record alone', async () => {
    await seed();
    const { file } = await exportFile();
    const upload = (body: Buffer) =>
      request(t.app).post(`${SCIM}/Users/.import/all`).set(target.auth).set('Content-Type', 'application/gzip').set('X-Encryption-Secret', SECRET).send(body);

    const truncated = await upload(file.subarray(0, file.length - 20));
    expect(truncated.status).toBe(202);
    expect(await finish(target, truncated.body.id)).toMatchObject({ status: 'failed', error: { code: 'invalid_file' } });
    const altered = Buffer.from(file);
    altered[altered.length - 30] ^= 0xff; // in the last member: the header still reads
    expect(await finish(target, (await upload(altered)).body.id)).toMatchObject({ status: 'failed', error: { code: 'invalid_file' } });
    expect((await get(target, '/Users?count=0')).body.totalResults).toBe(0);

    // An altered record in an intact file fails alone, named in the report.
    const [header, ...records] = lines(file);
    const withHash = records.findIndex((record) => record.passwordHash);
    const ciphertext = Buffer.from(records[withHash].passwordHash.ciphertext, 'base64');
    ciphertext[0] ^= 1;
    records[withHash].passwordHash.ciphertext = ciphertext.toString('base64');
    const edited = gzipSync([header, ...records].map((line) => JSON.stringify(line)).join('\n') + '\n');
    const job = await finish(target, (await upload(edited)).body.id);
    expect(job.result).toEqual({ created: 2, updated: 0, skipped: 0, failed: 1 });
    const [failure] = lines((await download(target, job.id)).body);
    expect(failure).toMatchObject({ index: withHash, status: 'failed', originalId: records[withHash].originalId, error: { scimType: 'invalidValue' } });
    expect(failure.error.detail).toContain('cannot be opened');
  });

  it('refuses bad requests before keeping anything: secrets in the URL or missing, files that are not exports, scopes', async () => {
    expect((await post(source, '/Users/.export/all', { encryptionSecret: SECRET, expires: 31 })).status).toBe(400);
    expect((await post(source, `/Users/.export/all?encryptionSecret=${encodeURIComponent(SECRET)}`, { encryptionSecret: SECRET })).status).toBe(400);
    const writer = await t.tokenFor(source.tenant, [Scope.read, Scope.write]);
    expect((await request(t.app).post(`${SCIM}/Users/.export/all`).set({ Authorization: `Bearer ${writer}` }).send({ encryptionSecret: SECRET })).status).toBe(403);

    const raw = (body: Buffer, headers: Record<string, string>) => request(t.app).post(`${SCIM}/Users/.import/all`).set(target.auth).set(headers).send(body);
    expect((await raw(gzipSync('{}\n'), { 'Content-Type': 'application/gzip' })).status).toBe(400);
    const notExport = await raw(gzipSync('{"hello":1}\n'), { 'Content-Type': 'application/gzip', 'X-Encryption-Secret': SECRET });
    expect(notExport.status).toBe(400);
    expect(notExport.body.detail).toContain('not an export of this server');
    expect((await raw(Buffer.from('x'), { 'Content-Type': 'text/plain', 'X-Encryption-Secret': SECRET })).status).toBe(415);
    const noFile = await request(t.app).post(`${SCIM}/Users/.import/all`).set(target.auth).field('encryptionSecret', SECRET);
    expect(noFile.status).toBe(400);
    const noSecret = await request(t.app).post(`${SCIM}/Users/.import/all`).set(target.auth).attach('file', gzipSync('{}\n'), 'export.ndjson.gz');
    expect(noSecret.status).toBe(400);
    expect((await get(target, '/Jobs')).body.Resources).toEqual([]);
  });
});
