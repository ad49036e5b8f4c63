// A write keeps the derived rows of the values it does not change (sqlite-resource-store.ts syncValues): the indexed
// values, their trigram rows and so the FTS5 index are touched only for the values that differ, so that a PATCH of
// `title` or `active` costs the substring index nothing (README "Performance", round four). The filters must stay exact
// all the while: every eq/sw/co/ew answer is compared with the in-memory evaluation of the stored attributes.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateFilter } from '../../../src/scim/filter/evaluate-filter';
import type { FilterAst } from '../../../src/scim/filter/filter-ast';
import type { ScimAttributes } from '../../../src/scim/schema/attribute';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../src/store/tenant-store';
import { filterBuilder } from '../../contract/filter-builder';

const registry = loadBuiltinRegistry();
const users = filterBuilder(registry, 'User');
const T0 = '2024-01-01T00:00:00.000Z';
const TENANT = 't1';

interface TextRow {
  readonly id: number;
  readonly path: string;
  readonly value: string;
}

const ann: ScimAttributes = {
  userName: 'Ann.Lee',
  externalId: 'ext-ann-7',
  displayName: 'Ann Lee',
  title: 'Nurse',
  active: true,
  emails: [{ value: 'ann.lee@example.com', type: 'work', primary: true }],
};
const bob: ScimAttributes = {
  userName: 'Bob.Roe',
  externalId: 'ext-bob-9',
  displayName: 'Bob Roe',
  emails: [{ value: 'bob@example.org', type: 'work' }],
};

describe('sqlite store: the derived rows of unchanged values', () => {
  let directory: string;
  let store: Store;
  let db: Database.Database;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'scim-value-rows-'));
    const file = join(directory, 'scim.db');
    store = createSqliteStore({ path: file, registry });
    await store.resources.create(TENANT, { resourceType: 'User', id: 'u-ann', created: T0, attributes: ann, internal: {} });
    await store.resources.create(TENANT, { resourceType: 'User', id: 'u-bob', created: T0, attributes: bob, internal: {} });
    db = new Database(file, { readonly: true });
  });
  afterEach(async () => {
    db.close();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** The trigram rows of a user, by path (their ids say whether they were written again). */
  const textRows = (id: string): Record<string, TextRow> =>
    Object.fromEntries(
      (db.prepare('SELECT id, path, value FROM resource_texts WHERE tenant_id = ? AND resource_id = ? ORDER BY path').all(TENANT, id) as TextRow[]).map((row) => [row.path, row]),
    );
  const replace = async (id: string, attributes: ScimAttributes) => {
    const current = await store.resources.get(TENANT, 'User', id);
    await store.resources.replace(TENANT, 'User', id, { lastModified: T0, attributes, internal: {} }, current!.version);
  };

  /** Every substring, prefix and equality filter on the four indexed paths answers what the stored attributes say. */
  const expectExactFilters = async (literals: readonly string[]) => {
    const stored = await Promise.all(['u-ann', 'u-bob'].map(async (id) => ({ id, attributes: (await store.resources.get(TENANT, 'User', id))!.attributes })));
    const filters: [string, FilterAst][] = [];
    for (const path of ['userName', 'emails.value', 'externalId', 'displayName']) {
      for (const literal of literals) {
        filters.push([`${path} co "${literal}"`, users.co(path, literal)], [`${path} sw "${literal}"`, users.sw(path, literal)], [`${path} ew "${literal}"`, users.ew(path, literal)]);
        filters.push([`${path} eq "${literal}"`, users.eq(path, literal)]);
      }
    }
    let matched = 0;
    for (const [name, filter] of filters) {
      const listed = await store.resources.list(TENANT, { resourceType: 'User', filter, page: { kind: 'index', startIndex: 1, count: 100 } });
      const expected = stored.filter((resource) => evaluateFilter(filter, resource)).map((resource) => resource.id);
      expect({ name, ids: listed.resources.map((resource) => resource.id).sort() }).toEqual({ name, ids: expected.sort() });
      matched += expected.length;
    }
    // The literals select something, so that no filter passes by selecting nothing at all.
    expect(matched).toBeGreaterThan(0);
  };
  const LITERALS = ['ann', 'ANN.L', 'example.com', 'example.net', 'lee@', 'ext-ann-7', 'Lee', 'bob@example.org', 'roe', 'ann lee'];

  it('a replace of attributes without indexed values writes no trigram row', async () => {
    const before = textRows('u-ann');
    expect(Object.keys(before).sort()).toEqual(['displayName', 'emails.value', 'externalId', 'userName']);
    await replace('u-ann', { ...ann, title: 'Head Nurse', active: false, nickName: 'Annie' });
    expect(textRows('u-ann')).toEqual(before);
    await expectExactFilters(LITERALS);
  });

  it('a replace of one indexed value writes that value alone; co, sw, ew and eq stay exact for all', async () => {
    const before = textRows('u-ann');
    await replace('u-ann', { ...ann, emails: [{ value: 'ann.lee@example.net', type: 'work', primary: true }] });
    const after = textRows('u-ann');
    for (const path of ['displayName', 'externalId', 'userName']) expect({ path, row: after[path] }).toEqual({ path, row: before[path] });
    expect(after['emails.value'].value).toBe('ann.lee@example.net');
    expect(after['emails.value'].id).not.toBe(before['emails.value'].id);
    // The old address is gone from the index's answers, the new one is found.
    const found = async (filter: FilterAst) =>
      (await store.resources.list(TENANT, { resourceType: 'User', filter, page: { kind: 'index', startIndex: 1, count: 100 } })).resources.map((resource) => resource.id);
    expect(await found(users.co('emails.value', 'example.com'))).toEqual([]);
    expect(await found(users.co('emails.value', 'example.net'))).toEqual(['u-ann']);
    expect(textRows('u-bob')).toMatchObject({ 'emails.value': { value: 'bob@example.org' } });
    await expectExactFilters(LITERALS);
  });
});
