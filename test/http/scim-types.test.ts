// Every scimType against RFC 7644 §3.12 (Table 9) and RFC 9865, in one table over HTTP: the situation that causes it,
// the request, the status and the scimType the server answers. Each scimType keyword has at least one row, its status
// is the one the RFC gives it, and the README's error table names it, so that a mismatch cannot hide in one place.
// Where the server answers a scimType in a situation §3.12 does not name (tooMany for too many values, not only for
// filters), the row says so, and the README's table describes it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { ScimType } from '../../src/scim/errors';
import { createTestApp, ENTERPRISE_SCHEMA, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, USER_SCHEMA, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';

/** The status RFC 7644 §3.12 (and §7.5.2 for "sensitive", RFC 9865 for the cursor errors) gives each scimType. */
const RFC_STATUS: Readonly<Record<ScimType, number>> = {
  invalidFilter: 400,
  tooMany: 400,
  uniqueness: 409,
  mutability: 400,
  invalidSyntax: 400,
  invalidPath: 400,
  noTarget: 400,
  invalidValue: 400,
  invalidVers: 400,
  // RFC 7644 §7.5.2 (with verified erratum 6893): "SHOULD respond with HTTP status code 403".
  sensitive: 403,
  invalidCursor: 400,
  expiredCursor: 400,
};

interface Fixture {
  readonly t: TestApp;
  readonly a: TestTenant;
  readonly userId: string;
  readonly otherUserId: string;
  readonly groupId: string;
  /** A user of the Acme extension (test/fixtures/schemas-dir) with the immutable `code`. */
  readonly acmeUserId: string;
  readonly advance: (seconds: number) => void;
}

type Send = (f: Fixture) => request.Test;

interface Row {
  /** The scimType of RFC 7644 §3.12 this row is about. */
  readonly scimType: ScimType;
  readonly situation: string;
  readonly send: Send;
  /** What the server answers: the RFC's status with the scimType, except where a row documents why it does not. */
  readonly answer?: { readonly status: number; readonly scimType?: ScimType };
  /** For Bulk: the answer is in this operation's result, in a 200 BulkResponse. */
  readonly bulkOperation?: number;
}

const get = (path: string, query: Record<string, string> = {}): Send => ({ t, a }) => request(t.app).get(`${SCIM}${path}`).query(query).set(a.auth);
const post = (path: string, body: unknown): Send => ({ t, a }) => request(t.app).post(`${SCIM}${path}`).set(a.auth).send(body as object);
const put = (path: (f: Fixture) => string, body: unknown): Send => (f) => request(f.t.app).put(`${SCIM}${path(f)}`).set(f.a.auth).send(body as object);
const patchUser = (...Operations: unknown[]): Send => (f) => request(f.t.app).patch(`${SCIM}/Users/${f.userId}`).set(f.a.auth).send({ schemas: [PATCH_OP], Operations });
const patchGroup = (...Operations: unknown[]): Send => (f) => request(f.t.app).patch(`${SCIM}/Groups/${f.groupId}`).set(f.a.auth).send({ schemas: [PATCH_OP], Operations });
const bulk = (...Operations: unknown[]): Send => post('/Bulk', { schemas: [BULK_REQUEST], Operations });

const ROWS: Row[] = [
  // invalidFilter: GET (§3.4.2), POST search (§3.4.3), PATCH path filter (§3.5.2).
  { scimType: 'invalidFilter', situation: 'GET with a filter that does not parse', send: get('/Users', { filter: 'userName eq' }) },
  { scimType: 'invalidFilter', situation: 'POST .search with a filter naming an unknown attribute', send: post('/Users/.search', { schemas: [SEARCH_REQUEST], filter: 'favouriteColour eq "blue"' }) },
  { scimType: 'invalidFilter', situation: 'a filter comparing a boolean with gt', send: get('/Users', { filter: 'active gt true' }) },
  { scimType: 'invalidFilter', situation: 'a filter on password without a value (password pr)', send: get('/Users', { filter: 'password pr' }) },
  { scimType: 'invalidFilter', situation: 'POST .search comparing password with a value (not in a URI, still never filterable)', send: post('/Users/.search', { schemas: [SEARCH_REQUEST], filter: 'password eq "x"' }) },
  { scimType: 'invalidFilter', situation: 'a PATCH path whose value filter does not parse', send: patchUser({ op: 'replace', path: 'emails[type eq ].value', value: 'x' }) },
  { scimType: 'invalidFilter', situation: 'a PATCH path whose value filter names an unknown sub-attribute', send: patchUser({ op: 'remove', path: 'emails[colour eq "red"]' }) },

  // tooMany: never for a filter (every list is paged and counted in the database), but for a list of values over
  // SCIM_MAX_ATTRIBUTE_VALUES (5 in this app).
  { scimType: 'tooMany', situation: 'a filter matching every user ("(userName pr) by itself", §3.12) is answered with a page, not tooMany', send: get('/Users', { filter: 'userName pr' }), answer: { status: 200 } },
  { scimType: 'tooMany', situation: 'POST with more values of one attribute than SCIM_MAX_ATTRIBUTE_VALUES', send: post('/Users', { schemas: [USER_SCHEMA], userName: 'many', emails: [1, 2, 3, 4, 5, 6].map((n) => ({ value: `m${n}@x.org` })) }) },
  { scimType: 'tooMany', situation: 'PATCH adding values past SCIM_MAX_ATTRIBUTE_VALUES', send: patchUser({ op: 'add', path: 'emails', value: [2, 3, 4, 5, 6].map((n) => ({ value: `a${n}@x.org` })) }) },

  // uniqueness: POST (create), PUT, PATCH.
  { scimType: 'uniqueness', situation: 'POST with a userName in use (compared ignoring case)', send: post('/Users', { schemas: [USER_SCHEMA], userName: 'ALICE' }) },
  { scimType: 'uniqueness', situation: 'PUT renaming onto a userName in use', send: put(({ otherUserId }) => `/Users/${otherUserId}`, { schemas: [USER_SCHEMA], userName: 'alice' }) },
  { scimType: 'uniqueness', situation: 'PATCH renaming onto a userName in use', send: patchUser({ op: 'replace', path: 'userName', value: 'BOB' }) },
  { scimType: 'uniqueness', situation: 'POST /Groups with a displayName in use', send: post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'team' }) },
  { scimType: 'uniqueness', situation: 'a Bulk POST with a userName in use, in its result', send: bulk({ method: 'POST', path: '/Users', bulkId: 'dup', data: { schemas: [USER_SCHEMA], userName: 'alice' } }), bulkOperation: 0 },

  // mutability: PUT (§3.5.1), PATCH (§3.5.2).
  { scimType: 'mutability', situation: 'PUT changing an immutable attribute that has a value', send: put(({ acmeUserId }) => `/Users/${acmeUserId}`, { schemas: [USER_SCHEMA, ACME], userName: 'acme', [ACME]: { code: 'C2' } }) },
  { scimType: 'mutability', situation: 'PATCH of a readOnly attribute (id)', send: patchUser({ op: 'replace', path: 'id', value: 'mine' }) },
  { scimType: 'mutability', situation: 'PATCH removing a required attribute (userName)', send: patchUser({ op: 'remove', path: 'userName' }) },
  { scimType: 'mutability', situation: 'PATCH replacing a required attribute with null', send: patchUser({ op: 'replace', path: 'userName', value: null }) },
  { scimType: 'mutability', situation: 'PATCH of a readOnly sub-attribute (manager.displayName)', send: patchUser({ op: 'replace', path: `${ENTERPRISE_SCHEMA}:manager.displayName`, value: 'Boss' }) },
  { scimType: 'mutability', situation: 'PATCH of User.groups (readOnly)', send: patchUser({ op: 'add', path: 'groups', value: [{ value: 'g' }] }) },
  { scimType: 'mutability', situation: "PATCH of a member's sub-attribute (immutable)", send: patchGroup({ op: 'replace', path: 'members[value eq "x"].display', value: 'y' }) },

  // invalidSyntax: POST (search, create, Bulk), PUT.
  { scimType: 'invalidSyntax', situation: 'POST with a body that is not JSON', send: ({ t, a }) => request(t.app).post(`${SCIM}/Users`).set(a.auth).set('Content-Type', 'application/scim+json').send('{"userName": ') },
  { scimType: 'invalidSyntax', situation: 'POST with a resource body without "schemas"', send: post('/Users', { userName: 'no-schemas' }) },
  { scimType: 'invalidSyntax', situation: 'POST naming only a schema the server does not know', send: post('/Users', { schemas: ['urn:example:params:scim:schemas:not-a-user'], userName: 'x' }) },
  { scimType: 'invalidSyntax', situation: 'POST with attributes under a schema the server does not know', send: post('/Users', { schemas: [USER_SCHEMA], userName: 'acme', 'urn:example:params:scim:schemas:extension:acme:2.0:User': { costCenter: 'x' } }) },
  { scimType: 'invalidSyntax', situation: 'PUT with the schema of another resource type', send: put(({ userId }) => `/Users/${userId}`, { schemas: [GROUP_SCHEMA], userName: 'alice' }) },
  { scimType: 'invalidSyntax', situation: 'POST .search without the SearchRequest schema', send: post('/Users/.search', { filter: 'userName pr' }) },
  { scimType: 'invalidSyntax', situation: 'POST /Bulk without the BulkRequest schema', send: post('/Bulk', { Operations: [] }) },
  { scimType: 'invalidSyntax', situation: 'a Bulk operation that is not an object, in its result', send: bulk('not an operation'), bulkOperation: 0 },
  { scimType: 'invalidSyntax', situation: 'PATCH without the PatchOp schema', send: (f) => request(f.t.app).patch(`${SCIM}/Users/${f.userId}`).set(f.a.auth).send({ Operations: [{ op: 'add', path: 'title', value: 'x' }] }) },

  // invalidPath: PATCH.
  { scimType: 'invalidPath', situation: 'PATCH of an attribute the resource type does not have', send: patchUser({ op: 'replace', path: 'favouriteColour', value: 'blue' }) },
  { scimType: 'invalidPath', situation: 'PATCH under a schema URN the server does not know', send: patchUser({ op: 'replace', path: 'urn:example:params:scim:schemas:extension:other:2.0:User:x', value: 'y' }) },
  { scimType: 'invalidPath', situation: "PATCH with a value filter whose '[' is never closed", send: patchUser({ op: 'replace', path: 'emails[type eq "work".value', value: 'x' }) },
  { scimType: 'invalidPath', situation: 'PATCH with a value filter on a singular attribute', send: patchUser({ op: 'replace', path: 'name[givenName eq "x"]', value: 'x' }) },

  // noTarget: PATCH.
  { scimType: 'noTarget', situation: 'PATCH remove without a path', send: patchUser({ op: 'remove' }) },
  { scimType: 'noTarget', situation: 'PATCH replace through a value filter that matches nothing', send: patchUser({ op: 'replace', path: 'emails[type eq "fax"].value', value: 'x' }) },
  { scimType: 'noTarget', situation: 'PATCH replace of members through a filter that matches no member', send: patchGroup({ op: 'replace', path: 'members[value eq "nobody"]', value: [] }) },

  // invalidValue: GET, POST, PUT, PATCH.
  { scimType: 'invalidValue', situation: 'POST without the required userName', send: post('/Users', { schemas: [USER_SCHEMA], displayName: 'No Name' }) },
  { scimType: 'invalidValue', situation: 'POST with a value of the wrong type', send: post('/Users', { schemas: [USER_SCHEMA], userName: 'typed', active: 'perhaps' }) },
  { scimType: 'invalidValue', situation: 'PUT without the required userName', send: put(({ userId }) => `/Users/${userId}`, { schemas: [USER_SCHEMA], title: 'x' }) },
  { scimType: 'invalidValue', situation: 'PATCH writing a value of the wrong type', send: patchUser({ op: 'replace', path: 'active', value: 'perhaps' }) },
  { scimType: 'invalidValue', situation: 'PATCH add without a value', send: patchUser({ op: 'add', path: 'title' }) },
  { scimType: 'invalidValue', situation: 'POST with two primary emails', send: post('/Users', { schemas: [USER_SCHEMA], userName: 'primaries', emails: [{ value: 'a@x.org', primary: true }, { value: 'b@x.org', primary: true }] }) },
  { scimType: 'invalidValue', situation: 'a group member that names no resource', send: patchGroup({ op: 'add', path: 'members', value: [{ value: 'ghost' }] }) },
  { scimType: 'invalidValue', situation: 'GET with a count that is not a number', send: get('/Users', { count: 'many' }) },
  { scimType: 'invalidValue', situation: 'GET sorted by an unknown attribute', send: get('/Users', { sortBy: 'favouriteColour' }) },
  { scimType: 'invalidValue', situation: 'GET with both startIndex and cursor', send: get('/Users', { startIndex: '1', cursor: '' }) },
  { scimType: 'invalidValue', situation: 'a Bulk POST without bulkId, in its result', send: bulk({ method: 'POST', path: '/Users', data: { schemas: [USER_SCHEMA], userName: 'nobulkid' } }), bulkOperation: 0 },
  { scimType: 'invalidValue', situation: 'POST /Bulk with failOnErrors 0', send: post('/Bulk', { schemas: [BULK_REQUEST], failOnErrors: 0, Operations: [] }) },

  // invalidVers: §3.13, a version in the path the server does not speak.
  { scimType: 'invalidVers', situation: 'GET /Users under /scim/v1', send: ({ t, a }) => request(t.app).get('/scim/v1/Users').set(a.auth) },
  { scimType: 'invalidVers', situation: 'DELETE under /scim/v3', send: ({ t, a, userId }) => request(t.app).delete(`/scim/v3/Users/${userId}`).set(a.auth) },

  // sensitive: §7.5.2, a secret in a request URI.
  { scimType: 'sensitive', situation: 'GET with a filter comparing password with a value (the password would travel in the URL)', send: get('/Users', { filter: 'password eq "Secret-1"' }) },
  { scimType: 'sensitive', situation: 'GET with a cursor request comparing password inside a larger filter', send: get('/Users', { filter: 'userName pr and password sw "S"', cursor: '' }) },

  // RFC 9865 §2.5 (cursor paging).
  { scimType: 'invalidCursor', situation: 'GET with a cursor the server did not issue', send: get('/Users', { cursor: 'not-a-cursor' }) },
  {
    scimType: 'invalidCursor',
    situation: 'a cursor replayed with another filter',
    send: async (f) => {
      const first = await get('/Users', { cursor: '', count: '1' })(f);
      return get('/Users', { cursor: first.body.nextCursor as string, count: '1', filter: 'userName pr' })(f);
    },
  } as Row,
  {
    scimType: 'expiredCursor',
    situation: 'a cursor used after SCIM_CURSOR_TIMEOUT',
    send: async (f) => {
      const first = await get('/Users', { cursor: '', count: '1' })(f);
      f.advance(3601);
      return get('/Users', { cursor: first.body.nextCursor as string, count: '1' })(f);
    },
  } as Row,
];

let fixture: Fixture;

beforeAll(async () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const t = await createTestApp({ SCIM_SCHEMAS_DIR: join(__dirname, '..', 'fixtures', 'schemas-dir'), SCIM_MAX_ATTRIBUTE_VALUES: '5' }, { clock: () => new Date(now) });
  const a = await t.tenant({ name: 'scim-types' });
  const create = async (endpoint: string, body: Record<string, unknown>) => {
    const res = await request(t.app).post(`${SCIM}${endpoint}`).set(a.auth).send(body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const userId = await create('/Users', { schemas: [USER_SCHEMA], userName: 'alice', emails: [{ value: 'alice@example.com', type: 'work' }], password: 'Secret-1' });
  const otherUserId = await create('/Users', { schemas: [USER_SCHEMA], userName: 'bob' });
  const groupId = await create('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Team', members: [{ value: userId }] });
  const acmeUserId = await create('/Users', { schemas: [USER_SCHEMA, ACME], userName: 'acme', [ACME]: { code: 'C1' } });
  fixture = { t, a, userId, otherUserId, groupId, acmeUserId, advance: (seconds) => (now += seconds * 1000) };
});
afterAll(() => fixture.t.close());

describe('scimType table (RFC 7644 §3.12)', () => {
  it.each(ROWS.map((row) => [row.scimType, row.situation, row] as const))('%s: %s', async (_type, _situation, row) => {
    const res = await row.send(fixture);
    const expected = row.answer ?? { status: RFC_STATUS[row.scimType], scimType: row.scimType };
    const error = row.bulkOperation === undefined ? res.body : res.body.Operations?.[row.bulkOperation]?.response;
    if (row.bulkOperation !== undefined) {
      expect(res.status).toBe(200);
      expect(res.body.Operations[row.bulkOperation].status).toBe(String(expected.status));
    } else {
      expect({ status: res.status, body: res.body }).toMatchObject({ status: expected.status });
    }
    if (expected.status < 400) return;
    expect(error).toEqual({
      schemas: [ERROR_SCHEMA],
      status: String(expected.status),
      ...(expected.scimType ? { scimType: expected.scimType } : {}),
      detail: expect.any(String),
    });
    // A detail a person can act on: words, no stack trace, no internals.
    expect(error.detail.length).toBeGreaterThan(15);
    expect(error.detail).not.toMatch(/\n\s+at |node_modules|Error:/);
  });

  it('has a row for every scimType, each answered with the status the RFC gives it', () => {
    for (const scimType of Object.values(ScimType)) {
      const rows = ROWS.filter((row) => row.scimType === scimType);
      expect({ scimType, rows: rows.length }).toEqual({ scimType, rows: expect.any(Number) });
      expect(rows.length).toBeGreaterThan(0);
    }
    expect(Object.keys(RFC_STATUS).sort()).toEqual(Object.values(ScimType).sort());
  });

  it("is the README's error table: every scimType the server answers is named there with its status", () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('### Errors'), readme.indexOf('## PATCH'));
    for (const scimType of Object.values(ScimType)) {
      const produced = ROWS.some((row) => row.scimType === scimType && row.answer === undefined);
      const line = table.split('\n').find((text) => text.includes(`\`${scimType}\``));
      expect({ scimType, named: line !== undefined }).toEqual({ scimType, named: true });
      if (produced) expect({ scimType, line }).toEqual({ scimType, line: expect.stringContaining(`| ${RFC_STATUS[scimType]} |`) });
    }
  });
});
