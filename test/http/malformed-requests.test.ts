// Client input that once answered 500 or an empty body (issue 14, item 6): malformed percent-encoding in a path
// parameter, a body that does not decompress as its Content-Encoding says, JSON nested thousands deep, and requests
// that Node's HTTP layer refuses before Express sees them. Each must be a 4xx SCIM error and change nothing.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { fullPath } from '../../src/http/openapi/openapi-document';
import { routeDocs } from '../../src/http/openapi/route-docs';
import { MAX_JSON_DEPTH } from '../../src/http/middleware/json-body';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { parseRawResponse, rawExchange } from '../helpers/raw-http';
import { createTestApp, ERROR_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let t: TestApp;
let a: TestTenant;
beforeAll(async () => {
  t = await createTestApp();
  a = await t.tenant();
});
afterAll(() => t.close());

const port = () => (t.app.address() as AddressInfo).port;

function expectScimError(res: { status: number; headers: Record<string, unknown>; body: unknown }, status: number) {
  expect(res.status).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/scim\+json/);
  expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status), detail: expect.any(String) });
}

/** One request over a raw HTTP client, for bodies supertest would re-encode (a Buffer sent as +json). */
function rawRequest(method: string, path: string, headers: Record<string, string>, body?: Buffer | string) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: unknown }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: port(), method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('malformed percent-encoding in a path parameter', () => {
  // Every documented route with a parameter, in every method it answers.
  const routes = routeDocs(loadBuiltinRegistry()).filter((route) => route.path.includes('/:'));

  it('covers the resource, discovery, schema, roles, account lifecycle and invitation routes', () => {
    const paths = new Set(routes.map((route) => route.path));
    const lifecycle = ['lock', 'unlock', 'disable', 'enable', 'state', 'password', 'password/expire', 'sign-ins'].map((action) => `/Users/:id/${action}`);
    expect(paths).toEqual(new Set(['/Users/:id', '/Groups/:id', '/Roles/:id', '/ResourceTypes/:name', '/Schemas/:urn', '/Users/:id/roles', '/Users/:id/roles/:name', ...lifecycle, '/AuditEvents/:id', '/Webhooks/:id', '/Webhooks/:id/deliveries', '/Webhooks/:id/test', '/Jobs/:id', '/Jobs/:id/download', '/Invitations/:id', '/Invitations/:id/resend']));
  });

  for (const bad of ['%ff', '%ED%A0%80', '%E0%A4%A', 'abc%']) {
    it(`answers 400 for "${bad}" on every route with a parameter`, async () => {
      const answers = [];
      for (const route of routes) {
        const path = fullPath(route, SCIM).replace(/:[a-z]+/, bad);
        const res = await request(t.app)[route.method](path).set(a.auth).send(route.method === 'get' || route.method === 'delete' ? undefined : {});
        answers.push({ route: `${route.method} ${route.path}`, status: res.status, scim: res.body?.schemas?.[0] });
        if (res.status === 400) expect(res.body.detail).toMatch(/percent-encoding/);
      }
      expect(answers).toEqual(answers.map(({ route }) => ({ route, status: 400, scim: ERROR_SCHEMA })));
    });
  }

  it('still reads ids that are well-formed percent-encodings', async () => {
    const res = await request(t.app).get(`${SCIM}/Schemas/${encodeURIComponent('urn:ietf:params:scim:schemas:core:2.0:User')}`).set(a.auth);
    expect(res.status).toBe(200);
    expect((await request(t.app).get(`${SCIM}/Users/%E2%82%AC`).set(a.auth)).status).toBe(404);
  });
});

describe('Content-Encoding', () => {
  const body = JSON.stringify(user('encoded@example.com'));
  const headers = (encoding: string) => ({ ...a.auth, 'Content-Type': 'application/scim+json', 'Content-Encoding': encoding });

  for (const encoding of ['gzip', 'deflate', 'br']) {
    it(`answers 400 for a body that is not ${encoding} data, and stores nothing`, async () => {
      const res = await rawRequest('POST', `${SCIM}/Users`, headers(encoding), 'this is not compressed');
      expectScimError(res, 400);
      expect((res.body as { detail: string }).detail).toContain(`'${encoding}'`);
      const stored = await request(t.app).get(`${SCIM}/Users`).query({ filter: 'userName eq "encoded@example.com"' }).set(a.auth);
      expect(stored.body.totalResults).toBe(0);
    });
  }

  it('reads bodies that are what their Content-Encoding says', async () => {
    const compress: Record<string, (text: string) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
    for (const [encoding, compressed] of Object.entries(compress)) {
      const res = await rawRequest('POST', `${SCIM}/Users`, headers(encoding), compressed(JSON.stringify(user(`${encoding}@example.com`))));
      expect({ encoding, status: res.status, userName: (res.body as { userName?: string }).userName }).toEqual({ encoding, status: 201, userName: `${encoding}@example.com` });
    }
  });

  it('answers 415 for an encoding it does not read', async () => {
    expectScimError(await rawRequest('POST', `${SCIM}/Users`, headers('compress'), body), 415);
  });

  it('answers 400 for a body that ends before its Content-Length', async () => {
    const answer = await rawExchange(
      t.app,
      `POST ${SCIM}/Users HTTP/1.1\r\nHost: x\r\nAuthorization: ${a.auth.Authorization}\r\nContent-Type: application/scim+json\r\n` +
        `Content-Length: 50\r\nConnection: close\r\n\r\n{"a":1}`,
    );
    // The connection ended inside the body: Node's parser reports it, and the answer is still a SCIM error.
    expect(parseRawResponse(answer)).toMatchObject({ status: 400, body: { schemas: [ERROR_SCHEMA], status: '400' } });
  });
});

describe('deeply nested JSON', () => {
  const nested = (depth: number, leaf: unknown, wrap: (inner: unknown) => unknown) => {
    let value = leaf;
    for (let level = 0; level < depth; level++) value = wrap(value);
    return value;
  };

  let id: string;
  beforeAll(async () => {
    id = (await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('nested@example.com'))).body.id;
  });

  it.each([
    ['a PATCH value of arrays', () => ({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'emails', value: nested(3000, 'x', (inner) => [inner]) }] })],
    ['a PATCH value of objects', () => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name', value: nested(3000, 'x', (inner) => ({ givenName: inner })) }] })],
  ])('answers 400 invalidSyntax for %s nested 3,000 deep, and changes nothing', async (_name, makeBody) => {
    const res = await request(t.app).patch(`${SCIM}/Users/${id}`).set(a.auth).send(makeBody());
    expectScimError(res, 400);
    expect(res.body).toMatchObject({ scimType: 'invalidSyntax', detail: expect.stringContaining(`${MAX_JSON_DEPTH} levels`) });
    const stored = await request(t.app).get(`${SCIM}/Users/${id}`).set(a.auth);
    expect(stored.body.meta.version).toBe('W/"1"');
  });

  it('answers 400 on POST, PUT, searches and Bulk too', async () => {
    const deep = nested(3000, 'x', (inner) => ({ x: inner }));
    const answers = await Promise.all([
      request(t.app).post(`${SCIM}/Users`).set(a.auth).send({ ...user('deep-post'), title: deep }),
      request(t.app).put(`${SCIM}/Users/${id}`).set(a.auth).send({ ...user('nested@example.com'), title: deep }),
      request(t.app).post(`${SCIM}/Users/.search`).set(a.auth).send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: deep }),
      request(t.app).post(`${SCIM}/Bulk`).set(a.auth).send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [{ method: 'POST', bulkId: 'b', path: '/Users', data: deep }] }),
      request(t.app).post(`${SCIM}/Users/.bulk-delete`).set(a.auth).send({ ids: deep }),
    ]);
    for (const res of answers) expect({ status: res.status, scimType: res.body.scimType }).toEqual({ status: 400, scimType: 'invalidSyntax' });
  });

  it(`accepts bodies nested ${MAX_JSON_DEPTH} deep`, async () => {
    // {Operations: [{value: {...}}]}: the message itself takes three levels.
    const value = nested(MAX_JSON_DEPTH - 3, 'x', (inner) => ({ k: inner }));
    const res = await request(t.app).patch(`${SCIM}/Users/${id}`).set(a.auth).send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value }] });
    // Past the nesting check: the value is refused for its type, not its depth.
    expect(res.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
  });
});

describe("errors of Node's HTTP layer", () => {
  it('answers a 16 KB URL with 431 and a SCIM error body', async () => {
    const answer = parseRawResponse(await rawExchange(t.app, `GET ${SCIM}/Users?filter=${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '431', detail: expect.stringContaining('16 KB') });
  });

  it('answers an unknown method with 400 and a SCIM error body', async () => {
    const answer = parseRawResponse(await rawExchange(t.app, `FROBNICATE ${SCIM}/Users HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect(answer).toMatchObject({ status: 400, body: { schemas: [ERROR_SCHEMA], status: '400', detail: expect.stringContaining('method') } });
  });

  it('answers a malformed header line with 400 and a SCIM error body', async () => {
    const answer = parseRawResponse(await rawExchange(t.app, 'GET /health HTTP/1.1\r\nHost: x\r\nNo colon in this header\r\n\r\n'));
    expect(answer).toMatchObject({ status: 400, body: { schemas: [ERROR_SCHEMA], status: '400' } });
  });

  it('serves the next request normally', async () => {
    expect((await request(t.app).get('/health')).status).toBe(200);
  });
});
