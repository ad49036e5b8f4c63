// Querying over HTTP: filters, sorting, index paging and RFC 9865 cursors on GET /Users, POST /Users/.search and the
// root POST /.search (RFC 7644 §3.4.2, §3.4.3).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { buildApp } from '../../src/app';
import { issueToken } from '../../src/auth/tokens';
import { loadConfig, redactedConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { Scope } from '../../src/auth/scopes';
import { createTestApp, ENTERPRISE_SCHEMA, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

interface ListBody {
  schemas: string[];
  totalResults: number;
  itemsPerPage: number;
  startIndex?: number;
  nextCursor?: string;
  Resources: { id: string; userName?: string; displayName?: string; meta: { resourceType: string } }[];
}

const userNames = (body: ListBody) => body.Resources.map((resource) => resource.userName);

/** The directory most tests query: mixed case, non-ASCII, missing and multi-valued attributes, the extension. */
const PEOPLE = [
  user('bjensen@example.com', {
    displayName: 'Babs Jensen',
    title: 'Tour Guide',
    name: { familyName: 'Jensen', givenName: 'Barbara' },
    emails: [
      { value: 'babs@home.org', type: 'home' },
      { value: 'BJensen@Example.com', type: 'work', primary: true },
    ],
    [ENTERPRISE_SCHEMA]: { employeeNumber: '701984', department: 'Tour Operations', manager: { value: 'boss-2' } },
  }),
  user('Alice@example.com', {
    displayName: 'Alice',
    name: { familyName: 'Ångström' },
    emails: [{ value: 'alice@partner.org', type: 'work' }],
    [ENTERPRISE_SCHEMA]: { employeeNumber: '100', manager: { value: 'boss-1' } },
  }),
  user('carol@example.com', {
    name: { familyName: 'carter' },
    emails: [
      { value: 'c@example.com', type: 'home' },
      { value: 'carol@example.com', type: 'work', primary: true },
    ],
    active: false,
  }),
  user('dave@example.com', { displayName: 'Dave', title: 'CEO', active: true }),
  user('ÉMILE@example.com', { name: { familyName: 'Émile' }, emails: [{ value: 'emile@example.com' }], password: 'Secret-Passw0rd!' }),
];

let t: TestApp;
let a: TestTenant;

async function seed(app: TestApp, tenant: TestTenant, bodies: readonly Record<string, unknown>[]): Promise<string[]> {
  const ids: string[] = [];
  for (const body of bodies) {
    const res = await request(app.app).post(`${SCIM}/Users`).set(tenant.auth).send(body);
    expect(res.status).toBe(201);
    ids.push(res.body.id as string);
  }
  return ids;
}

const getUsers = (query: Record<string, string | number>, tenant: TestTenant = a) => request(t.app).get(`${SCIM}/Users`).query(query).set(tenant.auth);
const searchUsers = (body: Record<string, unknown>, tenant: TestTenant = a) =>
  request(t.app).post(`${SCIM}/Users/.search`).set(tenant.auth).send({ schemas: [SEARCH_REQUEST], ...body });
const searchRoot = (body: Record<string, unknown>, tenant: TestTenant = a) =>
  request(t.app).post(`${SCIM}/.search`).set(tenant.auth).send({ schemas: [SEARCH_REQUEST], ...body });

function expectError(res: request.Response, status: number, scimType: string | undefined, detail: RegExp): void {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status) });
  expect(res.body.scimType).toBe(scimType);
  expect(res.body.detail).toMatch(detail);
}

describe('a seeded directory', () => {
  beforeAll(async () => {
    t = await createTestApp({ SCIM_DEFAULT_PAGE_SIZE: '2', SCIM_FILTER_MAX_LENGTH: '200', SCIM_FILTER_MAX_DEPTH: '4' });
    a = await t.tenant({ name: 'a' });
    await seed(t, a, PEOPLE);
    // Rows no query of tenant a may see: another tenant's user with a matching name, and a group.
    const other = await t.tenant({ name: 'other' });
    await seed(t, other, [user('bjensen@example.com', { displayName: 'Babs Jensen' })]);
    expect((await request(t.app).post(`${SCIM}/Groups`).set(a.auth).send({ schemas: [GROUP_SCHEMA], displayName: 'Babs Jensen' })).status).toBe(201);
  });
  afterAll(() => t.close());

  describe('filters (GET /Users and POST /Users/.search agree)', () => {
    it.each<[string, string[]]>([
      ['userName eq "BJENSEN@EXAMPLE.COM"', ['bjensen@example.com']],
      ['USERNAME Eq "dave@example.com" OR userName eq "CAROL@example.com"', ['carol@example.com', 'dave@example.com']],
      ['emails.value eq "bjensen@example.com"', ['bjensen@example.com']],
      ['emails eq "C@EXAMPLE.COM"', ['carol@example.com']],
      ['emails[type eq "work" and value co "@example.com"]', ['bjensen@example.com', 'carol@example.com']],
      ['emails[type eq "home" and value co "carol"]', []],
      ['externalId pr', []],
      ['name.familyName sw "J"', ['bjensen@example.com']],
      ['userName sw "é"', ['ÉMILE@example.com']],
      ['title pr', ['bjensen@example.com', 'dave@example.com']],
      ['not (title pr)', ['Alice@example.com', 'carol@example.com', 'ÉMILE@example.com']],
      ['active eq False', ['carol@example.com']],
      ['active ne false', ['bjensen@example.com', 'Alice@example.com', 'dave@example.com', 'ÉMILE@example.com']],
      [`${ENTERPRISE_SCHEMA}:employeeNumber eq "701984"`, ['bjensen@example.com']],
      [`${ENTERPRISE_SCHEMA}:manager.value eq "boss-1"`, ['Alice@example.com']],
      ['userName ew "@EXAMPLE.com" and (displayName co "A" or title eq "ceo")', ['bjensen@example.com', 'Alice@example.com', 'dave@example.com']],
      ['meta.resourceType eq "User" and meta.created gt "2000-01-01T00:00:00Z"', PEOPLE.map((person) => person.userName as string)],
      ['meta.lastModified lt "2000-01-01T00:00:00+02:00"', []],
    ])('%s', async (filter, expected) => {
      const sorted = (names: (string | undefined)[]) => [...names].sort();
      const get = await getUsers({ filter, count: 3 });
      expect(get.status).toBe(200);
      expect(get.body.totalResults).toBe(expected.length);
      const post = await searchUsers({ filter, count: 10 });
      expect(post.status).toBe(200);
      expect(sorted(userNames(post.body))).toEqual(sorted(expected));
      expect(post.body.totalResults).toBe(expected.length);
    });

    it.each<[string, string, RegExp]>([
      ['unparseable', 'userName eq', /Expected a value at position 11/],
      ['unknown attribute', 'nickName2 eq "x"', /Unknown attribute 'nickName2' in filter at position 0/],
      ['operator not allowed for the type', 'active gt true', /active/],
      ['wrong value type', 'meta.created gt "yesterday"', /Value 'yesterday' at position 16 is not a valid dateTime for attribute 'meta.created'/],
      ['wrong value type for a boolean', 'active eq "maybe"', /not a valid boolean for attribute 'active'/],
      ['password inside a larger filter', 'userName pr and not (password pr)', /'password' at position 21/],
      ['over the length limit', `userName eq "${'x'.repeat(200)}"`, /limit is 200/],
      ['over the depth limit', '(((((userName pr)))))', /deep|depth|nest/i],
    ])('refuses a filter that is %s with 400 invalidFilter', async (_name, filter, detail) => {
      expectError(await getUsers({ filter }), 400, 'invalidFilter', detail);
      expectError(await searchUsers({ filter }), 400, 'invalidFilter', detail);
    });

    it('refuses a password compared with a value: 403 sensitive in a GET URL (RFC 7644 §7.5.2), 400 invalidFilter in a search body', async () => {
      expectError(await getUsers({ filter: 'password eq "Secret-Passw0rd!"' }), 403, 'sensitive', /'password' \(position 0\) with a value in the request URL/);
      expectError(await searchUsers({ filter: 'password eq "Secret-Passw0rd!"' }), 400, 'invalidFilter', /'password' at position 0 cannot be used in a filter/);
    });

    it('never answers a password filter with a hint of the stored value', async () => {
      const right = await getUsers({ filter: 'password eq "Secret-Passw0rd!"' });
      const wrong = await getUsers({ filter: 'password eq "nope"' });
      expect(right.body).toEqual(wrong.body);
    });
  });

  describe('sorting', () => {
    const sortedNames = async (sortBy: string, sortOrder?: string) => {
      const res = await searchUsers({ sortBy, ...(sortOrder ? { sortOrder } : {}), count: 10 });
      expect(res.status).toBe(200);
      return userNames(res.body);
    };

    it('sorts caseExact=false strings case-insensitively, by code point', async () => {
      const ascending = ['Alice@example.com', 'bjensen@example.com', 'carol@example.com', 'dave@example.com', 'ÉMILE@example.com'];
      expect(await sortedNames('userName')).toEqual(ascending);
      expect(await sortedNames('USERNAME', 'descending')).toEqual([...ascending].reverse());
    });

    it('sorts by a sub-attribute with missing values last ascending and first descending', async () => {
      // carter < jensen < ångström (U+00E5) < émile (U+00E9); dave has no name.
      expect(await sortedNames('name.familyName')).toEqual(['carol@example.com', 'bjensen@example.com', 'Alice@example.com', 'ÉMILE@example.com', 'dave@example.com']);
      expect(await sortedNames('name.familyName', 'descending')).toEqual(['dave@example.com', 'ÉMILE@example.com', 'Alice@example.com', 'bjensen@example.com', 'carol@example.com']);
    });

    it('sorts a multi-valued attribute by its primary value, else its first (RFC 7644 §3.4.2.3)', async () => {
      // bjensen's primary is BJensen@… (not babs@…, listed first); carol's primary is carol@… (not c@…).
      expect(await sortedNames('emails')).toEqual(['Alice@example.com', 'bjensen@example.com', 'carol@example.com', 'ÉMILE@example.com', 'dave@example.com']);
      expect(await sortedNames('emails.value')).toEqual(['Alice@example.com', 'bjensen@example.com', 'carol@example.com', 'ÉMILE@example.com', 'dave@example.com']);
    });

    it('sorts by extension attributes and their sub-attributes', async () => {
      const byNumber = await sortedNames(`${ENTERPRISE_SCHEMA}:employeeNumber`);
      expect(byNumber.slice(0, 2)).toEqual(['Alice@example.com', 'bjensen@example.com']);
      expect(byNumber.slice(2).sort()).toEqual(['carol@example.com', 'dave@example.com', 'ÉMILE@example.com']);
      const byManager = await sortedNames(`${ENTERPRISE_SCHEMA}:manager.value`, 'descending');
      expect(byManager.slice(3)).toEqual(['bjensen@example.com', 'Alice@example.com']);
    });

    it('sorts GET lists the same way, with paging applied after the sort', async () => {
      const res = await getUsers({ sortBy: 'userName', sortOrder: 'descending', startIndex: 2, count: 2 });
      expect(res.body).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
      expect(userNames(res.body)).toEqual(['dave@example.com', 'carol@example.com']);
    });

    it('refuses an unknown or complex sortBy and a bad sortOrder with 400 invalidValue', async () => {
      expectError(await getUsers({ sortBy: 'shoeSize' }), 400, 'invalidValue', /unknown attribute: 'shoeSize'/);
      expectError(await getUsers({ sortBy: 'name' }), 400, 'invalidValue', /complex attribute 'name'/);
      expectError(await getUsers({ sortBy: 'userName', sortOrder: 'sideways' }), 400, 'invalidValue', /sortOrder/);
    });
  });

  describe('index paging (RFC 7644 §3.4.2.4)', () => {
    it('serves the default page size, and pages by startIndex and count with the full total', async () => {
      const first = await getUsers({ sortBy: 'userName' });
      expect(first.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 5, startIndex: 1, itemsPerPage: 2 });
      expect(first.body).not.toHaveProperty('nextCursor');
      const seen: string[] = [];
      for (let startIndex = 1; startIndex <= 5; startIndex += 2) {
        const page = await getUsers({ sortBy: 'userName', startIndex, count: 2 });
        expect(page.body.totalResults).toBe(5);
        seen.push(...(userNames(page.body) as string[]));
      }
      expect(seen).toEqual(['Alice@example.com', 'bjensen@example.com', 'carol@example.com', 'dave@example.com', 'ÉMILE@example.com']);
    });

    it('answers count=0 with totalResults only', async () => {
      const res = await getUsers({ count: 0, filter: 'title pr' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ schemas: [LIST_RESPONSE], totalResults: 2, itemsPerPage: 0, startIndex: 1, Resources: [] });
    });

    it('reads negative count as 0 and startIndex < 1 as 1', async () => {
      expect((await getUsers({ count: -4 })).body).toMatchObject({ totalResults: 5, itemsPerPage: 0 });
      expect((await getUsers({ startIndex: -3, count: 1, sortBy: 'userName' })).body).toMatchObject({ startIndex: 1, Resources: [{ userName: 'Alice@example.com' }] });
      expect((await getUsers({ startIndex: 6 })).body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    });

    it('projects attributes and excludedAttributes in lists', async () => {
      const res = await searchUsers({ filter: 'userName eq "bjensen@example.com"', attributes: ['emails.value'] });
      expect(res.body.Resources).toEqual([{ schemas: expect.any(Array), id: expect.any(String), emails: [{ value: 'babs@home.org' }, { value: 'BJensen@Example.com' }] }]);
      const excluded = await getUsers({ filter: 'userName eq "bjensen@example.com"', excludedAttributes: `emails,${ENTERPRISE_SCHEMA}` });
      expect(excluded.body.Resources[0]).not.toHaveProperty('emails');
      expect(excluded.body.Resources[0]).not.toHaveProperty([ENTERPRISE_SCHEMA]);
      expect(excluded.body.Resources[0]).toHaveProperty('userName', 'bjensen@example.com');
    });
  });

  describe('POST /Users/.search', () => {
    it('requires the SearchRequest schema and well-typed attributes: 400 invalidSyntax', async () => {
      const noSchema = await request(t.app).post(`${SCIM}/Users/.search`).set(a.auth).send({ filter: 'userName pr' });
      expectError(noSchema, 400, 'invalidSyntax', /SearchRequest must have "schemas"/);
      expectError(await searchUsers({ count: 'ten' }), 400, 'invalidSyntax', /"count" must be an integer/);
      expectError(await searchUsers({ attributes: [{ name: 'userName' }] }), 400, 'invalidSyntax', /"attributes"/);
    });

    it('needs the read scope', async () => {
      const writer = await t.tokenFor(a.tenant, [Scope.write]);
      const res = await request(t.app).post(`${SCIM}/Users/.search`).set('Authorization', `Bearer ${writer}`).send({ schemas: [SEARCH_REQUEST] });
      expect(res.status).toBe(403);
    });

    it('is POST only', async () => {
      const res = await request(t.app).get(`${SCIM}/Users/.search`).set(a.auth);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
    });
  });
});

describe('cursor paging (RFC 9865)', () => {
  const TOTAL = 30;
  const names = Array.from({ length: TOTAL }, (_, i) => `user-${String(i).padStart(2, '0')}`);
  let idOf: Map<string, string>;

  beforeEach(async () => {
    t = await createTestApp({ SCIM_MAX_RESULTS: '10' });
    a = await t.tenant({ name: 'a' });
    // Created out of order, so that neither id nor creation order is the userName order.
    const shuffled = [...names].sort((x, y) => (x.slice(-1) + x).localeCompare(y.slice(-1) + y));
    const ids = await seed(t, a, shuffled.map((name) => user(name)));
    idOf = new Map(shuffled.map((name, index) => [name, ids[index]]));
  });
  afterEach(() => t.close());

  /** Walks every page, calling `between` after each; returns the pages' userNames and the bodies. */
  async function walk(
    send: (cursor: string) => Promise<request.Response>,
    between: (pageNumber: number) => Promise<void> = async () => undefined,
  ): Promise<{ pages: string[][]; bodies: ListBody[] }> {
    const pages: string[][] = [];
    const bodies: ListBody[] = [];
    let cursor = '';
    for (let guard = 0; guard < 100; guard++) {
      const res = await send(cursor);
      expect(res.status).toBe(200);
      const body = res.body as ListBody;
      bodies.push(body);
      pages.push(userNames(body) as string[]);
      if (body.nextCursor === undefined) return { pages, bodies };
      cursor = body.nextCursor;
      await between(pages.length);
    }
    throw new Error('the walk did not end');
  }

  it('is advertised in ServiceProviderConfig', async () => {
    const res = await request(t.app).get(`${SCIM}/ServiceProviderConfig`).set(a.auth);
    expect(res.body.pagination).toEqual({ cursor: true, index: true, defaultPaginationMethod: 'index', defaultPageSize: 100, maxPageSize: 10, cursorTimeout: 3600 });
  });

  it('walks the whole directory: nextCursor on every page but the last, no startIndex, the total on each page', async () => {
    const { pages, bodies } = await walk((cursor) => getUsers({ cursor, count: 7, sortBy: 'userName' }));
    expect(pages.map((page) => page.length)).toEqual([7, 7, 7, 7, 2]);
    expect(pages.flat()).toEqual(names);
    for (const body of bodies) {
      expect(body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: TOTAL, itemsPerPage: body.Resources.length });
      expect(body).not.toHaveProperty('startIndex');
    }
    for (const body of bodies.slice(0, -1)) expect(body.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('walks by id without a sort, and with a filter and a descending sort exactly as the index list orders', async () => {
    const byId = await walk((cursor) => getUsers({ cursor, count: 4 }));
    expect(new Set(byId.pages.flat()).size).toBe(TOTAL);
    const indexOrder = userNames((await getUsers({ count: 10, filter: 'userName ew "5" or userName ew "7" or userName sw "user-1"', sortBy: 'userName', sortOrder: 'descending' })).body);
    const filtered = await walk((cursor) =>
      searchUsers({ cursor, count: 3, filter: 'userName ew "5" or userName ew "7" or userName sw "user-1"', sortBy: 'userName', sortOrder: 'descending' }),
    );
    expect(filtered.bodies[0].totalResults).toBe(14);
    expect(filtered.pages.flat().slice(0, 10)).toEqual(indexOrder);
    expect(filtered.pages.flat()).toHaveLength(14);
  });

  it('neither skips nor repeats rows that existed throughout, while rows are created and deleted between pages', async () => {
    const deleteUser = async (name: string) => expect((await request(t.app).delete(`${SCIM}/Users/${idOf.get(name)}`).set(a.auth)).status).toBe(204);
    const { pages, bodies } = await walk(
      (cursor) => getUsers({ cursor, count: 7, sortBy: 'userName' }),
      async (pageNumber) => {
        if (pageNumber === 1) {
          // After user-00..06: one created behind the position, one ahead; one deleted ahead; the last row served deleted.
          await seed(t, a, [user('user-03b'), user('user-20b')]);
          await deleteUser('user-25');
          await deleteUser('user-06');
        }
        if (pageNumber === 2) await deleteUser('user-02');
      },
    );
    const seen = pages.flat();
    expect(new Set(seen).size).toBe(seen.length);
    // The walk counted once, on its first page; every later page reports that count (the cursor carries it).
    expect(bodies.map((body) => body.totalResults)).toEqual(bodies.map(() => TOTAL));
    expect((await getUsers({ cursor: '', count: 7 })).body.totalResults).toBe(TOTAL + 2 - 3);
    expect(seen).toEqual([...names.filter((name) => name !== 'user-25').slice(0, 21), 'user-20b', ...names.slice(21).filter((name) => name !== 'user-25')]);
    expect(seen).not.toContain('user-03b');
  });

  it('clips count to maxResults (advertised as maxPageSize) on cursor pages', async () => {
    const res = await getUsers({ cursor: '', count: 50 });
    expect(res.body).toMatchObject({ totalResults: TOTAL, itemsPerPage: 10, nextCursor: expect.any(String) });
  });

  it('answers count=0 with the total only and no cursor', async () => {
    const res = await getUsers({ cursor: '', count: 0 });
    expect(res.body).toEqual({ schemas: [LIST_RESPONSE], totalResults: TOTAL, itemsPerPage: 0, Resources: [] });
  });

  it('accepts the bare ?cursor parameter for the first page', async () => {
    const res = await request(t.app).get(`${SCIM}/Users?cursor&count=5`).set(a.auth);
    expect(res.body).toMatchObject({ totalResults: TOTAL, itemsPerPage: 5, nextCursor: expect.any(String) });
  });

  it('refuses a cursor replayed with another filter, sort, endpoint or tenant, or altered: 400 invalidCursor', async () => {
    const first = await getUsers({ cursor: '', count: 5, filter: 'userName sw "user"', sortBy: 'userName' });
    const cursor = first.body.nextCursor as string;
    expect((await getUsers({ cursor, count: 5, filter: 'USERNAME SW "user"', sortBy: 'username' })).status).toBe(200);
    const b = await t.tenant({ name: 'b' });
    const replays = [
      getUsers({ cursor, count: 5, filter: 'userName sw "use"', sortBy: 'userName' }),
      getUsers({ cursor, count: 5, filter: 'userName sw "user"', sortBy: 'userName', sortOrder: 'descending' }),
      getUsers({ cursor, count: 5, filter: 'userName sw "user"' }),
      getUsers({ cursor, count: 5, filter: 'userName sw "user"', sortBy: 'userName' }, b),
      request(t.app).get(`${SCIM}/Groups`).query({ cursor, count: 5, filter: 'displayName sw "user"', sortBy: 'displayName' }).set(a.auth),
      getUsers({ cursor: `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`, count: 5, filter: 'userName sw "user"', sortBy: 'userName' }),
      getUsers({ cursor: 'not-a-cursor', count: 5 }),
      getUsers({ cursor: 'has spaces and %', count: 5 }),
    ];
    for (const res of await Promise.all(replays)) expectError(res, 400, 'invalidCursor', /not valid for this query/);
  });

  it('refuses startIndex together with cursor', async () => {
    expectError(await getUsers({ cursor: '', startIndex: 1 }), 400, 'invalidValue', /either startIndex .* or cursor/);
  });
});

describe('expired cursors', () => {
  it('takes SCIM_CURSOR_SECRET only when it is long enough, and never logs it', () => {
    expect(() => loadConfig({ SCIM_CURSOR_SECRET: 'short' })).toThrow(/SCIM_CURSOR_SECRET must be at least 32 characters long, got 5/);
    expect(() => loadConfig({ SCIM_CURSOR_TIMEOUT: '5' })).toThrow(/SCIM_CURSOR_TIMEOUT must be between 60/);
    const config = loadConfig({ SCIM_CURSOR_SECRET: 'k'.repeat(32) });
    expect(config.cursorSecret).toBe('k'.repeat(32));
    expect(JSON.stringify(redactedConfig(config))).not.toContain('k'.repeat(32));
  });

  it('answers 400 expiredCursor after cursorTimeout, naming the timeout', async () => {
    const registry = loadBuiltinRegistry();
    const store = createSqliteStore({ path: ':memory:', registry });
    const clock = { now: new Date('2026-03-01T10:00:00Z') };
    const config = loadConfig({ SCIM_LOG_LEVEL: 'silent', SCIM_CURSOR_TIMEOUT: '120', SCIM_CURSOR_SECRET: 'x'.repeat(40) });
    const server: Server = createServer(buildApp({ config, store, registry, logger: createLogger('silent'), clock: () => clock.now }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const tenant = { id: randomUUID(), name: 'x', profile: 'standard' as const, created: clock.now.toISOString() };
      await store.tenants.createTenant(tenant);
      const { token, record } = issueToken({ tenantId: tenant.id, label: 'test', scopes: [Scope.read, Scope.write], now: new Date() });
      await store.tenants.createToken(record);
      const auth = { Authorization: `Bearer ${token}` };
      for (const name of ['a', 'b', 'c']) expect((await request(server).post(`${SCIM}/Users`).set(auth).send(user(name))).status).toBe(201);

      const spc = await request(server).get(`${SCIM}/ServiceProviderConfig`).set(auth);
      expect(spc.body.pagination.cursorTimeout).toBe(120);
      const first = await request(server).get(`${SCIM}/Users`).query({ cursor: '', count: 1 }).set(auth);
      const cursor = first.body.nextCursor as string;
      clock.now = new Date('2026-03-01T10:02:00Z');
      expect((await request(server).get(`${SCIM}/Users`).query({ cursor, count: 1 }).set(auth)).status).toBe(200);
      clock.now = new Date('2026-03-01T10:02:01Z');
      const expired = await request(server).get(`${SCIM}/Users`).query({ cursor, count: 1 }).set(auth);
      expectError(expired, 400, 'expiredCursor', /valid for 120 seconds/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    }
  });

  it('keeps cursors valid across instances that share SCIM_CURSOR_SECRET, and not otherwise', async () => {
    const secret = 's'.repeat(48);
    const one = await createTestApp({ SCIM_CURSOR_SECRET: secret });
    const directory = mkdtempSync(join(tmpdir(), 'scim-cursor-'));
    const path = join(directory, 'scim.db');
    try {
      const tenant = await one.tenant();
      await seed(one, tenant, [user('a'), user('b')]);
      const first = await request(one.app).get(`${SCIM}/Users`).query({ cursor: '', count: 1 }).set(tenant.auth);
      const cursor = first.body.nextCursor as string;
      // The same configuration in another app instance (a restart, or a second instance) opens it.
      const same = await createTestApp({ SCIM_CURSOR_SECRET: secret }, { path });
      const other = await createTestApp({}, { path });
      try {
        const tenantThere = await same.tenant();
        const sameRes = await request(same.app).get(`${SCIM}/Users`).query({ cursor, count: 1 }).set(tenantThere.auth);
        // Another tenant: the binding refuses it even with the right secret.
        expectError(sameRes, 400, 'invalidCursor', /not valid/);
        const sameTenantCursor = await request(same.app).get(`${SCIM}/Users`).query({ cursor: '', count: 1 }).set(tenantThere.auth);
        expect(sameTenantCursor.status).toBe(200);
        const otherRes = await request(other.app).get(`${SCIM}/Users`).query({ cursor, count: 1 }).set(tenantThere.auth);
        expectError(otherRes, 400, 'invalidCursor', /not valid/);
      } finally {
        await same.close();
        await other.close();
      }
    } finally {
      await one.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('POST /.search (root)', () => {
  let groupIds: string[];
  let userIds: string[];

  beforeAll(async () => {
    t = await createTestApp();
    a = await t.tenant({ name: 'a' });
    userIds = await seed(t, a, [
      user('anna', { displayName: 'Admin Anna' }),
      user('bert', { displayName: 'Bert' }),
      user('carl', { displayName: 'Admin Carl' }),
    ]);
    groupIds = [];
    for (const displayName of ['Admins', 'Builders']) {
      const res = await request(t.app).post(`${SCIM}/Groups`).set(a.auth).send({ schemas: [GROUP_SCHEMA], displayName });
      expect(res.status).toBe(201);
      groupIds.push(res.body.id as string);
    }
    const other = await t.tenant({ name: 'other' });
    await seed(t, other, [user('anna', { displayName: 'Admin Anna' })]);
  });
  afterAll(() => t.close());

  const kinds = (body: ListBody) => body.Resources.map((resource) => `${resource.meta.resourceType}:${resource.userName ?? resource.displayName}`);

  it('spans every resource type, each represented as its own type', async () => {
    const res = await searchRoot({ count: 100 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 5, startIndex: 1, itemsPerPage: 5 });
    expect(kinds(res.body).sort()).toEqual(['Group:Admins', 'Group:Builders', 'User:anna', 'User:bert', 'User:carl']);
    const group = res.body.Resources.find((resource: { id: string }) => resource.id === groupIds[0]);
    expect(group.schemas).toEqual([GROUP_SCHEMA]);
    expect(group.meta.location).toMatch(new RegExp(`/Groups/${groupIds[0]}$`));
    const person = res.body.Resources.find((resource: { id: string }) => resource.id === userIds[0]);
    expect(person.meta.location).toMatch(new RegExp(`/Users/${userIds[0]}$`));
  });

  it('applies the filter to every type that has its attributes', async () => {
    const both = await searchRoot({ filter: 'displayName sw "ADMIN"' });
    expect(kinds(both.body).sort()).toEqual(['Group:Admins', 'User:anna', 'User:carl']);
    expect(both.body.totalResults).toBe(3);
    // Groups have no userName: they match nothing, users are filtered.
    const usersOnly = await searchRoot({ filter: 'userName eq "BERT"' });
    expect(kinds(usersOnly.body)).toEqual(['User:bert']);
    const byType = await searchRoot({ filter: 'meta.resourceType eq "Group"' });
    expect(kinds(byType.body).sort()).toEqual(['Group:Admins', 'Group:Builders']);
  });

  it('pages across the boundary between types, by index and by cursor, without duplicates or omissions', async () => {
    const all = kinds((await searchRoot({ count: 100 })).body);
    const byIndex: string[] = [];
    for (let startIndex = 1; startIndex <= 5; startIndex += 2) {
      const page = await searchRoot({ startIndex, count: 2 });
      expect(page.body).toMatchObject({ totalResults: 5, startIndex });
      byIndex.push(...kinds(page.body));
    }
    expect(byIndex).toEqual(all);
    for (const count of [1, 2, 3, 5]) {
      const byCursor: string[] = [];
      let cursor = '';
      for (let guard = 0; guard < 10; guard++) {
        const page = await searchRoot({ cursor, count });
        expect(page.status).toBe(200);
        expect(page.body.totalResults).toBe(5);
        byCursor.push(...kinds(page.body));
        if (page.body.nextCursor === undefined) break;
        cursor = page.body.nextCursor;
      }
      expect(byCursor).toEqual(all);
    }
  });

  it('binds its cursors to the root search and its filter', async () => {
    const first = await searchRoot({ cursor: '', count: 1 });
    const cursor = first.body.nextCursor as string;
    expectError(await searchRoot({ cursor, count: 1, filter: 'displayName pr' }), 400, 'invalidCursor', /not valid/);
    expectError(await searchUsers({ cursor, count: 1 }), 400, 'invalidCursor', /not valid/);
    expect((await searchRoot({ cursor, count: 1 })).status).toBe(200);
  });

  it('refuses sortBy, a filter that fits no type, a bad SearchRequest, and methods other than POST', async () => {
    expectError(await searchRoot({ sortBy: 'displayName' }), 400, 'invalidValue', /sortBy is not supported by the root search/);
    expectError(await searchRoot({ filter: 'shoeSize eq 4' }), 400, 'invalidFilter', /Unknown attribute 'shoeSize'/);
    expectError(await searchRoot({ filter: 'password pr' }), 400, 'invalidFilter', /password/);
    expectError(await request(t.app).post(`${SCIM}/.search`).set(a.auth).send({ filter: 'userName pr' }), 400, 'invalidSyntax', /SearchRequest/);
    const get = await request(t.app).get(`${SCIM}/.search`).set(a.auth);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('needs a token with the read scope', async () => {
    expect((await request(t.app).post(`${SCIM}/.search`).send({ schemas: [SEARCH_REQUEST] })).status).toBe(401);
    const writer = await t.tokenFor(a.tenant, [Scope.write]);
    expect((await request(t.app).post(`${SCIM}/.search`).set('Authorization', `Bearer ${writer}`).send({ schemas: [SEARCH_REQUEST] })).status).toBe(403);
  });
});

describe('a NUL inside a value (issue 14, item 9)', () => {
  let app: TestApp;
  let tenant: TestTenant;
  beforeAll(async () => {
    app = await createTestApp();
    tenant = await app.tenant();
    expect((await request(app.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('a\u0000b'))).status).toBe(201);
    expect((await request(app.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('zzb'))).status).toBe(201);
  });
  afterAll(() => app.close());

  it.each([
    ['userName ew "a\\u0000b"', ['a\u0000b']],
    ['userName ew "\\u0000B"', ['a\u0000b']],
    ['userName ew "b"', ['a\u0000b', 'zzb']],
    ['userName co "a\\u0000b"', ['a\u0000b']],
    ['userName sw "A\\u0000"', ['a\u0000b']],
    ['userName eq "a\\u0000b"', ['a\u0000b']],
  ])('%s', async (filter, expected) => {
    const res = await request(app.app).get(`${SCIM}/Users`).query({ filter, attributes: 'userName' }).set(tenant.auth);
    expect(res.status).toBe(200);
    expect(res.body.Resources.map((found: { userName: string }) => found.userName).sort()).toEqual(expected);
  });
});
