// A slow list or search holds up its own request only (README "Limits", SCIM_READ_WORKERS): on a store file, the
// embedded store runs list queries on read threads of its own, so that /health, point reads and other tenants answer
// while one runs; and a query past SCIM_QUERY_TIMEOUT_MS is stopped with a 503 that says what to do. The filter here
// is made deliberately heavy (a raised cost budget, many `co` terms over a few thousand users) so that it runs long
// enough to watch; the assertions are on what completes while it is running, never on how long anything takes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, ERROR_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const USERS = 3000;
/**
 * 150 substring terms over every user's e-mail types: each one a scan of the tenant's users (emails.type has no index;
 * emails.value co would be answered by the trigram index, README "Querying").
 */
const HEAVY = Array.from({ length: 150 }, (_, i) => `emails[type co "zz${String(i).padStart(3, '0')}"]`).join(' or ');
// Rates off too: the test sends requests as fast as they are answered for as long as the filter runs.
const ROOMY_LIMITS = { SCIM_FILTER_MAX_COST: '100000', SCIM_FILTER_MAX_LENGTH: '65536', SCIM_RATE_LIMIT_TOKEN: '0', SCIM_RATE_LIMIT_TENANT: '0' };

async function seed(t: TestApp, tenant: TestTenant): Promise<void> {
  const created = '2026-01-01T00:00:00.000Z';
  const users = Array.from({ length: USERS }, (_, i) => ({
    resourceType: 'User',
    id: `user-${String(i).padStart(5, '0')}`,
    created,
    attributes: { userName: `user${i}@example.com`, emails: [{ value: `user${i}@example.com`, type: 'work' }] },
    internal: {},
  }));
  // Straight into the store: the test is about reading them.
  for (let start = 0; start < users.length; start += 500) await t.store.resources.createMany(tenant.tenant.id, users.slice(start, start + 500));
}

describe('slow queries on the embedded store file', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'scim-slow-queries-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('answers /health, a point read and another tenant while a heavy filter runs, then answers the filter', async () => {
    const t = await createTestApp(ROOMY_LIMITS, { path: join(directory, 'health.db') });
    try {
      const a = await t.tenant();
      const b = await t.tenant();
      await seed(t, a);
      const other = await request(t.app).post(`${SCIM}/Users`).set(b.auth).send(user('b@example.com'));
      expect(other.status).toBe(201);
      let listDone = false;
      const list = request(t.app)
        .get(`${SCIM}/Users`)
        .query({ filter: HEAVY, count: 5 })
        .set(a.auth)
        .then((response) => {
          listDone = true;
          return response;
        });
      // While the list is running: /health, a read by id in its tenant, a list of another tenant.
      const answeredMeanwhile: string[] = [];
      while (!listDone) {
        const [health, byId, otherList] = await Promise.all([
          request(t.app).get('/health'),
          request(t.app).get(`${SCIM}/Users/user-00007`).set(a.auth),
          request(t.app).get(`${SCIM}/Users`).set(b.auth),
        ]);
        expect([health.status, byId.status, otherList.status]).toEqual([200, 200, 200]);
        expect(otherList.body.Resources).toEqual([expect.objectContaining({ id: other.body.id })]);
        if (!listDone) answeredMeanwhile.push('round');
      }
      // Before the read threads, the heavy filter held the event loop: nothing could answer until it had.
      expect(answeredMeanwhile.length).toBeGreaterThanOrEqual(2);
      const answered = await list;
      expect(answered.status).toBe(200);
      expect(answered.body).toMatchObject({ totalResults: 0, Resources: [] });
    } finally {
      await t.close();
    }
  });

  it('stops a query past SCIM_QUERY_TIMEOUT_MS with 503 and a detail saying what to do, and goes on answering', async () => {
    const t = await createTestApp({ ...ROOMY_LIMITS, SCIM_QUERY_TIMEOUT_MS: '100' }, { path: join(directory, 'timeout.db') });
    try {
      const a = await t.tenant();
      await seed(t, a);
      const res = await request(t.app).get(`${SCIM}/Users`).query({ filter: HEAVY }).set(a.auth);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '503' });
      expect(res.body.detail).toMatch(/the query ran past the server's time limit and was stopped; retry later, or ask for less: a filter with fewer terms/);
      // The same tenant's cheap queries still answer, on the thread that replaced the stopped one.
      const cheap = await request(t.app).get(`${SCIM}/Users`).query({ filter: 'userName eq "user7@example.com"' }).set(a.auth);
      expect(cheap.status).toBe(200);
      expect(cheap.body.Resources.map((found: { id: string }) => found.id)).toEqual(['user-00007']);
      const search = await request(t.app)
        .post(`${SCIM}/Users/.search`)
        .set(a.auth)
        .send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: HEAVY });
      expect(search.status).toBe(503);
    } finally {
      await t.close();
    }
  });
});
