// The SQL the filter compiler and list query produce: user values only as bound parameters, and the lookups IdPs
// depend on answered through indexes (checked with EXPLAIN QUERY PLAN on the real schema).
import Database from 'better-sqlite3';
import type { FilterAst } from '../../../src/scim/filter/filter-ast';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { filterToSql } from '../../../src/store/sqlite/filter-to-sql';
import { listQueryToSql } from '../../../src/store/sqlite/list-query';
import { migrate } from '../../../src/store/sqlite/migrations';
import { createStoreModel } from '../../../src/store/model/resource-model';
import { RESOURCE_SQL } from '../../../src/store/sqlite/sqlite-resource-store';
import type { StoreQuery } from '../../../src/store/resource-store';
import { filterBuilder } from '../../contract/filter-builder';

const registry = loadBuiltinRegistry();
const model = createStoreModel(registry);
const users = filterBuilder(registry, 'User');
const groups = filterBuilder(registry, 'Group');
const catalogue = filterBuilder(registry, 'Role');
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const LIFECYCLE = 'urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User';

const compile = (filter: FilterAst, resourceType = 'User') => filterToSql(filter, { model: model.modelOf(resourceType), row: 'r', tenantId: 'tenant-1' });

describe('filterToSql: values are parameters, never SQL text', () => {
  const hostile = ["x' OR 1=1 --", '"); DROP TABLE resources; --', '50%_off', 'a\\b*?[c]', 'ÄÖ\u0000z'];
  const shapes: [string, (value: string) => FilterAst, boolean][] = [
    ['eq on an indexed path', (value) => users.eq('userName', value), true],
    ['eq on a plain path', (value) => users.eq('title', value), true],
    ['co', (value) => users.co('displayName', value), true],
    ['sw', (value) => users.sw('name.givenName', value), true],
    ['ew', (value) => users.ew('emails.value', value), true],
    ['gt', (value) => users.gt(`${ENTERPRISE}:department`, value), true],
    ['ne on a column', (value) => users.ne('id', value), false],
    ['value filter', (value) => users.where('emails', (e) => e.and(e.eq('type', value), e.co('value', value))), true],
  ];

  it.each(shapes)('%s', (_name, build, folded) => {
    const texts = new Set<string>();
    for (const value of hostile) {
      const { sql, params } = compile(build(value));
      expect(sql).not.toContain(value);
      // Bound as text, or as its UTF-8 bytes (ew compares bytes).
      const bound = params.map((param) => (Buffer.isBuffer(param) ? param.toString('utf8') : param));
      expect(bound).toContain(folded ? value.toLowerCase() : value);
      texts.add(sql);
    }
    // The text depends on the filter's shape only, so its prepared statement is reused for every value; co and ew
    // on an indexed path have two shapes: through the trigram index, and the scan for a literal it cannot serve
    // (here the one with a NUL).
    expect(texts.size).toBe(['co', 'ew'].includes(_name) ? 2 : 1);
  });

  it('keeps attribute names and JSON paths out of the SQL text too', () => {
    const { sql, params } = compile(users.and(users.eq('title', 'x'), users.pr(`${ENTERPRISE}:manager`), users.eq('emails.value', 'y')));
    for (const name of ['title', 'manager', 'emails', 'enterprise']) expect(sql).not.toContain(name);
    expect(params).toEqual(expect.arrayContaining(['$."title"', `$."${ENTERPRISE}:manager"`, 'emails.value']));
  });

  it('folds caseExact=false literals and keeps caseExact=true literals as written', () => {
    expect(compile(users.eq('userName', 'ÅSA')).params).toContain('åsa');
    expect(compile(users.eq('externalId', 'ÅSA')).params).toContain('ÅSA');
    expect(compile(users.eq('id', 'U-1')).params).toEqual(['U-1']);
  });

  it('compiles comparisons that can never hold to constants, with no parameters', () => {
    expect(compile(users.gt('active', true))).toEqual({ sql: '0', params: [] });
    expect(compile(users.eq('meta.created', 'not a date'))).toEqual({ sql: '0', params: [] });
    expect(compile(users.eq('userName', 7))).toEqual({ sql: '0', params: [] });
    expect(compile(users.ne('userName', 7))).toEqual({ sql: '1', params: [] });
    expect(compile(users.pr('id'))).toEqual({ sql: '1', params: [] });
    expect(compile(users.pr('meta.location'))).toEqual({ sql: '0', params: [] });
  });

  it('binds normalised dateTime literals', () => {
    expect(compile(users.ge('meta.lastModified', '2024-01-15T11:00:00+01:00')).params).toEqual(['2024-01-15T10:00:00.000Z']);
  });
});

describe('query plans', () => {
  const db = new Database(':memory:');
  migrate(db);
  afterAll(() => db.close());

  const plan = (sql: string, params: readonly unknown[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail);
  const listPlans = (query: StoreQuery) => {
    const sql = listQueryToSql(model.modelOf(query.resourceType), 'tenant-1', query);
    return { page: plan(sql.page.sql, sql.page.params), count: plan(sql.count.sql, sql.count.params) };
  };
  const BY_ID = /^SEARCH r USING (COVERING )?INDEX sqlite_autoindex_resources_1 \(tenant_id=\? AND resource_type=\? AND id=\?\)$/;
  const BY_VALUE = 'SEARCH resource_values USING PRIMARY KEY (tenant_id=? AND resource_type=? AND path=? AND value=?)';
  const page = { kind: 'index', startIndex: 1, count: 10 } as const;

  it.each<[string, FilterAst, string]>([
    ['User userName', users.eq('userName', 'bjensen'), 'User'],
    ['User externalId', users.eq('externalId', 'e-1'), 'User'],
    ['User emails.value', users.eq('emails.value', 'b@example.com'), 'User'],
    ['User displayName', users.eq('displayName', 'Babs'), 'User'],
    ['User emails[value eq]', users.where('emails', (e) => e.eq('value', 'b@example.com')), 'User'],
    ['User userName or emails.value', users.or(users.eq('userName', 'a'), users.eq('emails.value', 'b@example.com')), 'User'],
    ['User userName and another condition', users.and(users.eq('userName', 'a'), users.co('title', 'x')), 'User'],
    ['Group displayName', groups.eq('displayName', 'Admins'), 'Group'],
    // README "Roles": the holders of a role, and the catalogue looked up by name.
    ['User roles.value', users.eq('roles.value', 'admin'), 'User'],
    ['Role name or name', catalogue.or(catalogue.eq('name', 'admin'), catalogue.eq('name', 'auditor')), 'Role'],
    ['User lifecycle state (x-indexed)', users.eq(`${LIFECYCLE}:state`, 'locked'), 'User'],
    ['User lastSignIn (x-indexed, unversioned)', users.eq(`${LIFECYCLE}:lastSignIn`, '2026-01-01T00:00:00Z'), 'User'],
  ])('eq on %s is answered through the value index, then the primary key', (_name, filter, resourceType) => {
    const { page: pagePlan, count } = listPlans({ resourceType, filter, page });
    for (const steps of [pagePlan, count]) {
      expect(steps.some((step) => BY_ID.test(step))).toBe(true);
      expect(steps).toContain(BY_VALUE);
      expect(steps.filter((step) => step.startsWith('SCAN'))).toEqual(expect.not.arrayContaining([expect.stringMatching(/^SCAN r\b/)]));
    }
  });

  it.each<[string, FilterAst]>([
    ['lt', users.lt(`${LIFECYCLE}:lastSignIn`, '2026-01-01T00:00:00Z')],
    ['ge', users.ge(`${LIFECYCLE}:lastSignIn`, '2026-01-01T00:00:00Z')],
    ['le, and state eq', users.and(users.eq(`${LIFECYCLE}:state`, 'locked'), users.le(`${LIFECYCLE}:lastSignIn`, '2026-01-01T00:00:00Z'))],
  ])('%s on the indexed dateTime lastSignIn is a range on the value index, never a scan of the tenant', (_name, filter) => {
    const { page: pagePlan, count } = listPlans({ resourceType: 'User', filter, page });
    for (const steps of [pagePlan, count]) {
      expect(steps).toEqual(expect.arrayContaining([expect.stringMatching(/^SEARCH resource_values USING PRIMARY KEY \(tenant_id=\? AND resource_type=\? AND path=\? AND value[<>]=?\?\)$/)]));
      expect(steps.filter((step) => /^SCAN r\b/.test(step))).toEqual([]);
    }
    // The literal is bound as the normalised instant, like the stored values.
    expect(compile(filter).params).toContain('2026-01-01T00:00:00.000Z');
  });

  it.each<[string, FilterAst]>([
    ['members.value eq', groups.eq('members.value', 'u-1')],
    ['members[value eq]', groups.where('members', (m) => m.eq('value', 'u-1'))],
  ])('%s on Group is answered through the membership index, then the primary key', (_name, filter) => {
    const { page: pagePlan, count } = listPlans({ resourceType: 'Group', filter, page });
    for (const steps of [pagePlan, count]) {
      expect(steps.some((step) => BY_ID.test(step))).toBe(true);
      expect(steps).toContain('SEARCH memberships USING COVERING INDEX memberships_by_member (tenant_id=? AND member_id=?)');
      expect(steps.filter((step) => step.startsWith('SCAN'))).toEqual([]);
    }
  });

  it.each<[string, FilterAst, string]>([
    ['User emails.value co', users.co('emails.value', '@example.'), 'User'],
    ['User emails.value ew', users.ew('emails.value', 'example.org'), 'User'],
    ['User userName co', users.co('userName', 'jens'), 'User'],
    ['User emails[value co]', users.where('emails', (e) => e.co('value', 'jensen')), 'User'],
    ['User userName co or emails.value co', users.or(users.co('userName', 'jens'), users.co('emails.value', 'jens')), 'User'],
    ['Group displayName co', groups.co('displayName', 'admin'), 'Group'],
  ])('%s (3+ characters) is answered through the trigram index, then the primary key', (_name, filter, resourceType) => {
    const { page: pagePlan, count } = listPlans({ resourceType, filter, page });
    for (const steps of [pagePlan, count]) {
      expect(steps).toContain('SCAN f VIRTUAL TABLE INDEX 0:M1');
      expect(steps).toContain('SEARCH t USING INTEGER PRIMARY KEY (rowid=?)');
      expect(steps.filter((step) => /^SCAN (r|t)\b/.test(step))).toEqual([]);
    }
  });

  it('co with fewer than three characters, or on a path without indexed values, reads the tenant and type range', () => {
    for (const filter of [users.co('emails.value', 'ex'), users.co('title', 'engineer')]) {
      const { page: pagePlan } = listPlans({ resourceType: 'User', filter, page });
      expect(pagePlan.join('\n')).not.toContain('resource_texts');
      expect(pagePlan.some((step) => /^SEARCH r USING INDEX sqlite_autoindex_resources_1 \(tenant_id=\? AND resource_type=\?\)$/.test(step))).toBe(true);
    }
  });

  it('other member conditions read only the group\'s own membership rows', () => {
    const { page: pagePlan } = listPlans({ resourceType: 'Group', filter: groups.eq('members.type', 'Group'), page });
    expect(pagePlan).toContain('SEARCH m1 USING PRIMARY KEY (tenant_id=? AND group_id=?)');
    expect(pagePlan.filter((step) => /^SCAN m/.test(step))).toEqual([]);
  });

  it('eq on id is a primary-key lookup', () => {
    const { page: pagePlan } = listPlans({ resourceType: 'User', filter: users.eq('id', 'u-1'), page });
    // The page reads its rows by rowid from an id-only subquery, which is the one primary-key lookup.
    expect(pagePlan.filter((step) => BY_ID.test(step))).toHaveLength(1);
    expect(pagePlan.filter((step) => /^SCAN\b/.test(step))).toEqual([]);
  });

  it('a filter no index serves still reads only the tenant and type range, never the whole table', () => {
    const { page: pagePlan } = listPlans({ resourceType: 'User', filter: users.co('title', 'x'), sort: { path: users.path('userName'), descending: false }, page });
    // Sorted by userName, the range is read in the order of its sort index (migration 17).
    expect(pagePlan[0]).toMatch(/^SEARCH r USING INDEX resources_by_user_name \(tenant_id=\? AND resource_type=\?\)$/);
  });

  it('keyset pages without a sort seek on the primary key', () => {
    const { page: pagePlan } = listPlans({ resourceType: 'User', page: { kind: 'keyset', count: 10, after: { sortValue: null, id: 'u-5' } } });
    expect(pagePlan).toEqual(['SEARCH r USING INDEX sqlite_autoindex_resources_1 (tenant_id=? AND resource_type=? AND id>?)']);
  });

  it('getMany, scan and updateInternal read and write through the primary key', () => {
    expect(plan(RESOURCE_SQL.getMany, ['t', 'User', '["u-1","u-2"]'])).toEqual(
      expect.arrayContaining([expect.stringMatching(/^SEARCH r USING INDEX sqlite_autoindex_resources_1 \(tenant_id=\? AND resource_type=\? AND id=\?\)$/)]),
    );
    expect(plan(RESOURCE_SQL.getMany, ['t', 'User', '["u-1"]']).filter((step) => /^SCAN r\b/.test(step))).toEqual([]);
    expect(plan(RESOURCE_SQL.scanAfter, ['t', 'User', 'u-1', 10])).toEqual(['SEARCH r USING INDEX sqlite_autoindex_resources_1 (tenant_id=? AND resource_type=? AND id>?)']);
    expect(plan(RESOURCE_SQL.scanFirst, ['t', 'User', 10])).toEqual(['SEARCH r USING INDEX sqlite_autoindex_resources_1 (tenant_id=? AND resource_type=?)']);
    expect(plan(RESOURCE_SQL.updateInternal, ['{}', '{}', 't', 'User', 'u-1', 0, 0, 3, 3])).toEqual([
      'SEARCH resources USING INDEX sqlite_autoindex_resources_1 (tenant_id=? AND resource_type=? AND id=?)',
    ]);
  });

  it('write paths touch the side table by key', () => {
    expect(plan(RESOURCE_SQL.selectValues, ['t', 'User', 'u-1'])).toEqual([
      'SEARCH resource_values USING COVERING INDEX resource_values_by_resource (tenant_id=? AND resource_type=? AND resource_id=?)',
    ]);
    expect(plan(RESOURCE_SQL.deleteValue, ['t', 'User', 'userName', 'a', 'u-1'])).toEqual([
      'SEARCH resource_values USING PRIMARY KEY (tenant_id=? AND resource_type=? AND path=? AND value=? AND resource_id=?)',
    ]);
    expect(plan(RESOURCE_SQL.replaceIfVersion, ['x', '{}', '{}', '{}', 't', 'User', 'u-1', 1])).toEqual([
      'SEARCH resources USING INDEX sqlite_autoindex_resources_1 (tenant_id=? AND resource_type=? AND id=?)',
    ]);
  });
});
