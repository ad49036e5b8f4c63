// Idempotency-Key over HTTP (README "Idempotency-Key"), on the embedded store and on the MongoDB store's code (over
// the mingo stand-in): a retry returns the first answer without a second write; the same key with another request is
// 422; keys are per token; they expire after 24 hours (an injected clock moves there); the stored record holds
// neither the key nor anything readable of the request or the answer.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Scope } from '../../src/auth/scopes';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { mongoStoreOn } from '../../src/store/mongo/mongo-store';
import { createTestApp, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, USER_SCHEMA, user, type TestApp, type TestTenant } from '../helpers/test-app';
import { createMingoDb } from '../unit/store/mongo/mingo-db';

const HOUR = 3600 * 1000;

function movableClock(start = '2025-06-01T10:00:00.000Z') {
  let now = Date.parse(start);
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

const stores: [string, (clock: () => Date) => Promise<{ t: TestApp; cleanup?: () => void }>][] = [
  [
    'embedded store',
    async (clock) => {
      const directory = mkdtempSync(join(tmpdir(), 'scim-idempotency-'));
      const t = await createTestApp({}, { path: join(directory, 'scim.db'), clock });
      return { t, cleanup: () => rmSync(directory, { recursive: true, force: true }) };
    },
  ],
  [
    'MongoDB store (on mingo)',
    async (clock) => {
      const store = mongoStoreOn({ db: createMingoDb().db, registry: loadBuiltinRegistry(), close: async () => undefined });
      await store.prepare();
      return { t: await createTestApp({}, { store, clock }) };
    },
  ],
];

describe.each(stores)('Idempotency-Key on the %s', (_name, open) => {
  let t: TestApp;
  let tenant: TestTenant;
  let time: ReturnType<typeof movableClock>;
  let cleanup: (() => void) | undefined;
  beforeEach(async () => {
    time = movableClock();
    ({ t, cleanup } = await open(time.clock));
    tenant = await t.tenant();
  });
  afterEach(async () => {
    await t.close();
    cleanup?.();
  });

  const createUser = (key: string | undefined, body: unknown, auth = tenant.auth) => {
    const call = request(t.app).post(`${SCIM}/Users`).set(auth).set('Content-Type', 'application/scim+json');
    return (key === undefined ? call : call.set('Idempotency-Key', key)).send(JSON.stringify(body));
  };
  const userCount = async () => (await request(t.app).get(`${SCIM}/Users?count=0`).set(tenant.auth)).body.totalResults as number;

  it('answers a retry with the first answer (status, Location, ETag, body) and writes once', async () => {
    const body = user('bjensen@example.com', { name: { givenName: 'Barbara' } });
    const first = await createUser('7d0b3c9e-2f41-4a53-9a43-1b5d9f2a0c11', body);
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    time.advance(HOUR);
    const retry = await createUser('7d0b3c9e-2f41-4a53-9a43-1b5d9f2a0c11', body);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers.etag).toBe(first.headers.etag);
    expect(retry.headers['content-type']).toBe(first.headers['content-type']);
    expect(retry.text).toBe(first.text);
    expect(await userCount()).toBe(1);
    // The same body written differently (key order, spacing) is the same request; the key's quoted form is the same key.
    const reordered = await request(t.app)
      .post(`${SCIM}/Users`)
      .set(tenant.auth)
      .set('Content-Type', 'application/scim+json')
      .set('Idempotency-Key', '"7d0b3c9e-2f41-4a53-9a43-1b5d9f2a0c11"')
      .send(`{ "name": {"givenName": "Barbara"}, "userName": "bjensen@example.com", "schemas": ["${USER_SCHEMA}"] }`);
    expect(reordered.status).toBe(201);
    expect(reordered.headers['idempotent-replayed']).toBe('true');
  });

  it('answers the same key with another body 422, and writes nothing', async () => {
    expect((await createUser('key-1', user('a@example.com'))).status).toBe(201);
    const other = await createUser('key-1', user('b@example.com'));
    expect(other.status).toBe(422);
    expect(other.body).toEqual({ schemas: [ERROR_SCHEMA], status: '422', detail: expect.stringContaining('another request') });
    // Another endpoint or query with the same key is another request too.
    expect((await request(t.app).post(`${SCIM}/Users?attributes=userName`).set(tenant.auth).set('Idempotency-Key', 'key-1').send(user('a@example.com'))).status).toBe(422);
    expect(await userCount()).toBe(1);
  });

  it('replays an error answer too, and runs again after a 24-hour expiry', async () => {
    expect((await createUser(undefined, user('taken@example.com'))).status).toBe(201);
    const conflict = await createUser('key-2', user('taken@example.com'));
    expect(conflict.status).toBe(409);
    expect((await createUser('key-2', user('taken@example.com'))).headers['idempotent-replayed']).toBe('true');
    time.advance(24 * HOUR - 1);
    expect((await createUser('key-2', user('other@example.com'))).status).toBe(422);
    time.advance(1);
    // Expired: the key is free, for any request.
    const fresh = await createUser('key-2', user('other@example.com'));
    expect(fresh.status).toBe(201);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(await userCount()).toBe(2);
  });

  it('keeps keys per token: another token with the same key runs its own request', async () => {
    const second = { Authorization: `Bearer ${await t.tokenFor(tenant.tenant, [Scope.read, Scope.write])}` };
    expect((await createUser('shared-key', user('one@example.com'))).status).toBe(201);
    const other = await createUser('shared-key', user('one@example.com'), second);
    expect(other.status).toBe(409);
    expect(other.body.scimType).toBe('uniqueness');
    const otherTenant = await t.tenant();
    expect((await createUser('shared-key', user('one@example.com'), otherTenant.auth)).status).toBe(201);
  });

  it('works on POST /Groups, POST /Roles and POST /Bulk', async () => {
    const group = { schemas: [GROUP_SCHEMA], displayName: 'Guides' };
    const first = await request(t.app).post(`${SCIM}/Groups`).set(tenant.auth).set('Idempotency-Key', 'g-1').send(group);
    const again = await request(t.app).post(`${SCIM}/Groups`).set(tenant.auth).set('Idempotency-Key', 'g-1').send(group);
    expect([first.status, again.status, again.headers['idempotent-replayed']]).toEqual([201, 201, 'true']);
    expect(again.body.id).toBe(first.body.id);
    // An extension's resource type is created through the same route: POST /Roles is retry-safe as well.
    const role = { schemas: ['urn:scim-server:params:scim:schemas:roles:2.0:Role'], name: 'auditor' };
    const roleFirst = await request(t.app).post(`${SCIM}/Roles`).set(tenant.auth).set('Idempotency-Key', 'r-1').send(role);
    const roleAgain = await request(t.app).post(`${SCIM}/Roles`).set(tenant.auth).set('Idempotency-Key', 'r-1').send(role);
    expect([roleFirst.status, roleAgain.status, roleAgain.headers['idempotent-replayed'], roleAgain.body.id]).toEqual([201, 201, 'true', roleFirst.body.id]);

    const bulk = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [{ method: 'POST', path: '/Users', bulkId: 'u', data: user('bulk@example.com') }],
    };
    const ran = await request(t.app).post(`${SCIM}/Bulk`).set(tenant.auth).set('Idempotency-Key', 'b-1').send(bulk);
    const replayed = await request(t.app).post(`${SCIM}/Bulk`).set(tenant.auth).set('Idempotency-Key', 'b-1').send(bulk);
    expect(ran.status).toBe(200);
    expect(ran.body.Operations[0].status).toBe('201');
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(ran.body);
    expect(await userCount()).toBe(1);
  });

  it('refuses a malformed key with 400 and ignores the header where a route did not opt in', async () => {
    const bad = await createUser('x'.repeat(256), user('long@example.com'));
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/^Idempotency-Key must be 1 to 255 visible ASCII characters/);
    expect((await createUser('tab\there', user('tab@example.com'))).status).toBe(400);
    const read = await request(t.app).get(`${SCIM}/Users`).set(tenant.auth).set('Idempotency-Key', 'k');
    expect(read.status).toBe(200);
    expect(read.headers['idempotent-replayed']).toBeUndefined();
  });
});

describe('what an Idempotency-Key record keeps', () => {
  it('holds neither the key, nor the body, nor a readable answer', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'scim-idempotency-'));
    const path = join(directory, 'scim.db');
    const t = await createTestApp({}, { path });
    try {
      const tenant = await t.tenant();
      const key = 'c6f1e1a4-55c4-4c8e-8f0e-3cb0f8a3b6a1';
      const created = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).set('Idempotency-Key', key).send(user('secretive@example.com', { title: 'Night Nurse' }));
      expect(created.status).toBe(201);
      const db = new Database(path, { readonly: true });
      try {
        const rows = db.prepare('SELECT * FROM idempotency_keys').all() as Record<string, unknown>[];
        expect(rows).toHaveLength(1);
        const text = JSON.stringify(rows);
        for (const secret of [key, 'secretive', 'Night Nurse', created.body.id as string]) expect(text).not.toContain(secret);
        expect(rows[0]).toMatchObject({ tenant_id: tenant.tenant.id, state: 'completed', response: expect.stringMatching(/^v1\./) });
      } finally {
        db.close();
      }
    } finally {
      await t.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('retrySafe (the one-line opt-in of later POST routes)', () => {
  it('makes a route retry-safe in an app that installed the handling, and does nothing in one that did not', async () => {
    const express = (await import('express')).default;
    const { installIdempotency, retrySafe } = await import('../../src/http/middleware/idempotency');
    const { createIdempotency } = await import('../../src/idempotency/idempotency-service');
    const { errorHandler } = await import('../../src/http/middleware/error-handler');
    const t = await createTestApp();
    try {
      let runs = 0;
      const widgets = (install: boolean) => {
        const app = express();
        if (install) installIdempotency(app, { idempotency: createIdempotency({ store: t.store.idempotency }) });
        app.use((req, _res, next) => {
          // What the bearer authenticator sets on a verified request.
          req.auth = { tenant: { id: 'tenant-w' }, actor: { tokenId: 'token-w', label: 'widgets', scopes: [] } } as unknown as typeof req.auth;
          next();
        });
        app.use(express.json());
        // The whole opt-in: `retrySafe` in the route's handler list.
        app.post('/Widgets', retrySafe, (_req, res) => {
          runs += 1;
          res.status(201).location(`/Widgets/${runs}`).json({ id: String(runs) });
        });
        app.use(errorHandler());
        return app;
      };
      const post = (app: ReturnType<typeof widgets>, body: object) => request(app).post('/Widgets').set('Idempotency-Key', 'w-1').send(body);

      const installed = widgets(true);
      const first = await post(installed, { name: 'a' });
      const retry = await post(installed, { name: 'a' });
      expect([first.status, retry.status, retry.headers.location, retry.headers['idempotent-replayed'], retry.body]).toEqual([201, 201, '/Widgets/1', 'true', { id: '1' }]);
      expect((await post(installed, { name: 'b' })).status).toBe(422);
      expect(runs).toBe(1);

      const bare = widgets(false);
      expect((await post(bare, { name: 'a' })).status).toBe(201);
      expect((await post(bare, { name: 'a' })).headers['idempotent-replayed']).toBeUndefined();
      expect(runs).toBe(3);
    } finally {
      await t.close();
    }
  });
});
