// Property-based fuzzing of the HTTP app (issue 14): generated filters, attribute paths, PATCH bodies, Bulk bodies,
// ids and headers, sent to the real app on a real embedded store. Every answer must come within 2 s, never be a 5xx,
// and every error must be a SCIM error body (RFC 7644 §3.12) with the status it is sent with.
//
// CI runs a fixed seed, so a failure is reproducible; explore further locally with another seed and more runs:
//   SCIM_FUZZ_SEED=12345 SCIM_FUZZ_RUNS=2000 npx jest test/http/fuzz.test.ts
// A failure prints the seed, the path to the shrunk counterexample, and the request that failed.
import fc from 'fast-check';
import request from 'supertest';
import type { Response } from 'supertest';
import { createTestApp, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, user, USER_SCHEMA, type TestApp, type TestTenant } from '../helpers/test-app';

const SEED = Number(process.env.SCIM_FUZZ_SEED ?? 20261207);
const RUNS = Number(process.env.SCIM_FUZZ_RUNS ?? 100);
const HANG_MS = 2000;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let t: TestApp;
let a: TestTenant;
let userId: string;
let groupId: string;

beforeAll(async () => {
  t = await createTestApp();
  a = await t.tenant();
  const created = await request(t.app)
    .post(`${SCIM}/Users`)
    .set(a.auth)
    .send(user('fuzz@example.com', { name: { givenName: 'Fuzz' }, emails: [{ value: 'fuzz@example.com', type: 'work', primary: true }], [ENTERPRISE]: { employeeNumber: '1' } }));
  userId = created.body.id;
  for (const name of ['alice', 'bob', 'Zoë', 'a\u0000b']) await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user(name, { title: `${name} title` }));
  groupId = (await request(t.app).post(`${SCIM}/Groups`).set(a.auth).send({ schemas: [GROUP_SCHEMA], displayName: 'Fuzzers', members: [{ value: userId }] })).body.id;
});
afterAll(() => t.close());

const settings = { seed: SEED, numRuns: RUNS };

/** The checks every answer must pass; the request is named in the failure. */
function expectWellFormed(res: Response, what: string): void {
  const where = `${what} -> ${res.status} ${res.text.slice(0, 300)}`;
  if (res.status >= 500) throw new Error(`server error: ${where}`);
  if (res.status < 400) return;
  if (!String(res.headers['content-type']).startsWith('application/scim+json')) throw new Error(`error without the SCIM media type: ${where}`);
  const body = res.body as { schemas?: unknown; status?: unknown; detail?: unknown };
  if (!Array.isArray(body.schemas) || body.schemas[0] !== ERROR_SCHEMA || body.status !== String(res.status) || typeof body.detail !== 'string') {
    throw new Error(`error that is not a SCIM error body: ${where}`);
  }
}

/** A JSON body as text, so that any JSON value (a bare number, a string) goes out exactly as generated. */
const withJson = (test: request.Test, body: unknown) => test.set('Content-Type', 'application/scim+json').send(JSON.stringify(body) ?? 'null');

/** Sends one request with the hang limit; a timeout fails the property like a 5xx. */
async function send(test: request.Test, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await test.timeout(HANG_MS);
  } catch (error) {
    throw new Error(`no answer within ${HANG_MS} ms (or the connection failed): ${what}: ${(error as Error).message}`, { cause: error });
  }
  expectWellFormed(res, what);
  return res;
}

// ----- generators -----

const ATTRIBUTE_PATHS = [
  'userName', 'USERNAME', 'name', 'name.givenName', 'Name.FamilyName', 'emails', 'emails.value', 'emails.type', 'emails.primary',
  'phoneNumbers', 'addresses', 'addresses.locality', 'title', 'active', 'displayName', 'nickName', 'externalId', 'id', 'groups',
  'groups.value', 'members', 'members.value', 'meta', 'meta.lastModified', 'meta.created', 'meta.version', 'meta.resourceType',
  'x509Certificates.value', 'roles', 'password', `${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`,
  ENTERPRISE, 'urn:ietf:params:scim:schemas:core:2.0:User:userName', 'urn:ietf:params:scim:schemas:core:2.0:User', 'urn:example:unknown:attr',
  'unknown', 'a.b.c', 'emails.value.x', '', '.', 'urn:', '$ref', 'members.$ref', 'emails[', 'emails]',
];
const attributePath = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ATTRIBUTE_PATHS) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) });

const OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'Co', 'xx'];
const literal = fc.oneof(
  fc.string({ maxLength: 12, unit: 'grapheme' }).map((text) => JSON.stringify(text)),
  fc.constantFrom('"\\u0000"', '"\\ud800"', '"\\"', '"a\\"b"', '"2024-05-01T00:00:00Z"', '"2024-13-45"', '"W/\\"1\\""', '""'),
  fc.double({ noNaN: false }).map(String),
  fc.integer().map(String),
  fc.constantFrom('true', 'false', 'null', 'True', 'NULL', 'undefined', '1e999', '-0', '0x10'),
  fc.string({ maxLength: 6 }),
);

const filter: fc.Arbitrary<string> = fc.letrec<{ filter: string }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(attributePath, fc.constantFrom(...OPERATORS), literal).map(([path, op, value]) => `${path} ${op} ${value}`),
    attributePath.map((path) => `${path} pr`),
    fc.tuple(tie('filter'), fc.constantFrom('and', 'or', 'AND', 'Or', 'xor'), tie('filter')).map(([left, op, right]) => `${left} ${op} ${right}`),
    tie('filter').map((inner) => `not (${inner})`),
    tie('filter').map((inner) => `(${inner})`),
    fc.tuple(fc.constantFrom('emails', 'members', 'addresses', 'phoneNumbers', 'name'), tie('filter')).map(([path, inner]) => `${path}[${inner}]`),
    fc.string({ maxLength: 30 }),
  ),
})).filter;

const jsonValue = fc.jsonValue({ maxDepth: 4 });
/** Arrays or objects nested up to 3,000 deep: past the body's nesting limit, or just under it. */
const deepValue = fc.tuple(fc.integer({ min: 20, max: 3000 }), fc.boolean()).map(([depth, arrays]) => {
  let value: unknown = 'x';
  for (let level = 0; level < depth; level++) value = arrays ? [value] : { value };
  return value;
});
const resourceBody = fc
  .record(
    {
      schemas: fc.oneof(fc.constant([USER_SCHEMA]), fc.constant([USER_SCHEMA, ENTERPRISE]), fc.constant([GROUP_SCHEMA]), jsonValue),
      userName: fc.oneof(fc.string({ maxLength: 20 }), jsonValue),
      displayName: fc.oneof(fc.string({ maxLength: 20 }), jsonValue),
      emails: fc.oneof(fc.array(fc.record({ value: fc.string({ maxLength: 12 }), type: fc.constantFrom('work', 'home', 'other'), primary: fc.boolean() }, { requiredKeys: [] }), { maxLength: 4 }), jsonValue),
      members: fc.oneof(fc.constant([{ value: 'MEMBER' }]), jsonValue),
      active: fc.oneof(fc.boolean(), fc.constantFrom('True', 'false', 'yes'), jsonValue),
      [ENTERPRISE]: fc.oneof(fc.record({ employeeNumber: fc.string({ maxLength: 8 }), manager: fc.oneof(fc.string({ maxLength: 8 }), jsonValue) }, { requiredKeys: [] }), jsonValue),
      extra: fc.dictionary(attributePath, jsonValue, { maxKeys: 3 }),
    },
    { requiredKeys: [] },
  )
  .map(({ extra, ...body }) => ({ ...extra, ...body }));

const patchOperation = fc.record(
  {
    op: fc.constantFrom('add', 'replace', 'remove', 'Add', 'REPLACE', 'Remove', 'copy', ''),
    path: fc.oneof(attributePath, fc.tuple(fc.constantFrom('emails', 'members', 'addresses'), filter, fc.constantFrom('', '.value', '.type', '.x')).map(([base, inner, sub]) => `${base}[${inner}]${sub}`)),
    value: fc.oneof(jsonValue, resourceBody, fc.array(fc.record({ value: fc.constantFrom('MEMBER', 'nobody', '') }), { maxLength: 3 }), deepValue),
  },
  { requiredKeys: ['op'] },
);
const patchBody = fc.oneof(
  { weight: 5, arbitrary: fc.record({ schemas: fc.oneof(fc.constant([PATCH_OP]), jsonValue), Operations: fc.array(patchOperation, { minLength: 1, maxLength: 4 }) }, { requiredKeys: ['Operations'] }) },
  { weight: 1, arbitrary: jsonValue },
);

const bulkOperation = fc.record(
  {
    method: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET', 'post', ''),
    bulkId: fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.string({ maxLength: 6 })),
    path: fc.constantFrom('/Users', '/Groups', '/Users/USER', '/Groups/GROUP', '/Users/bulkId:a', '/Groups/bulkId:b', '/Users/', '/Nope', 'Users', ''),
    version: fc.oneof(fc.constantFrom('W/"1"', 'W/"2"', '*'), fc.string({ maxLength: 6 })),
    data: fc.oneof(resourceBody, patchBody, fc.constant({ schemas: [USER_SCHEMA], userName: 'bulk', manager: 'bulkId:a' }), jsonValue),
  },
  { requiredKeys: ['method', 'path'] },
);
const bulkBody = fc.oneof(
  { weight: 5, arbitrary: fc.record({ schemas: fc.oneof(fc.constant([BULK_REQUEST]), jsonValue), failOnErrors: fc.oneof(fc.integer({ min: -1, max: 3 }), jsonValue), Operations: fc.array(bulkOperation, { maxLength: 8 }) }, { requiredKeys: ['schemas', 'Operations'] }) },
  { weight: 1, arbitrary: jsonValue },
);

/** Ids as a client could put them in a URL: encoded text (any code points), raw percent-escapes of any bytes, junk. */
const idSegment = fc.oneof(
  fc.string({ maxLength: 16, unit: 'binary' }).map((text) => {
    try {
      return encodeURIComponent(text);
    } catch {
      return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, 'x'));
    }
  }),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 6 }).map((bytes) => bytes.map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')),
  fc.constantFrom('%', '%%', '%g0', '.', '..', '.search', '.bulk-delete', 'USER', 'GROUP', '%2F', '%00', 'a%'),
);

const resolveIds = (text: string) => text.replace(/USER/g, userId).replace(/GROUP/g, groupId).replace(/MEMBER/g, userId);
const resolve = <T>(value: T): T => JSON.parse(resolveIds(JSON.stringify(value) ?? 'null')) as T;

// Visible ASCII only: Node's HTTP client refuses anything else in a header before it is sent.
const headerValue = fc.string({ maxLength: 40 }).map((text) => text.replace(/[^\x20-\x7e]/g, ''));

// ----- properties -----

describe(`fuzzing the HTTP app (seed ${SEED}, ${RUNS} runs per property)`, () => {
  jest.setTimeout(300_000);

  it('filters, on lists and searches', async () => {
    await fc.assert(
      fc.asyncProperty(filter, fc.constantFrom('Users', 'Groups'), fc.option(attributePath), async (text, endpoint, sortBy) => {
        const query = { filter: text, ...(sortBy === null ? {} : { sortBy }) };
        await send(request(t.app).get(`${SCIM}/${endpoint}`).query(query).set(a.auth), `GET /${endpoint} ${JSON.stringify(query)}`);
        await send(
          request(t.app).post(`${SCIM}/${endpoint}/.search`).set(a.auth).send({ schemas: [SEARCH_REQUEST], filter: text, count: 5 }),
          `POST /${endpoint}/.search ${JSON.stringify(text)}`,
        );
      }),
      settings,
    );
  });

  it('attribute paths in attributes, excludedAttributes, sortBy and paging parameters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(attributePath, { maxLength: 4 }),
        fc.constantFrom('attributes', 'excludedAttributes', 'sortBy'),
        fc.record({ startIndex: headerValue, count: headerValue, sortOrder: headerValue, cursor: headerValue }, { requiredKeys: [] }),
        async (paths, parameter, paging) => {
          const query = { [parameter]: paths.join(','), ...paging };
          await send(request(t.app).get(`${SCIM}/Users`).query(query).set(a.auth), `GET /Users ${JSON.stringify(query)}`);
          await send(request(t.app).get(`${SCIM}/Users/${userId}`).query({ [parameter]: paths.join(',') }).set(a.auth), `GET /Users/{id} ${JSON.stringify(query)}`);
        },
      ),
      settings,
    );
  });

  it('PATCH bodies, on a user and a group', async () => {
    await fc.assert(
      fc.asyncProperty(patchBody, fc.constantFrom('Users', 'Groups'), async (body, endpoint) => {
        const id = endpoint === 'Users' ? userId : groupId;
        await send(withJson(request(t.app).patch(`${SCIM}/${endpoint}/${id}`).set(a.auth), resolve(body)), `PATCH /${endpoint} ${JSON.stringify(body)}`);
      }),
      settings,
    );
  });

  it('POST and PUT bodies', async () => {
    await fc.assert(
      fc.asyncProperty(resourceBody, fc.constantFrom('Users', 'Groups'), fc.boolean(), async (body, endpoint, replace) => {
        const id = endpoint === 'Users' ? userId : groupId;
        const test = replace ? request(t.app).put(`${SCIM}/${endpoint}/${id}`) : request(t.app).post(`${SCIM}/${endpoint}`);
        await send(withJson(test.set(a.auth), resolve(body)), `${replace ? 'PUT' : 'POST'} /${endpoint} ${JSON.stringify(body)}`);
      }),
      settings,
    );
  });

  it('Bulk bodies', async () => {
    await fc.assert(
      fc.asyncProperty(bulkBody, async (body) => {
        await send(withJson(request(t.app).post(`${SCIM}/Bulk`).set(a.auth), resolve(body)), `POST /Bulk ${JSON.stringify(body)}`);
      }),
      settings,
    );
  });

  it('ids in every resource and discovery route, with every method', async () => {
    await fc.assert(
      fc.asyncProperty(
        idSegment,
        fc.constantFrom('Users', 'Groups', 'ResourceTypes', 'Schemas'),
        fc.constantFrom('get', 'put', 'patch', 'delete', 'post') as fc.Arbitrary<'get' | 'put' | 'patch' | 'delete' | 'post'>,
        async (segment, endpoint, method) => {
          const id = resolveIds(segment);
          await send(request(t.app)[method](`${SCIM}/${endpoint}/${id}`).set(a.auth).send(method === 'get' || method === 'delete' ? undefined : { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'title' }] }), `${method} /${endpoint}/${id}`);
        },
      ),
      settings,
    );
    // The fuzzed DELETEs may have hit the seeded user and group: the properties above ran before this one.
  });

  it('headers: conditions, content types and encodings, request ids, tokens', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            'If-Match': headerValue,
            'If-None-Match': headerValue,
            'Content-Type': fc.oneof(fc.constantFrom('application/scim+json', 'application/json', 'text/plain', 'application/scim+json; charset=latin1', 'application/json; charset=utf-16', 'multipart/form-data'), headerValue),
            'Content-Encoding': fc.oneof(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'compress'), headerValue),
            'X-Request-Id': headerValue,
            Accept: headerValue,
            Authorization: fc.oneof(fc.constant(a.auth.Authorization), headerValue.map((value) => `Bearer ${value}`), headerValue),
          },
          { requiredKeys: [] },
        ),
        fc.constantFrom('get', 'post', 'put', 'patch'),
        fc.oneof(fc.constant(JSON.stringify(user('headers@example.com'))), fc.string({ maxLength: 40 })),
        async (headers, method, body) => {
          const path = method === 'post' ? `${SCIM}/Users` : `${SCIM}/Users/${userId}`;
          const test = request(t.app)[method as 'get'](path).set({ Authorization: a.auth.Authorization, ...headers });
          await send(method === 'get' ? test : test.send(body), `${method} ${path} ${JSON.stringify(headers)} ${JSON.stringify(body)}`);
        },
      ),
      settings,
    );
  });
});
