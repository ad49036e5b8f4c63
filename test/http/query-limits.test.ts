// Queries that would hold the server: a filter over the cost budget is refused before it reaches the store
// (README "Limits"), on GET, on POST /.search of one type and on the root POST /.search.
import request from 'supertest';
import { createTestApp, ERROR_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** The filters that held a 10,000-user tenant for seconds each. */
const COSTLY = {
  valueFilters: Array.from({ length: 155 }, (_, i) => `emails[value co "${String(i).padStart(3, '0')}"]`).join(' or '),
  addresses: Array.from({ length: 256 }, () => 'addresses pr').join(' or '),
  names: Array.from({ length: 341 }, () => 'name pr').join(' or '),
};

describe('filter cost budget', () => {
  let t: TestApp;
  let a: TestTenant;

  beforeAll(async () => {
    t = await createTestApp();
    a = await t.tenant();
    for (let i = 0; i < 5; i += 1) {
      await request(t.app)
        .post(`${SCIM}/Users`)
        .set(a.auth)
        .send(user(`u${i}@example.com`, { name: { givenName: `G${i}` }, emails: [{ value: `u${i}@example.com` }] }));
    }
  });
  afterAll(() => t.close());

  function expectRefused(res: request.Response): void {
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidFilter' });
    expect(res.body.detail).toMatch(/^Filter is too costly to evaluate: cost \d+ with \d+ terms, the limit is 64 \(SCIM_FILTER_MAX_COST\)/);
    expect(res.body.detail).toMatch(/Simplify it/);
  }

  it.each(Object.entries(COSTLY))('refuses %s on GET /Users', async (_name, filter) => {
    expectRefused(await request(t.app).get(`${SCIM}/Users`).query({ filter }).set(a.auth));
  });

  it('refuses it on POST /Users/.search and on the root POST /.search', async () => {
    const body = { schemas: [SEARCH_REQUEST], filter: COSTLY.valueFilters };
    expectRefused(await request(t.app).post(`${SCIM}/Users/.search`).set(a.auth).send(body));
    expectRefused(await request(t.app).post(`${SCIM}/.search`).set(a.auth).send(body));
  });

  it('answers a filter within the budget as before', async () => {
    const res = await request(t.app).get(`${SCIM}/Users`).query({ filter: 'name.givenName eq "G1" or emails[value co "u2@"] or userName sw "u3"' }).set(a.auth);
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(3);
  });

  it('takes its budget from SCIM_FILTER_MAX_COST', async () => {
    const strict = await createTestApp({ SCIM_FILTER_MAX_COST: '4' });
    try {
      const b = await strict.tenant();
      expect((await request(strict.app).get(`${SCIM}/Users`).query({ filter: 'emails.value co "a" and userName pr' }).set(b.auth)).status).toBe(200);
      const refused = await request(strict.app).get(`${SCIM}/Users`).query({ filter: 'emails.value co "a" and addresses pr' }).set(b.auth);
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toMatch(/^Filter is too costly to evaluate: cost 5 with 2 terms, the limit is 4 /);
    } finally {
      await strict.close();
    }
  });
});
