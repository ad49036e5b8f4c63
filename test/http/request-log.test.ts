// The request log an operator reads: one line per request with tenant, token, route template, status, error reason,
// user agent and filter, and nothing secret; an unexpected error with its stack and cause chain.
import request from 'supertest';
import { capturingLogger, createTestApp, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

let t: TestApp;
let log: ReturnType<typeof capturingLogger>;
let tenant: TestTenant;
beforeEach(async () => {
  log = capturingLogger();
  t = await createTestApp({}, { logger: log.logger });
  tenant = await t.tenant();
});
afterEach(() => t.close());

const requestLines = () => log.lines.filter((line) => line.msg === 'request');
/** A request line is written once the response is handed to the socket, which may be just after the client has it. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const OKTA = 'Okta SCIM Client 1.0.0';

describe('request log', () => {
  it('logs a 4xx with tenant, token id, route template, scimType, detail, user agent and the filter, password values hidden', async () => {
    const res = await request(t.app).get(`${SCIM}/Users`).query({ filter: 'userName eq "bjensen" or password eq "hunter2"' }).set(tenant.auth).set('User-Agent', OKTA);
    // A password compared in a GET URL is 403 sensitive (RFC 7644 §7.5.2).
    expect(res.status).toBe(403);
    await settle();
    const [line] = requestLines();
    expect(line).toMatchObject({
      level: 30,
      requestId: res.headers['x-request-id'],
      tenantId: tenant.tenant.id,
      tokenId: expect.any(String),
      method: 'GET',
      route: '/scim/v2/Users',
      status: 403,
      scimType: 'sensitive',
      detail: res.body.detail,
      userAgent: OKTA,
      filter: 'userName eq "bjensen" or password eq [redacted]',
      ms: expect.any(Number),
    });
    expect(tenant.token).toContain(`_${line.tokenId}_`);
    expect(line).not.toHaveProperty('path');
    expect(log.text()).not.toContain('hunter2');
    expect(log.text()).not.toContain(tenant.token.slice(-43));
  });

  it('logs the route template, not the id, for a read; and a 404 with its detail', async () => {
    const created = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('bjensen', { password: 'Secret-Passw0rd!' }));
    await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(tenant.auth);
    await request(t.app).get(`${SCIM}/Users/does-not-exist`).set(tenant.auth);
    await settle();
    const [create, read, missing] = requestLines();
    expect(create).toMatchObject({ method: 'POST', route: '/scim/v2/Users', status: 201 });
    expect(read).toMatchObject({ method: 'GET', route: '/scim/v2/Users/:id', status: 200 });
    expect(read).not.toHaveProperty('detail');
    expect(missing).toMatchObject({ route: '/scim/v2/Users/:id', status: 404, detail: expect.stringContaining('does-not-exist') });
    expect(log.text()).not.toContain(created.body.id);
    expect(log.text()).not.toContain('Secret-Passw0rd!');
  });

  it('logs the filter of a POST search, and the template of routes on other routers', async () => {
    await request(t.app)
      .post(`${SCIM}/Groups/.search`)
      .set(tenant.auth)
      .set('Content-Type', 'application/scim+json')
      .send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'displayName sw "Adm"' });
    await request(t.app).get(`${SCIM}/Schemas/urn:ietf:params:scim:schemas:core:2.0:User`).set(tenant.auth);
    await request(t.app).delete(`${SCIM}/ServiceProviderConfig`).set(tenant.auth);
    await settle();
    const [search, schema, wrongMethod] = requestLines();
    expect(search).toMatchObject({ route: '/scim/v2/Groups/.search', status: 200, filter: 'displayName sw "Adm"' });
    expect(schema).toMatchObject({ route: '/scim/v2/Schemas/:urn', status: 200 });
    expect(wrongMethod).toMatchObject({ route: '/scim/v2/ServiceProviderConfig', status: 405 });
  });

  it('logs an unauthenticated request without tenant or token, and the path when no route matched', async () => {
    await request(t.app).get(`${SCIM}/Users`).set('Authorization', 'Bearer scim_nope_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    await request(t.app).get(`${SCIM}/Nothing/here?filter=secret`).set(tenant.auth);
    await settle();
    const [unauthenticated, unmatched] = requestLines();
    // Authentication runs before routing: no route has matched yet, so the path is logged (never the query).
    expect(unauthenticated).toMatchObject({ path: '/scim/v2/Users', status: 401, detail: expect.stringContaining('not valid') });
    expect(unauthenticated.tenantId).toBeUndefined();
    expect(unmatched).toMatchObject({ status: 404, path: '/scim/v2/Nothing/here' });
    expect(unmatched.route).toBeUndefined();
    expect(log.text()).not.toContain('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  });

  it('logs an unexpected error at error level with its stack and cause chain, scrubbed of credentials', async () => {
    t.store.resources.get = async () => {
      throw new Error('read failed', { cause: new Error('connection to mongodb://scim:p4ssw0rd@db.example.com:27017 lost') });
    };
    const res = await request(t.app).get(`${SCIM}/Users/any`).set(tenant.auth);
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('read failed');
    await settle();
    const failure = log.lines.find((line) => line.msg === 'unexpected error') as { level: number; err: Record<string, unknown> };
    expect(failure.level).toBe(50);
    expect(failure.err).toMatchObject({ type: 'Error', message: 'read failed', stack: expect.stringContaining('request-log.test.ts') });
    expect(failure.err.cause).toMatchObject({ type: 'Error', message: 'connection to mongodb://[redacted]@db.example.com:27017 lost', stack: expect.any(String) });
    expect(log.text()).not.toContain('p4ssw0rd');
    expect(requestLines()[0]).toMatchObject({ level: 40, status: 500, route: '/scim/v2/Users/:id', detail: 'Internal server error' });
  });

  it('logs successful health probes at debug level only', async () => {
    await request(t.app).get('/health');
    await request(t.app).get('/ready');
    await settle();
    expect(requestLines()).toEqual([]);
  });

  it('writes readable lines in the pretty format', async () => {
    const pretty = capturingLogger('info', 'pretty');
    const app = await createTestApp({}, { logger: pretty.logger });
    try {
      const other = await app.tenant();
      await request(app.app).get(`${SCIM}/Users/nope`).set(other.auth).set('User-Agent', OKTA);
      await settle();
      const text = pretty.text();
      expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/scim\/v2\/Users\/:id 404 [\d.]+ ms "User nope not found/);
      expect(text).toContain(`"userAgent":"${OKTA}"`);
      expect(text.trim().split('\n')).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});
