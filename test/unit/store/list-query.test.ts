// The lookups IdPs make before every create, written as they arrive over HTTP (any attribute case, operator case,
// URN-qualified, value-filter form), parsed like a request and compiled by listQueryToSql: SQLite's own
// EXPLAIN QUERY PLAN must show an index search, never a scan of the resources table, and the literal only as a
// bound parameter.
import Database from 'better-sqlite3';
import { parseListRequest } from '../../../src/scim/list/list-request';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import type { StorePage } from '../../../src/store/resource-store';
import { prefixUpperBound } from '../../../src/store/sqlite/filter-to-sql';
import { listQueryToSql } from '../../../src/store/sqlite/list-query';
import { migrate } from '../../../src/store/sqlite/migrations';
import { createStoreModel } from '../../../src/store/model/resource-model';

const registry = loadBuiltinRegistry();
const model = createStoreModel(registry);
const limits = { maxResults: 100, defaultCount: 10, filterMaxLength: 4096, filterMaxDepth: 32 };
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('EXPLAIN QUERY PLAN of the lookups IdPs make', () => {
  const db = new Database(':memory:');
  migrate(db);
  afterAll(() => db.close());

  const plansOf = (resourceType: string, filter: string, page: StorePage = { kind: 'index', startIndex: 1, count: 10 }) => {
    const request = parseListRequest(registry, registry.resourceType(resourceType)!, { filter }, limits);
    const sql = listQueryToSql(model.modelOf(resourceType), 'tenant-1', { resourceType, filter: request.filter, sort: request.sort, page });
    const plan = (statement: { sql: string; params: readonly unknown[] }) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`).all(...statement.params) as { detail: string }[]).map((row) => row.detail);
    return { sql, page: plan(sql.page), count: plan(sql.count) };
  };

  const VALUE_INDEX = /^SEARCH resource_values USING (COVERING INDEX \w+|PRIMARY KEY) \(tenant_id=\? AND resource_type=\? AND path=\? AND value=\?/;
  const ROW_BY_ID = /^SEARCH r USING (COVERING )?INDEX sqlite_autoindex_resources_1 \(tenant_id=\? AND resource_type=\? AND id=\?\)$/;

  it.each<[string, string, string]>([
    ['User', 'userName eq "BJensen@Example.com"', 'bjensen@example.com'],
    ['User', 'USERNAME EQ "bjensen@example.com"', 'bjensen@example.com'],
    ['User', `${CORE}:userName eq "BJENSEN@example.com"`, 'bjensen@example.com'],
    ['User', 'externalId eq "00u1abcD"', '00u1abcD'],
    ['User', 'EXTERNALID Eq "00u1abcD"', '00u1abcD'],
    ['User', 'emails.value eq "Babs@Example.com"', 'babs@example.com'],
    ['User', 'Emails.Value eq "babs@example.com"', 'babs@example.com'],
    ['User', 'emails[value eq "BABS@example.com"]', 'babs@example.com'],
    ['User', 'emails[VALUE eq "babs@example.com"]', 'babs@example.com'],
    ['User', 'displayName eq "Babs Jensen"', 'babs jensen'],
    ['User', 'userName eq "a@x" or emails.value eq "a@x"', 'a@x'],
    ['Group', 'displayName eq "Admins"', 'admins'],
    ['Group', 'DISPLAYNAME eq "ADMINS"', 'admins'],
  ])('%s %s uses the value index, then the primary key', (resourceType, filter, bound) => {
    const { sql, page, count } = plansOf(resourceType, filter);
    for (const steps of [page, count]) {
      expect(steps.some((step) => VALUE_INDEX.test(step))).toBe(true);
      expect(steps.some((step) => ROW_BY_ID.test(step))).toBe(true);
      expect(steps.filter((step) => /^SCAN\b/.test(step))).toEqual([]);
    }
    // Case-insensitive attributes are looked up by their folded value; the literal is never SQL text.
    expect(sql.page.params).toContain(bound);
    expect(sql.page.sql.toLowerCase()).not.toContain(bound.toLowerCase());
  });

  it.each(['id eq "2819c223-7f76-453a-919d-413861904646"', 'ID eq "2819c223-7f76-453a-919d-413861904646"'])('%s is one primary-key lookup', (filter) => {
    const { page, count } = plansOf('User', filter);
    // The page reads its rows by rowid from an id-only subquery, which is the one primary-key lookup.
    expect(page.filter((step) => ROW_BY_ID.test(step))).toHaveLength(1);
    expect(page.filter((step) => /^SCAN\b/.test(step))).toEqual([]);
    expect(count).toHaveLength(1);
    expect(count[0]).toMatch(ROW_BY_ID);
  });

  const VALUE_RANGE = /^SEARCH resource_values USING (COVERING INDEX \w+|PRIMARY KEY) \(tenant_id=\? AND resource_type=\? AND path=\? AND value>\? AND value<\?\)/;

  it.each<[string, string]>([
    ['Group', 'displayName sw "Eng"'],
    ['User', 'userName sw "bjen"'],
    ['User', 'emails.value SW "babs@"'],
  ])('%s %s is a key range on the value index', (resourceType, filter) => {
    const { page, count } = plansOf(resourceType, filter);
    for (const steps of [page, count]) {
      expect(steps.some((step) => VALUE_RANGE.test(step))).toBe(true);
      expect(steps.filter((step) => /^SCAN\b/.test(step))).toEqual([]);
    }
  });

  it('tells an unindexed filter apart (the checks above can fail)', () => {
    const { page } = plansOf('User', 'title eq "CEO"');
    expect(page.some((step) => VALUE_INDEX.test(step))).toBe(false);
    expect(page.some((step) => ROW_BY_ID.test(step))).toBe(false);
  });

  it('skips a deep startIndex of an unfiltered list on the primary-key index alone, reading only the page rows', () => {
    const { sql, page } = plansOf('User', '', { kind: 'index', startIndex: 50_001, count: 100 });
    expect(page).toContain('SEARCH r USING INTEGER PRIMARY KEY (rowid=?)');
    expect(page.some((step) => /^SEARCH r USING COVERING INDEX sqlite_autoindex_resources_1 \(tenant_id=\? AND resource_type=\?\)$/.test(step))).toBe(true);
    expect(page.filter((step) => /^SCAN\b/.test(step))).toEqual([]);
    expect(sql.page.params.slice(-2)).toEqual([100, 50_000]);
  });

  it('keeps index use on keyset (cursor) pages', () => {
    const { page } = plansOf('User', 'userName eq "bjensen"', { kind: 'keyset', count: 10, after: { sortValue: null, id: 'u-1' } });
    expect(page.some((step) => VALUE_INDEX.test(step))).toBe(true);
    expect(page.filter((step) => /^SCAN\b/.test(step))).toEqual([]);
  });
});

describe('prefixUpperBound', () => {
  it('raises the last code point, so that [prefix, bound) holds exactly the strings with that prefix', () => {
    expect(prefixUpperBound('eng')).toBe('enh');
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{10FFFF}')).toBeUndefined();
    expect(prefixUpperBound('x\uD7FF')).toBe('x\uE000');
    expect(prefixUpperBound('é')).toBe('ê');
    const bound = prefixUpperBound('ab')!;
    const inRange = (value: string) => Buffer.compare(Buffer.from(value), Buffer.from('ab')) >= 0 && Buffer.compare(Buffer.from(value), Buffer.from(bound)) < 0;
    for (const value of ['ab', 'abc', 'ab\u{10FFFF}', 'ab😀']) expect(inRange(value)).toBe(true);
    for (const value of ['a', 'ac', 'b', 'aa\u{10FFFF}']) expect(inRange(value)).toBe(false);
  });
});

describe('sort indexes (migration 17): the sorts consoles ask for read an index in order', () => {
  const db = new Database(':memory:');
  migrate(db);
  afterAll(() => db.close());

  const pagePlan = (sortBy: string, descending: boolean, page: StorePage) => {
    const request = parseListRequest(registry, registry.resourceType('User')!, { sortBy, sortOrder: descending ? 'descending' : 'ascending' }, limits);
    const { page: statement } = listQueryToSql(model.modelOf('User'), 'tenant-1', { resourceType: 'User', sort: request.sort, page });
    return (db.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`).all(...statement.params) as { detail: string }[]).map((row) => row.detail);
  };
  const pages: [string, StorePage][] = [
    ['page 1', { kind: 'index', startIndex: 1, count: 10 }],
    ['a deep startIndex', { kind: 'index', startIndex: 50_001, count: 10 }],
    ['the first cursor page', { kind: 'keyset', count: 10 }],
  ];

  it.each<[string, string]>([
    ['userName', 'resources_by_user_name'],
    ['name.familyName', 'resources_by_family_name'],
    ['meta.lastModified', 'resources_by_last_modified'],
  ])('sortBy=%s walks %s, ascending and descending, and sorts nothing', (sortBy, index) => {
    for (const descending of [false, true]) {
      for (const [, page] of pages) expect(pagePlan(sortBy, descending, page)).toEqual([`SEARCH r USING INDEX ${index} (tenant_id=? AND resource_type=?)`]);
    }
  });

  it('a cursor page after a position seeks in the meta.lastModified index; one by userName walks its index in order', () => {
    const after = (sortValue: string) => ({ kind: 'keyset' as const, count: 10, after: { sortValue, id: 'u-9' } });
    for (const descending of [false, true]) {
      expect(pagePlan('meta.lastModified', descending, after('2026-01-01T00:00:00.000Z'))).toEqual([
        `SEARCH r USING INDEX resources_by_last_modified (tenant_id=? AND resource_type=? AND (last_modified,id)${descending ? '<' : '>'}(?,?))`,
      ]);
      expect(pagePlan('userName', descending, after('bjensen'))).toEqual(['SEARCH r USING INDEX resources_by_user_name (tenant_id=? AND resource_type=?)']);
    }
  });

  it('any other sortBy reads the tenant\'s rows and sorts them, keeping the best count (README "Querying")', () => {
    expect(pagePlan('title', false, { kind: 'index', startIndex: 1, count: 10 })).toContain('USE TEMP B-TREE FOR ORDER BY');
  });
});

describe('deep startIndex pages from a remembered position (page-anchors.ts)', () => {
  const db = new Database(':memory:');
  migrate(db);
  afterAll(() => db.close());

  it('seeks to the remembered row in the primary key and steps over only the rows after it', () => {
    const from = { offset: 50_000, id: 'u-50000', stamp: 7 };
    const sql = listQueryToSql(model.modelOf('User'), 'tenant-1', { resourceType: 'User', page: { kind: 'index', startIndex: 50_101, count: 100 } }, from);
    expect(sql.from).toBe(from);
    expect(sql.page.params.slice(-3)).toEqual(['u-50000', 100, 100]);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql.page.sql}`).all(...sql.page.params) as { detail: string }[]).map((row) => row.detail);
    expect(plan).toContain('SEARCH r USING COVERING INDEX sqlite_autoindex_resources_1 (tenant_id=? AND resource_type=? AND id>?)');
    // The count reads the change counter in the same snapshot, for the store to check the position's stamp against.
    expect(sql.count.sql).toContain('AS changes');
  });

  it('is not used by a filtered or sorted page, or for a position after the page', () => {
    const from = { offset: 500, id: 'u-500', stamp: 1 };
    const index = { kind: 'index' as const, startIndex: 1001, count: 10 };
    expect(listQueryToSql(model.modelOf('User'), 't', { resourceType: 'User', page: { ...index, startIndex: 400 } }, from).from).toBeUndefined();
    const filter = parseListRequest(registry, registry.resourceType('User')!, { filter: 'title pr' }, limits).filter;
    expect(listQueryToSql(model.modelOf('User'), 't', { resourceType: 'User', filter, page: index }, from).from).toBeUndefined();
    const sort = parseListRequest(registry, registry.resourceType('User')!, { sortBy: 'userName' }, limits).sort;
    expect(listQueryToSql(model.modelOf('User'), 't', { resourceType: 'User', sort, page: index }, from).from).toBeUndefined();
  });
});

