// Timeouts of the HTTP server and the headers every response carries (issue 14, item 8). With Node's defaults a
// client that sends its body slowly held a socket for 325 s and one that never finished its headers for 82 s.
// Here the timeouts are set short through the configuration, and the test checks that the server closes such a
// connection with a 408 SCIM error by itself; the assertions are on what is answered, not on how long it took.
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config/load-config';
import { rawExchange } from '../helpers/raw-http';
import { createTestApp, ERROR_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

let t: TestApp;
let a: TestTenant;
beforeAll(async () => {
  t = await createTestApp({ SCIM_HEADERS_TIMEOUT_MS: '1000', SCIM_REQUEST_TIMEOUT_MS: '1500', SCIM_KEEP_ALIVE_TIMEOUT_MS: '7000' });
  a = await t.tenant();
});
afterAll(() => t.close());

/** Writes `bytes` and never finishes the request; resolves once the server closes the connection. */
const untilServerCloses = (bytes: string) => rawExchange(t.app, bytes, { keepOpen: true });

function expectTimeoutAnswer(answer: string) {
  const [head, body] = answer.split('\r\n\r\n');
  expect(head).toMatch(/^HTTP\/1\.1 408 /);
  expect(head).toMatch(/\r\nConnection: close/i);
  expect(JSON.parse(body)).toMatchObject({ schemas: [ERROR_SCHEMA], status: '408', detail: expect.any(String) });
}

describe('timeouts', () => {
  it('closes a connection whose headers never finish, with a 408 SCIM error', async () => {
    expectTimeoutAnswer(await untilServerCloses(`GET ${SCIM}/Users HTTP/1.1\r\nHost: x\r\n`));
  });

  it('closes a connection whose body never finishes, with a 408 SCIM error, and stores nothing', async () => {
    const body = JSON.stringify(user('slow@example.com'));
    const answer = await untilServerCloses(
      `POST ${SCIM}/Users HTTP/1.1\r\nHost: x\r\nAuthorization: ${a.auth.Authorization}\r\nContent-Type: application/scim+json\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 20)}`,
    );
    expectTimeoutAnswer(answer);
    const stored = await request(t.app).get(`${SCIM}/Users`).query({ filter: 'userName eq "slow@example.com"' }).set(a.auth);
    expect(stored.body.totalResults).toBe(0);
  });

  it('keeps idle keep-alive connections for the configured time, and says so', async () => {
    const res = await request(t.app).get('/health').set('Connection', 'keep-alive');
    expect(res.headers['keep-alive']).toBe('timeout=7');
    expect(t.app.keepAliveTimeout).toBe(7000);
    expect(t.app.headersTimeout).toBe(1000);
    expect(t.app.requestTimeout).toBe(1500);
  });

  it('refuses a headers timeout longer than the request timeout, naming both variables', () => {
    expect(() => loadConfig({ SCIM_HEADERS_TIMEOUT_MS: '20000', SCIM_REQUEST_TIMEOUT_MS: '10000' })).toThrow(ConfigError);
    expect(() => loadConfig({ SCIM_HEADERS_TIMEOUT_MS: '20000', SCIM_REQUEST_TIMEOUT_MS: '10000' })).toThrow(/SCIM_HEADERS_TIMEOUT_MS.*SCIM_REQUEST_TIMEOUT_MS/);
    expect(loadConfig({})).toMatchObject({ requestTimeoutMs: 60000, headersTimeoutMs: 10000, keepAliveTimeoutMs: 65000 });
  });
});

describe('headers on every response', () => {
  const expectSecurityHeaders = (res: { headers: Record<string, string> }) => {
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
  };

  it('sends nosniff and no-store on resources, lists, errors, Bulk and the root routes', async () => {
    const created = await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('headers@example.com'));
    expect(created.status).toBe(201);
    const answers = [
      created,
      await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(a.auth),
      await request(t.app).get(`${SCIM}/Users`).set(a.auth),
      await request(t.app).get(`${SCIM}/Users/no-such-id`).set(a.auth),
      await request(t.app).get(`${SCIM}/Users`),
      await request(t.app).post(`${SCIM}/Bulk`).set(a.auth).send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] }),
      await request(t.app).delete(`${SCIM}/Users/${created.body.id}`).set(a.auth),
      await request(t.app).get('/health'),
      await request(t.app).get('/openapi.json').set(a.auth),
    ];
    for (const res of answers) expectSecurityHeaders(res);
  });
});
