// The one contract every store must pass (ARCHITECTURE "Store notes"): CRUD, tenant isolation, uniqueness, versions,
// paging, sorting, filtering (against the in-memory evaluator as oracle) and tenants/tokens. A store's test file
// calls describeStoreContract with a factory; nothing here knows which database is underneath.
import { versionToETag } from '../../src/scim/etag';
import { evaluateFilter } from '../../src/scim/filter/evaluate-filter';
import type { FilterAst } from '../../src/scim/filter/filter-ast';
import { parseFilter } from '../../src/scim/filter/parse-filter';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import type { ScimAttributes } from '../../src/scim/schema/attribute';
import { updateInternalWithRetry } from '../../src/resources/update-internal';
import { GET_MANY_BATCH, type KeysetPosition, type NewResource, type ResourceStore, type StoredResource, type StoreQuery, type StoreSort } from '../../src/store/resource-store';
import { StoreError } from '../../src/store/store-error';
import type { Store, Tenant, TokenRecord } from '../../src/store/tenant-store';
import { filterCases, filterFixtureUsers } from '../fixtures/filter-cases';
import { tokenContext } from '../helpers/request-context';
import { filterAstCases } from './filter-ast-cases';
import { filterBuilder, type FilterBuilder } from './filter-builder';

export interface StoreUnderTest {
  readonly store: Store;
  cleanup(): Promise<void>;
  /**
   * Looks under the port, at every table or collection the store has: how many rows or documents still belong to
   * the tenant, by table or collection (zeros left out). Catches tenant-scoped data a later feature adds and the
   * tenant deletion misses.
   */
  remainingOf?(tenantId: string): Promise<Record<string, number>>;
  /**
   * Rows (documents) the store has inserted, updated or deleted since it was opened, counted beside the store rather
   * than by it: SQLite's total_changes(), the write results of the MongoDB collections. The membership contract
   * checks with it that a change to a large group is a delta.
   */
  rowsWritten?(): Promise<number>;
}

const registry = loadBuiltinRegistry();
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** The product's User extension: `state` is x-indexed; `lastSignIn` (x-indexed) and `failedSignIns` are x-unversioned. */
const LIFECYCLE = 'urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User';
const T0 = '2024-05-01T00:00:00.000Z';

let sequence = 0;
/** Distinct, increasing timestamps, so that tests never depend on the clock. */
function nextInstant(): string {
  sequence += 1;
  return new Date(Date.parse(T0) + sequence * 1000).toISOString();
}

function newUser(id: string, attributes: ScimAttributes, created = nextInstant()): NewResource {
  return { resourceType: 'User', id, created, attributes, internal: {} };
}

function newGroup(id: string, attributes: ScimAttributes): NewResource {
  return { resourceType: 'Group', id, created: nextInstant(), attributes, internal: {} };
}

const ids = (resources: readonly StoredResource[]) => resources.map((resource) => resource.id);
const sortedIds = (values: readonly string[]) => [...values].sort();
const listAll = (query: Omit<StoreQuery, 'page'>): StoreQuery => ({ ...query, page: { kind: 'index', startIndex: 1, count: 1000 } });

async function expectStoreError(promise: Promise<unknown>, code: StoreError['code'], attribute?: string): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).code).toBe(code);
  if (attribute !== undefined) expect((error as StoreError).attribute).toBe(attribute);
  return error as StoreError;
}

/** Walks every keyset page, doing `between` after each page; returns the pages' ids. */
async function walkKeyset(
  resources: ResourceStore,
  tenantId: string,
  query: Omit<StoreQuery, 'page'>,
  count: number,
  between: (pageNumber: number) => Promise<void> = async () => undefined,
): Promise<string[][]> {
  const pages: string[][] = [];
  let after: KeysetPosition | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const result = await resources.list(tenantId, { ...query, page: { kind: 'keyset', after, count } });
    pages.push(ids(result.resources));
    if (!result.next) return pages;
    expect(result.resources).toHaveLength(count);
    expect(result.next.id).toBe(result.resources[result.resources.length - 1].id);
    after = result.next;
    await between(pages.length);
  }
  throw new Error('keyset walk did not end');
}

/** Blob content, as the blob port takes it. */
async function* chunksOf(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text, 'utf8');
}

export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name}: store contract`, () => {
    let subject: StoreUnderTest;
    let resources: ResourceStore;
    const users = filterBuilder(registry, 'User');
    const sortBy = (path: string, descending = false): StoreSort => ({ path: users.path(path), descending });

    beforeEach(async () => {
      subject = await makeStore();
      resources = subject.store.resources;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    describe('create, get, replace, delete', () => {
      it('creates at version 1 with lastModified = created, and reads back what it stored', async () => {
        const attributes = {
          userName: 'bjensen',
          name: { givenName: 'Barbara', familyName: 'Jensen' },
          emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
          [ENTERPRISE]: { department: 'Tour Operations', manager: { value: 'u-2' } },
          displayName: 'Zoë \u{1F600} "quoted" \\ back',
        };
        const created = await resources.create('t1', { resourceType: 'User', id: 'u-1', created: T0, attributes, internal: { passwordHash: 'h1' } });
        expect(created).toEqual({ resourceType: 'User', id: 'u-1', version: 1, created: T0, lastModified: T0, attributes, internal: { passwordHash: 'h1' }, unversioned: { revision: 0, values: {} } });
        expect(await resources.get('t1', 'User', 'u-1')).toEqual(created);
      });

      it('finds values by substring as they are now: not the value a replace removed, not a deleted resource', async () => {
        const found = async (filter: FilterAst) => ids((await resources.list('t1', listAll({ resourceType: 'User', filter }))).resources);
        await resources.create('t1', newUser('u-1', { userName: 'dana', emails: [{ value: 'first.value@example.com' }] }));
        await resources.create('t1', newUser('u-2', { userName: 'fox', emails: [{ value: 'other@example.com' }] }));
        expect(await found(users.co('emails.value', 'FIRST.VAL'))).toEqual(['u-1']);
        await resources.replace('t1', 'User', 'u-1', { lastModified: T0, attributes: { userName: 'dana', emails: [{ value: 'second.value@example.com' }] }, internal: {} });
        expect(await found(users.co('emails.value', 'first.val'))).toEqual([]);
        expect(await found(users.ew('emails.value', 'st.value@example.com'))).toEqual([]);
        expect(await found(users.co('emails.value', 'second.val'))).toEqual(['u-1']);
        await resources.delete('t1', 'User', 'u-1');
        expect(await found(users.co('emails.value', 'second.val'))).toEqual([]);
        expect(await found(users.co('emails.value', 'other@'))).toEqual(['u-2']);
      });

      it('answers startIndex pages exactly while rows before them are created, deleted and replaced', async () => {
        for (let i = 0; i < 40; i++) await resources.create('t1', newUser(`u-${String(i).padStart(2, '0')}`, { userName: `user${i}` }));
        const page = async (startIndex: number) => ids((await resources.list('t1', { resourceType: 'User', page: { kind: 'index', startIndex, count: 5 } })).resources);
        const everything = async () => ids((await resources.list('t1', listAll({ resourceType: 'User' }))).resources);
        const expected = async (startIndex: number) => (await everything()).slice(startIndex - 1, startIndex + 4);
        // Walking forward, as an import does (the embedded store remembers where each page started and ended).
        for (let startIndex = 1; startIndex <= 36; startIndex += 5) expect(await page(startIndex)).toEqual(await expected(startIndex));
        await resources.delete('t1', 'User', 'u-03');
        expect(await page(21)).toEqual(await expected(21));
        expect(await page(22)).toEqual(['u-22', 'u-23', 'u-24', 'u-25', 'u-26']);
        await resources.create('t1', newUser('u-00a', { userName: 'early' }));
        expect(await page(23)).toEqual(await expected(23));
        expect(await page(23)).toEqual(['u-22', 'u-23', 'u-24', 'u-25', 'u-26']);
        await resources.replace('t1', 'User', 'u-10', { lastModified: T0, attributes: { userName: 'renamed' }, internal: {} });
        for (const startIndex of [12, 30, 38, 41]) expect(await page(startIndex)).toEqual(await expected(startIndex));
      });

      it('answers null for an unknown id and for another resource type', async () => {
        await resources.create('t1', newUser('u-1', { userName: 'a' }));
        expect(await resources.get('t1', 'User', 'nope')).toBeNull();
        expect(await resources.get('t1', 'Group', 'u-1')).toBeNull();
      });

      it('replaces attributes and internal state, bumps the version by one and keeps created', async () => {
        const first = await resources.create('t1', newUser('u-1', { userName: 'a', title: 'old' }));
        const second = await resources.replace('t1', 'User', 'u-1', { lastModified: '2030-01-01T00:00:00.000Z', attributes: { userName: 'a' }, internal: { x: 1 } });
        expect(second).toEqual({
          resourceType: 'User',
          id: 'u-1',
          version: 2,
          created: first.created,
          lastModified: '2030-01-01T00:00:00.000Z',
          attributes: { userName: 'a' },
          internal: { x: 1 },
          unversioned: { revision: 0, values: {} },
        });
        expect(await resources.get('t1', 'User', 'u-1')).toEqual(second);
        const third = await resources.replace('t1', 'User', 'u-1', { lastModified: '2030-01-02T00:00:00.000Z', attributes: { userName: 'b' }, internal: {} });
        expect(third.version).toBe(3);
      });

      it('deletes, after which the resource is gone and a second delete is not_found', async () => {
        await resources.create('t1', newUser('u-1', { userName: 'a' }));
        await resources.delete('t1', 'User', 'u-1');
        expect(await resources.get('t1', 'User', 'u-1')).toBeNull();
        await expectStoreError(resources.delete('t1', 'User', 'u-1'), 'not_found');
      });

      it('reports not_found when replacing an unknown resource', async () => {
        await expectStoreError(resources.replace('t1', 'User', 'nope', { lastModified: T0, attributes: { userName: 'x' }, internal: {} }), 'not_found');
      });

      it('refuses a second resource with the same id (conflict on id), leaving the first as it was', async () => {
        const first = await resources.create('t1', newUser('u-1', { userName: 'a' }));
        await expectStoreError(resources.create('t1', newUser('u-1', { userName: 'b' })), 'conflict', 'id');
        expect(await resources.get('t1', 'User', 'u-1')).toEqual(first);
        expect((await resources.list('t1', listAll({ resourceType: 'User', filter: users.eq('userName', 'b') }))).totalResults).toBe(0);
      });

      it('does not share state between the objects it returns and the ones it was given', async () => {
        const attributes = { userName: 'a', emails: [{ value: 'a@example.com' }] };
        const created = await resources.create('t1', newUser('u-1', attributes));
        (attributes.emails[0] as { value: string }).value = 'changed@example.com';
        (created.attributes.emails as { value: string }[])[0].value = 'changed too';
        expect((await resources.get('t1', 'User', 'u-1'))!.attributes.emails).toEqual([{ value: 'a@example.com' }]);
      });
    });

    describe('createMany (batched creates)', () => {
      it('creates every item at version 1 and answers one result per item, in order', async () => {
        const batch = [newUser('u-1', { userName: 'one' }), newGroup('g-1', { displayName: 'G' }), newUser('u-2', { userName: 'two', emails: [{ value: 'two@example.com' }] })];
        const results = await resources.createMany('t1', batch);
        expect(results).toHaveLength(3);
        results.forEach((result, i) => {
          expect(result).toEqual({ ...batch[i], version: 1, lastModified: batch[i].created, unversioned: { revision: 0, values: {} } });
          expect(result).not.toBeInstanceOf(StoreError);
        });
        expect(await resources.get('t1', 'Group', 'g-1')).toEqual(results[1]);
        expect(ids((await resources.list('t1', listAll({ resourceType: 'User', filter: users.eq('emails.value', 'TWO@example.com') }))).resources)).toEqual(['u-2']);
      });

      it('answers a conflict for the items that clash (with stored rows or earlier items), writing the others', async () => {
        await resources.create('t1', newUser('u-0', { userName: 'taken' }));
        const results = await resources.createMany('t1', [
          newUser('u-1', { userName: 'fresh', emails: [{ value: 'fresh@example.com' }] }),
          newUser('u-2', { userName: 'TAKEN', emails: [{ value: 'ghost@example.com' }] }),
          newUser('u-3', { userName: 'Fresh' }),
          newUser('u-0', { userName: 'other' }),
          newUser('u-4', { userName: 'last' }),
        ]);
        expect(results.map((result) => (result instanceof StoreError ? `${result.code}:${result.attribute}` : result.id))).toEqual([
          'u-1',
          'conflict:userName',
          'conflict:userName',
          'conflict:id',
          'u-4',
        ]);
        // A refused item leaves nothing behind: no row, no indexed value.
        expect(await resources.get('t1', 'User', 'u-2')).toBeNull();
        expect(await resources.get('t1', 'User', 'u-3')).toBeNull();
        expect(await resources.get('t1', 'User', 'u-0')).toMatchObject({ attributes: { userName: 'taken' } });
        expect((await resources.list('t1', listAll({ resourceType: 'User', filter: users.eq('emails.value', 'ghost@example.com') }))).totalResults).toBe(0);
        expect(sortedIds(ids((await resources.list('t1', listAll({ resourceType: 'User' }))).resources))).toEqual(['u-0', 'u-1', 'u-4']);
      });

      it('writes into the given tenant only, and accepts an empty batch', async () => {
        await resources.create('tenant-a', newUser('u-1', { userName: 'alice' }));
        const results = await resources.createMany('tenant-b', [newUser('u-1', { userName: 'alice' })]);
        expect(results[0]).toMatchObject({ id: 'u-1', version: 1 });
        expect((await resources.list('tenant-a', listAll({ resourceType: 'User' }))).totalResults).toBe(1);
        expect(await resources.createMany('t1', [])).toEqual([]);
      });
    });

    describe('tenant isolation', () => {
      beforeEach(async () => {
        await resources.create('tenant-a', newUser('u-1', { userName: 'alice', emails: [{ value: 'alice@example.com' }] }));
      });

      it('tenant B cannot get, list, filter or count tenant A rows', async () => {
        expect(await resources.get('tenant-b', 'User', 'u-1')).toBeNull();
        const listed = await resources.list('tenant-b', listAll({ resourceType: 'User' }));
        expect(listed).toEqual({ resources: [], totalResults: 0 });
        for (const filter of [users.eq('userName', 'alice'), users.eq('emails.value', 'alice@example.com'), users.eq('id', 'u-1'), users.pr('userName')]) {
          expect((await resources.list('tenant-b', listAll({ resourceType: 'User', filter }))).totalResults).toBe(0);
        }
        const keyset = await resources.list('tenant-b', { resourceType: 'User', page: { kind: 'keyset', count: 10 } });
        expect(keyset.resources).toEqual([]);
      });

      it('tenant B cannot replace or delete tenant A rows, with or without a version', async () => {
        const replacement = { lastModified: T0, attributes: { userName: 'mallory' }, internal: {} };
        await expectStoreError(resources.replace('tenant-b', 'User', 'u-1', replacement), 'not_found');
        await expectStoreError(resources.replace('tenant-b', 'User', 'u-1', replacement, 1), 'not_found');
        await expectStoreError(resources.delete('tenant-b', 'User', 'u-1'), 'not_found');
        await expectStoreError(resources.delete('tenant-b', 'User', 'u-1', 1), 'not_found');
        const row = await resources.get('tenant-a', 'User', 'u-1');
        expect(row).toMatchObject({ version: 1, attributes: { userName: 'alice' } });
      });

      it('lets two tenants hold the same id and the same unique values independently', async () => {
        await resources.create('tenant-b', newUser('u-1', { userName: 'ALICE', emails: [{ value: 'alice@example.com' }] }));
        await resources.replace('tenant-b', 'User', 'u-1', { lastModified: T0, attributes: { userName: 'alice' }, internal: {} });
        await resources.delete('tenant-b', 'User', 'u-1');
        expect(await resources.get('tenant-a', 'User', 'u-1')).toMatchObject({ version: 1, attributes: { userName: 'alice' } });
      });
    });

    describe('the same values in two tenants', () => {
      // Both tenants hold the same ids and the same values, assigned crosswise (u-1 is alice in A and bob in B), and
      // each has a value the other lacks. A lookup that reads another tenant's rows anywhere (an index subquery, a
      // membership join) then answers with the wrong row of the right tenant, which only a comparison with that
      // tenant's own rows shows.
      const groups = filterBuilder(registry, 'Group');
      const userRows: Record<'tenant-a' | 'tenant-b', [string, ScimAttributes][]> = {
        'tenant-a': [
          ['u-1', { userName: 'alice', externalId: 'ext-alice', displayName: 'Alice Anders', emails: [{ value: 'alice@example.com', type: 'work' }] }],
          ['u-2', { userName: 'bob', externalId: 'ext-bob', displayName: 'Bob Berg', emails: [{ value: 'bob@example.com', type: 'work' }] }],
          ['u-3', { userName: 'carol', externalId: 'ext-carol', displayName: 'Carol Cole', emails: [{ value: 'carol@example.com', type: 'work' }] }],
        ],
        'tenant-b': [
          ['u-1', { userName: 'bob', externalId: 'ext-bob', displayName: 'Bob Berg', emails: [{ value: 'bob@example.com', type: 'work' }] }],
          ['u-2', { userName: 'alice', externalId: 'ext-alice', displayName: 'Alice Anders', emails: [{ value: 'alice@example.com', type: 'work' }] }],
          ['u-4', { userName: 'dave', externalId: 'ext-dave', displayName: 'Dave Dunn', emails: [{ value: 'dave@example.com', type: 'work' }] }],
        ],
      };
      const groupRows: Record<'tenant-a' | 'tenant-b', [string, string, string[]][]> = {
        'tenant-a': [
          ['g-1', 'Admins', ['u-1']],
          ['g-2', 'Staff', ['u-2', 'u-3']],
        ],
        'tenant-b': [
          ['g-1', 'Staff', ['u-2']],
          ['g-2', 'Admins', ['u-1', 'u-4']],
        ],
      };
      const tenants = ['tenant-a', 'tenant-b'] as const;

      beforeEach(async () => {
        for (const tenant of tenants) {
          for (const [id, attributes] of userRows[tenant]) await resources.create(tenant, newUser(id, attributes));
          for (const [id, displayName, members] of groupRows[tenant]) {
            await resources.create(tenant, newGroup(id, { displayName }));
            await subject.store.memberships.add(tenant, id, members.map((value) => ({ value, type: 'User' as const, display: `member ${value}` })));
          }
        }
      });

      /** The ids of the tenant's own rows that satisfy the filter, as the in-memory evaluator sees them. */
      const ownRows = async (tenant: string, resourceType: 'User' | 'Group', filter: FilterAst): Promise<string[]> => {
        if (resourceType === 'Group') {
          // Members live in the membership relation, not in the stored attributes: evaluate against both.
          const rows = groupRows[tenant as keyof typeof groupRows];
          return rows
            .filter(([id, displayName, members]) =>
              evaluateFilter(filter, { id, attributes: { displayName, members: members.map((value) => ({ value, type: 'User', display: `member ${value}` })) } }),
            )
            .map(([id]) => id)
            .sort();
        }
        return userRows[tenant as keyof typeof userRows]
          .filter(([id, attributes]) => evaluateFilter(filter, { id, attributes }))
          .map(([id]) => id)
          .sort();
      };

      const userFilters: [string, FilterAst][] = [];
      for (const value of ['alice', 'bob', 'carol', 'dave']) {
        userFilters.push([`userName eq "${value}"`, users.eq('userName', value)]);
        userFilters.push([`emails.value eq "${value}@example.com"`, users.eq('emails.value', `${value.toUpperCase()}@example.com`)]);
        userFilters.push([`externalId eq "ext-${value}"`, users.eq('externalId', `ext-${value}`)]);
        userFilters.push([`displayName sw "${value.slice(0, 3)}"`, users.sw('displayName', value.slice(0, 3))]);
        userFilters.push([`userName sw "${value.slice(0, 2)}"`, users.sw('userName', value.slice(0, 2))]);
        userFilters.push([`emails.value sw "${value}@"`, users.sw('emails.value', `${value}@`)]);
        userFilters.push([`externalId sw "ext-${value[0]}"`, users.sw('externalId', `ext-${value[0]}`)]);
        userFilters.push([`userName co "${value.slice(1, 4)}"`, users.co('userName', value.slice(1, 4))]);
        userFilters.push([`emails.value co "${value}@ex"`, users.co('emails.value', `${value.toUpperCase()}@ex`)]);
        userFilters.push([`externalId ew "-${value}"`, users.ew('externalId', `-${value}`)]);
        userFilters.push([`emails[type eq "work" and value co "${value}"]`, users.where('emails', (e) => e.and(e.eq('type', 'work'), e.co('value', value)))]);
      }

      it.each(userFilters)('Users %s: each tenant finds its own rows only', async (_name, filter) => {
        // Every filter selects something somewhere, so that no case passes by selecting nothing at all.
        expect([...(await ownRows('tenant-a', 'User', filter)), ...(await ownRows('tenant-b', 'User', filter))]).not.toEqual([]);
        for (const tenant of tenants) {
          const listed = await resources.list(tenant, listAll({ resourceType: 'User', filter }));
          const expected = await ownRows(tenant, 'User', filter);
          expect({ tenant, ids: sortedIds(ids(listed.resources)) }).toEqual({ tenant, ids: expected });
          expect({ tenant, total: listed.totalResults }).toEqual({ tenant, total: expected.length });
          // What came back is the tenant's own version of each row.
          const own = new Map(userRows[tenant]);
          for (const row of listed.resources) expect(row.attributes).toEqual(own.get(row.id));
        }
      });

      const groupFilters: [string, FilterAst][] = [];
      for (const member of ['u-1', 'u-2', 'u-3', 'u-4']) {
        groupFilters.push([`members.value eq "${member}"`, groups.eq('members.value', member)]);
        groupFilters.push([`members[value eq "${member}"]`, groups.where('members', (m) => m.eq('value', member))]);
        groupFilters.push([`members.value sw "${member}"`, groups.sw('members.value', member)]);
        groupFilters.push([`members.display co "${member}"`, groups.co('members.display', member)]);
        groupFilters.push([`members[type eq "User" and value eq "${member}"]`, groups.where('members', (m) => m.and(m.eq('type', 'User'), m.eq('value', member)))]);
      }
      for (const name of ['Admins', 'Staff']) {
        groupFilters.push([`displayName eq "${name}"`, groups.eq('displayName', name.toLowerCase())]);
        groupFilters.push([`displayName sw "${name.slice(0, 2)}"`, groups.sw('displayName', name.slice(0, 2))]);
        groupFilters.push([`displayName co "${name.slice(2)}"`, groups.co('displayName', name.slice(2))]);
      }

      it.each(groupFilters)('Groups %s: each tenant finds its own rows only', async (_name, filter) => {
        expect([...(await ownRows('tenant-a', 'Group', filter)), ...(await ownRows('tenant-b', 'Group', filter))]).not.toEqual([]);
        for (const tenant of tenants) {
          const listed = await resources.list(tenant, listAll({ resourceType: 'Group', filter }));
          const expected = await ownRows(tenant, 'Group', filter);
          expect({ tenant, ids: sortedIds(ids(listed.resources)) }).toEqual({ tenant, ids: expected });
          expect({ tenant, total: listed.totalResults }).toEqual({ tenant, total: expected.length });
        }
      });

      it('reads, replaces and deletes one tenant\'s row by an id both tenants use, leaving the other', async () => {
        expect(await resources.get('tenant-b', 'User', 'u-1')).toMatchObject({ attributes: { userName: 'bob' } });
        await resources.replace('tenant-b', 'User', 'u-1', { lastModified: T0, attributes: { userName: 'bob', title: 'changed' }, internal: {} }, 1);
        await resources.delete('tenant-b', 'User', 'u-2', 1);
        expect(await resources.get('tenant-a', 'User', 'u-1')).toMatchObject({ version: 1, attributes: userRows['tenant-a'][0][1] });
        expect(await resources.get('tenant-a', 'User', 'u-2')).toMatchObject({ version: 1, attributes: userRows['tenant-a'][1][1] });
        expect(ids((await resources.list('tenant-a', listAll({ resourceType: 'User', filter: users.eq('userName', 'alice') }))).resources)).toEqual(['u-1']);
      });
    });

    describe('uniqueness', () => {
      it('refuses a userName that differs only in case, naming the attribute', async () => {
        await resources.create('t1', newUser('u-1', { userName: 'BJensen' }));
        const error = await expectStoreError(resources.create('t1', newUser('u-2', { userName: 'bjensen' })), 'conflict', 'userName');
        expect(error.message).not.toContain('bjensen');
        expect(await resources.get('t1', 'User', 'u-2')).toBeNull();
      });

      it('folds Unicode: composed and decomposed forms and non-ASCII case are the same userName', async () => {
        await resources.create('t1', newUser('u-1', { userName: 'Zoë' }));
        await expectStoreError(resources.create('t1', newUser('u-2', { userName: 'ZOË' })), 'conflict', 'userName');
        await expectStoreError(resources.create('t1', newUser('u-3', { userName: 'Zoe\u0308' })), 'conflict', 'userName');
      });

      it('does not treat other attributes or other resource types as the same value', async () => {
        const written = [
          await resources.create('t1', newUser('u-1', { userName: 'ops', displayName: 'Ops' })),
          await resources.create('t1', newUser('u-2', { userName: 'ops2', displayName: 'Ops', nickName: 'ops' })),
          await resources.create('t1', newGroup('g-1', { displayName: 'ops' })),
        ];
        for (const resource of written) expect(await resources.get('t1', resource.resourceType, resource.id)).toEqual(resource);
        expect(ids((await resources.list('t1', listAll({ resourceType: 'User', filter: users.eq('displayName', 'OPS') }))).resources).sort()).toEqual(['u-1', 'u-2']);
      });

      it('enforces Group displayName uniqueness (declared server-unique), case-insensitively', async () => {
        await resources.create('t1', newGroup('g-1', { displayName: 'Admins' }));
        await expectStoreError(resources.create('t1', newGroup('g-2', { displayName: 'ADMINS' })), 'conflict', 'displayName');
      });

      it('refuses a replace onto a taken userName and leaves the resource unchanged', async () => {
        await resources.create('t1', newUser('u-1', { userName: 'one', emails: [{ value: 'one@example.com' }] }));
        const two = await resources.create('t1', newUser('u-2', { userName: 'two', emails: [{ value: 'two@example.com' }] }));
        await expectStoreError(
          resources.replace('t1', 'User', 'u-2', { lastModified: T0, attributes: { userName: 'ONE', emails: [{ value: 'new@example.com' }] }, internal: {} }),
          'conflict',
          'userName',
        );
        expect(await resources.get('t1', 'User', 'u-2')).toEqual(two);
        // The failed write left no trace in the lookups either.
        const byEmail = (value: string) => resources.list('t1', listAll({ resourceType: 'User', filter: users.eq('emails.value', value) }));
        expect(ids((await byEmail('two@example.com')).resources)).toEqual(['u-2']);
        expect((await byEmail('new@example.com')).totalResults).toBe(0);
      });

      it('lets a resource keep or re-case its own userName', async () => {
        await resources.create('t1', newUser('u-1', { userName: 'keep' }));
        await resources.replace('t1', 'User', 'u-1', { lastModified: T0, attributes: { userName: 'keep', title: 'x' }, internal: {} });
        const recased = await resources.replace('t1', 'User', 'u-1', { lastModified: T0, attributes: { userName: 'KEEP' }, internal: {} });
        expect(recased.attributes.userName).toBe('KEEP');
      });

      it('frees a userName when its holder is deleted or renamed', async () => {
        const byUserName = async (userName: string) => ids((await resources.list('t1', listAll({ resourceType: 'User', filter: users.eq('userName', userName) }))).resources);
        await resources.create('t1', newUser('u-1', { userName: 'free' }));
        await resources.delete('t1', 'User', 'u-1');
        expect(await byUserName('free')).toEqual([]);
        await resources.create('t1', newUser('u-2', { userName: 'FREE' }));
        expect(await byUserName('free')).toEqual(['u-2']);
        await resources.replace('t1', 'User', 'u-2', { lastModified: T0, attributes: { userName: 'other' }, internal: {} });
        expect(await byUserName('free')).toEqual([]);
        await resources.create('t1', newUser('u-3', { userName: 'free' }));
        expect(await byUserName('free')).toEqual(['u-3']);
        expect(await byUserName('other')).toEqual(['u-2']);
        expect(await resources.get('t1', 'User', 'u-3')).toMatchObject({ version: 1, attributes: { userName: 'free' } });
        // The renamed holder cannot take its old name back while u-3 holds it.
        await expectStoreError(resources.replace('t1', 'User', 'u-2', { lastModified: T0, attributes: { userName: 'Free' }, internal: {} }), 'conflict', 'userName');
      });

      it('lets exactly one of many concurrent creates of one userName win', async () => {
        const spellings = ['race', 'RACE', 'Race', 'rAce', 'raCe', 'racE', 'RAce', 'raCE'];
        const outcomes = await Promise.allSettled(spellings.map((userName, i) => resources.create('t1', newUser(`u-${i}`, { userName }))));
        const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const lost = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        expect(won).toHaveLength(1);
        for (const outcome of lost) expect(outcome.reason).toMatchObject({ code: 'conflict', attribute: 'userName' });
        expect((await resources.list('t1', listAll({ resourceType: 'User' }))).totalResults).toBe(1);
      });

      it('treats an empty value as unassigned, never as a taken value', async () => {
        const first = await resources.create('t1', newGroup('g-1', { displayName: '' }));
        const second = await resources.create('t1', newGroup('g-2', { displayName: '' }));
        expect(await resources.get('t1', 'Group', 'g-1')).toEqual(first);
        expect(await resources.get('t1', 'Group', 'g-2')).toEqual(second);
        const groups = filterBuilder(registry, 'Group');
        expect((await resources.list('t1', listAll({ resourceType: 'Group', filter: groups.pr('displayName') }))).totalResults).toBe(0);
        expect(ids((await resources.list('t1', listAll({ resourceType: 'Group' }))).resources)).toEqual(['g-1', 'g-2']);
      });
    });

    describe('versions (compare-and-set)', () => {
      const change = (title: string) => ({ lastModified: T0, attributes: { userName: 'v', title }, internal: {} });

      it('replaces when the expected version is current and refuses a stale one', async () => {
        await resources.create('t1', newUser('u-1', { userName: 'v' }));
        expect((await resources.replace('t1', 'User', 'u-1', change('a'), 1)).version).toBe(2);
        await expectStoreError(resources.replace('t1', 'User', 'u-1', change('b'), 1), 'version_mismatch');
        expect(await resources.get('t1', 'User', 'u-1')).toMatchObject({ version: 2, attributes: { title: 'a' } });
      });

      it('tells not_found from version_mismatch', async () => {
        await expectStoreError(resources.replace('t1', 'User', 'nope', change('a'), 1), 'not_found');
        await expectStoreError(resources.delete('t1', 'User', 'nope', 1), 'not_found');
      });

      it('deletes only at the expected version', async () => {
        await resources.create('t1', newUser('u-1', { userName: 'v' }));
        await resources.replace('t1', 'User', 'u-1', change('a'));
        await expectStoreError(resources.delete('t1', 'User', 'u-1', 1), 'version_mismatch');
        expect(await resources.get('t1', 'User', 'u-1')).not.toBeNull();
        await resources.delete('t1', 'User', 'u-1', 2);
        expect(await resources.get('t1', 'User', 'u-1')).toBeNull();
      });

      it('lets exactly one of concurrent replaces at the same version win', async () => {
        await resources.create('t1', newUser('u-1', { userName: 'v' }));
        const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd'].map((title) => resources.replace('t1', 'User', 'u-1', change(title), 1)));
        const won = outcomes.filter((outcome): outcome is PromiseFulfilledResult<StoredResource> => outcome.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'version_mismatch' });
        expect(await resources.get('t1', 'User', 'u-1')).toMatchObject({ version: 2, attributes: { title: won[0].value.attributes.title } });
      });
    });

    describe('getMany (batched reads by id)', () => {
      it('answers the resources among the ids that exist in this tenant and type, each once', async () => {
        await resources.createMany('t1', [newUser('u-1', { userName: 'one' }), newUser('u-2', { userName: 'two' }), newGroup('g-1', { displayName: 'G' })]);
        await resources.create('t2', newUser('u-3', { userName: 'three' }));
        const found = await resources.getMany('t1', 'User', ['u-2', 'nope', 'u-1', 'g-1', 'u-3', 'u-2']);
        expect(sortedIds(ids(found))).toEqual(['u-1', 'u-2']);
        expect(found.find((resource) => resource.id === 'u-1')).toEqual(await resources.get('t1', 'User', 'u-1'));
        expect(ids(await resources.getMany('t1', 'Group', ['u-1', 'g-1']))).toEqual(['g-1']);
        expect(await resources.getMany('t1', 'User', [])).toEqual([]);
        // One id (asked once or more): the same answer as the batch form, within the tenant and type.
        expect(await resources.getMany('t1', 'User', ['u-1', 'u-1'])).toEqual([await resources.get('t1', 'User', 'u-1')]);
        expect(await resources.getMany('t1', 'Group', ['u-1'])).toEqual([]);
        expect(await resources.getMany('t2', 'User', ['u-1'])).toEqual([]);
        expect(await resources.getMany('t1', 'User', ['nope'])).toEqual([]);
      });

      it('reads more ids than one batch holds', async () => {
        const many = Array.from({ length: GET_MANY_BATCH + 7 }, (_, i) => newUser(`u-${String(i).padStart(4, '0')}`, { userName: `user${i}` }));
        await resources.createMany('t1', many);
        const wanted = [...many.map((resource) => resource.id), 'missing-1'].reverse();
        expect(sortedIds(ids(await resources.getMany('t1', 'User', wanted)))).toEqual(sortedIds(many.map((resource) => resource.id)));
      });
    });

    describe('scan (count-free keyset walk)', () => {
      it('walks every resource of a type once, in id order, page by page, within the tenant', async () => {
        await resources.createMany('t1', ['u-5', 'u-1', 'u-4', 'u-2', 'u-3'].map((id) => newUser(id, { userName: id })));
        await resources.create('t1', newGroup('g-1', { displayName: 'G' }));
        await resources.create('t2', newUser('u-0', { userName: 'other tenant' }));
        const first = await resources.scan('t1', 'User', { limit: 2 });
        expect(ids(first.resources)).toEqual(['u-1', 'u-2']);
        expect(first.next).toBe('u-2');
        expect(first.resources[0]).toEqual(await resources.get('t1', 'User', 'u-1'));
        const second = await resources.scan('t1', 'User', { after: first.next, limit: 2 });
        expect(ids(second.resources)).toEqual(['u-3', 'u-4']);
        const last = await resources.scan('t1', 'User', { after: second.next, limit: 2 });
        expect(ids(last.resources)).toEqual(['u-5']);
        expect(last.next).toBeUndefined();
      });

      it('says no next page when a page ends exactly at the last resource, and answers empty types and limit 0', async () => {
        await resources.createMany('t1', ['u-1', 'u-2'].map((id) => newUser(id, { userName: id })));
        expect(await resources.scan('t1', 'User', { limit: 2 })).toEqual({ resources: expect.any(Array) });
        expect((await resources.scan('t1', 'User', { limit: 2 })).resources).toHaveLength(2);
        expect(await resources.scan('t1', 'Group', { limit: 10 })).toEqual({ resources: [] });
        expect(await resources.scan('t1', 'User', { after: 'u-2', limit: 10 })).toEqual({ resources: [] });
        expect((await resources.scan('t1', 'User', { limit: 0 })).resources).toEqual([]);
      });

      it('sees every resource that exists throughout a walk while others are created and deleted', async () => {
        await resources.createMany('t1', Array.from({ length: 9 }, (_, i) => newUser(`u-${i + 1}`, { userName: `user${i + 1}` })));
        const seen: string[] = [];
        let after: string | undefined;
        for (let guard = 0; guard < 20; guard++) {
          const page = await resources.scan('t1', 'User', { after, limit: 3 });
          seen.push(...ids(page.resources));
          if (guard === 0) {
            await resources.delete('t1', 'User', 'u-7');
            await resources.create('t1', newUser('u-0', { userName: 'behind the walk' }));
          }
          if (!page.next) break;
          after = page.next;
        }
        expect(seen).toEqual(['u-1', 'u-2', 'u-3', 'u-4', 'u-5', 'u-6', 'u-8', 'u-9']);
      });
    });

    describe('updateInternal (unversioned state)', () => {
      it('writes the unversioned values without touching version, lastModified, attributes or internal state', async () => {
        const created = await resources.create('t1', { ...newUser('u-1', { userName: 'v', title: 'T' }), internal: { passwordHash: 'h' } });
        const updated = await resources.updateInternal('t1', 'User', 'u-1', { failedSignIns: 1, lastSignIn: '2030-01-01T00:00:00.000Z' });
        expect(updated).toEqual({ ...created, unversioned: { revision: 1, values: { failedSignIns: 1, lastSignIn: '2030-01-01T00:00:00.000Z' } } });
        expect(await resources.get('t1', 'User', 'u-1')).toEqual(updated);
        expect((await resources.getMany('t1', 'User', ['u-1']))[0]).toEqual(updated);
        expect((await resources.scan('t1', 'User', { limit: 1 })).resources[0]).toEqual(updated);
        expect((await resources.list('t1', listAll({ resourceType: 'User' }))).resources[0]).toEqual(updated);
      });

      it('is kept by replace, which neither reads nor resets it, and the version CAS ignores it', async () => {
        await resources.create('t1', newUser('u-1', { userName: 'v' }));
        await resources.updateInternal('t1', 'User', 'u-1', { failedSignIns: 2 });
        // A SCIM client read version 1 before the counter moved: its write still matches.
        const replaced = await resources.replace('t1', 'User', 'u-1', { lastModified: T0, attributes: { userName: 'v', title: 'x' }, internal: { a: 1 } }, 1);
        expect(replaced).toMatchObject({ version: 2, internal: { a: 1 }, unversioned: { revision: 1, values: { failedSignIns: 2 } } });
        expect(await resources.get('t1', 'User', 'u-1')).toEqual(replaced);
      });

      it('is a compare-and-set on the revision when one is given, and tells not_found from a stale revision', async () => {
        await resources.create('t1', newUser('u-1', { userName: 'v' }));
        expect((await resources.updateInternal('t1', 'User', 'u-1', { n: 1 }, 0)).unversioned).toEqual({ revision: 1, values: { n: 1 } });
        await expectStoreError(resources.updateInternal('t1', 'User', 'u-1', { n: 99 }, 0), 'version_mismatch');
        expect((await resources.updateInternal('t1', 'User', 'u-1', { n: 2 }, 1)).unversioned).toEqual({ revision: 2, values: { n: 2 } });
        await expectStoreError(resources.updateInternal('t1', 'User', 'nope', { n: 1 }, 0), 'not_found');
        await expectStoreError(resources.updateInternal('t1', 'User', 'nope', { n: 1 }), 'not_found');
        await expectStoreError(resources.updateInternal('t2', 'User', 'u-1', { n: 1 }), 'not_found');
        expect((await resources.get('t1', 'User', 'u-1'))?.unversioned).toEqual({ revision: 2, values: { n: 2 } });
      });

      it('lets exactly one of concurrent writes at one revision win', async () => {
        await resources.create('t1', newUser('u-1', { userName: 'v' }));
        const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => resources.updateInternal('t1', 'User', 'u-1', { n }, 0)));
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'version_mismatch' });
        expect((await resources.get('t1', 'User', 'u-1'))?.unversioned.revision).toBe(1);
      });

      it('50 parallel failed sign-ins at threshold 5 lock the account exactly once and lose no count', async () => {
        await resources.create('t1', newUser('u-1', { userName: 'v' }));
        const context = tokenContext('t1');
        const THRESHOLD = 5;
        const failures = await Promise.all(
          Array.from({ length: 50 }, () =>
            updateInternalWithRetry(resources, context, 'User', 'u-1', (current) => {
              const failed = Number(current.unversioned.values.failedSignIns ?? 0) + 1;
              return { ...current.unversioned.values, failedSignIns: failed, ...(failed === THRESHOLD ? { lockedBy: `attempt at revision ${current.unversioned.revision}` } : {}) };
            }),
          ),
        );
        const locks = failures.filter((outcome) => Number(outcome.resource.unversioned.values.failedSignIns) === THRESHOLD);
        expect(locks).toHaveLength(1);
        const stored = await resources.get('t1', 'User', 'u-1');
        expect(stored?.unversioned).toEqual({ revision: 50, values: { failedSignIns: 50, lockedBy: 'attempt at revision 4' } });
        expect(stored?.version).toBe(1);
      });
    });

    describe('unversioned attributes (x-unversioned: searchable, written by updateInternal only)', () => {
      /** Unversioned values holding the sign-in attributes, beside bookkeeping of the server's own. */
      const signIns = (lastSignIn: string | undefined, failedSignIns: number) => ({
        attributes: { [LIFECYCLE]: { ...(lastSignIn === undefined ? {} : { lastSignIn }), failedSignIns } },
        windowStart: T0,
      });
      const found = async (filter: FilterAst, tenantId = 't1') => sortedIds(ids((await resources.list(tenantId, listAll({ resourceType: 'User', filter }))).resources));

      beforeEach(async () => {
        for (const [id, state] of [['u-1', 'active'], ['u-2', 'locked'], ['u-3', 'active'], ['u-4', 'disabled']]) {
          await resources.create('t1', newUser(id, { userName: id, [LIFECYCLE]: { state } }));
        }
        await resources.updateInternal('t1', 'User', 'u-1', signIns('2025-06-01T10:00:00+02:00', 0));
        await resources.updateInternal('t1', 'User', 'u-2', signIns('2026-02-01T00:00:00.000Z', 5));
        await resources.updateInternal('t1', 'User', 'u-3', signIns(undefined, 2));
      });

      it('filters on them in the database: eq, ranges on dateTime (as instants), pr and counts', async () => {
        expect(await found(users.lt(`${LIFECYCLE}:lastSignIn`, '2026-01-01T00:00:00Z'))).toEqual(['u-1']);
        expect(await found(users.eq(`${LIFECYCLE}:lastSignIn`, '2025-06-01T08:00:00Z'))).toEqual(['u-1']);
        expect(await found(users.ge(`${LIFECYCLE}:lastSignIn`, '2025-06-01T08:00:00.000Z'))).toEqual(['u-1', 'u-2']);
        expect(await found(users.gt(`${LIFECYCLE}:lastSignIn`, '2025-06-01T08:00:00.000Z'))).toEqual(['u-2']);
        expect(await found(users.pr(`${LIFECYCLE}:lastSignIn`))).toEqual(['u-1', 'u-2']);
        expect(await found(users.not(users.pr(`${LIFECYCLE}:lastSignIn`)))).toEqual(['u-3', 'u-4']);
        expect(await found(users.ge(`${LIFECYCLE}:failedSignIns`, 2))).toEqual(['u-2', 'u-3']);
        expect(await found(users.and(users.eq(`${LIFECYCLE}:state`, 'LOCKED'), users.gt(`${LIFECYCLE}:lastSignIn`, '2026-01-01T00:00:00Z')))).toEqual(['u-2']);
        expect(await found(users.or(users.eq(`${LIFECYCLE}:state`, 'disabled'), users.lt(`${LIFECYCLE}:lastSignIn`, '2026-01-01T00:00:00Z')))).toEqual(['u-1', 'u-4']);
        expect((await resources.list('t1', { resourceType: 'User', filter: users.lt(`${LIFECYCLE}:lastSignIn`, '2030-01-01T00:00:00Z'), page: { kind: 'index', startIndex: 1, count: 0 } })).totalResults).toBe(2);
        // Another tenant's users are never found, and the state index answers within the tenant only.
        await resources.create('t2', newUser('u-1', { userName: 'u-1', [LIFECYCLE]: { state: 'locked' } }));
        await resources.updateInternal('t2', 'User', 'u-1', signIns('2020-01-01T00:00:00.000Z', 9));
        expect(await found(users.lt(`${LIFECYCLE}:lastSignIn`, '2026-01-01T00:00:00Z'))).toEqual(['u-1']);
        expect(await found(users.eq(`${LIFECYCLE}:state`, 'locked'))).toEqual(['u-2']);
        expect(await found(users.lt(`${LIFECYCLE}:lastSignIn`, '2021-01-01T00:00:00Z'), 't2')).toEqual(['u-1']);
      });

      it('sorts by them, missing values last ascending and first descending, and pages by keyset', async () => {
        const sorted = async (descending: boolean) =>
          ids((await resources.list('t1', listAll({ resourceType: 'User', sort: sortBy(`${LIFECYCLE}:lastSignIn`, descending) }))).resources);
        expect(await sorted(false)).toEqual(['u-1', 'u-2', 'u-3', 'u-4']);
        expect(await sorted(true)).toEqual(['u-4', 'u-3', 'u-2', 'u-1']);
        const pages = await walkKeyset(resources, 't1', { resourceType: 'User', sort: sortBy(`${LIFECYCLE}:lastSignIn`) }, 1);
        expect(pages.flat()).toEqual(['u-1', 'u-2', 'u-3', 'u-4']);
      });

      it('a replace keeps them searchable, and a later updateInternal changes only them', async () => {
        await resources.replace('t1', 'User', 'u-1', { lastModified: T0, attributes: { userName: 'u-1', title: 'x', [LIFECYCLE]: { state: 'disabled' } }, internal: {} }, 1);
        expect(await found(users.lt(`${LIFECYCLE}:lastSignIn`, '2026-01-01T00:00:00Z'))).toEqual(['u-1']);
        expect(await found(users.eq(`${LIFECYCLE}:state`, 'disabled'))).toEqual(['u-1', 'u-4']);
        await resources.updateInternal('t1', 'User', 'u-1', signIns(undefined, 0));
        expect(await found(users.pr(`${LIFECYCLE}:lastSignIn`))).toEqual(['u-2']);
        expect(await found(users.eq(`${LIFECYCLE}:state`, 'disabled'))).toEqual(['u-1', 'u-4']);
        expect(await found(users.eq('title', 'x'))).toEqual(['u-1']);
        // The stored attributes never hold them: they are the unversioned state's.
        expect((await resources.get('t1', 'User', 'u-1'))?.attributes).toEqual({ userName: 'u-1', title: 'x', [LIFECYCLE]: { state: 'disabled' } });
      });

      it('an attribute of the document under the same extension is not mistaken for an unversioned one, nor the reverse', async () => {
        // A client cannot write lastSignIn (readOnly), but the document part must not read it even if it were there.
        await resources.create('t1', newUser('u-5', { userName: 'u-5', [LIFECYCLE]: { state: 'active', lastSignIn: '2000-01-01T00:00:00.000Z' } }));
        await resources.updateInternal('t1', 'User', 'u-5', { attributes: { [LIFECYCLE]: { state: 'locked' } } });
        expect(await found(users.lt(`${LIFECYCLE}:lastSignIn`, '2001-01-01T00:00:00Z'))).toEqual([]);
        expect(await found(users.eq(`${LIFECYCLE}:state`, 'locked'))).toEqual(['u-2']);
      });

      it('updateInternal with an expected version writes only while the version is still that one', async () => {
        await expectStoreError(resources.updateInternal('t1', 'User', 'u-4', signIns(T0, 0), 0, 2), 'version_mismatch');
        expect((await resources.get('t1', 'User', 'u-4'))?.unversioned.revision).toBe(0);
        const written = await resources.updateInternal('t1', 'User', 'u-4', signIns(T0, 0), 0, 1);
        expect(written.unversioned).toEqual({ revision: 1, values: signIns(T0, 0) });
        await resources.replace('t1', 'User', 'u-4', { lastModified: T0, attributes: { userName: 'u-4' }, internal: {} });
        // The version moved on (a state change): a decision taken on version 1 is refused, whatever the revision.
        await expectStoreError(resources.updateInternal('t1', 'User', 'u-4', signIns(T0, 1), 1, 1), 'version_mismatch');
        await expectStoreError(resources.updateInternal('t1', 'User', 'u-4', signIns(T0, 1), undefined, 1), 'version_mismatch');
        expect((await resources.updateInternal('t1', 'User', 'u-4', signIns(T0, 1), 1, 2)).unversioned.revision).toBe(2);
        await expectStoreError(resources.updateInternal('t1', 'User', 'nope', signIns(T0, 1), 0, 1), 'not_found');
      });
    });

    describe('paging', () => {
      const TOTAL = 23;
      const allIds = Array.from({ length: TOTAL }, (_, i) => `u-${String(i).padStart(2, '0')}`);

      beforeEach(async () => {
        // Created out of id order, so that the id order is not the insertion order.
        for (const id of [...allIds].reverse()) await resources.create('t1', newUser(id, { userName: `user ${id}`, title: Number(id.slice(2)) % 3 === 0 ? undefined : `t${Number(id.slice(2)) % 4}` }));
        await resources.create('t1', newGroup('g-1', { displayName: 'not a user' }));
      });

      it('orders by id without a sort, and pages by 1-based startIndex with the full total', async () => {
        const seen: string[] = [];
        for (let startIndex = 1; startIndex <= TOTAL; startIndex += 5) {
          const page = await resources.list('t1', { resourceType: 'User', page: { kind: 'index', startIndex, count: 5 } });
          expect(page.totalResults).toBe(TOTAL);
          expect(page.next).toBeUndefined();
          seen.push(...ids(page.resources));
        }
        expect(seen).toEqual(allIds);
      });

      it('answers count=0 with the total only, and a startIndex past the end with no rows', async () => {
        expect(await resources.list('t1', { resourceType: 'User', page: { kind: 'index', startIndex: 1, count: 0 } })).toEqual({ resources: [], totalResults: TOTAL });
        const past = await resources.list('t1', { resourceType: 'User', page: { kind: 'index', startIndex: TOTAL + 1, count: 5 } });
        expect(past).toEqual({ resources: [], totalResults: TOTAL });
      });

      it('reads a startIndex below 1 as 1', async () => {
        const page = await resources.list('t1', { resourceType: 'User', page: { kind: 'index', startIndex: 0, count: 2 } });
        expect(ids(page.resources)).toEqual(['u-00', 'u-01']);
      });

      it('counts only the filtered rows, on every page', async () => {
        const filter = users.sw('userName', 'user u-1');
        const page = await resources.list('t1', { resourceType: 'User', filter, page: { kind: 'index', startIndex: 3, count: 4 } });
        expect(page.totalResults).toBe(10);
        expect(ids(page.resources)).toEqual(['u-12', 'u-13', 'u-14', 'u-15']);
      });

      it('walks keyset pages by id with no duplicates or omissions, and no `next` on the last page', async () => {
        const pages = await walkKeyset(resources, 't1', { resourceType: 'User' }, 5);
        expect(pages.map((page) => page.length)).toEqual([5, 5, 5, 5, 3]);
        expect(pages.flat()).toEqual(allIds);
      });

      it('ends a keyset walk whose last page is exactly full without an empty page', async () => {
        const pages = await walkKeyset(resources, 't1', { resourceType: 'User', filter: users.sw('userName', 'user u-0') }, 5);
        expect(pages).toEqual([['u-00', 'u-01', 'u-02', 'u-03', 'u-04'], ['u-05', 'u-06', 'u-07', 'u-08', 'u-09']]);
      });

      it('reports the total on keyset pages', async () => {
        const first = await resources.list('t1', { resourceType: 'User', filter: users.pr('title'), page: { kind: 'keyset', count: 3 } });
        expect(first.totalResults).toBe(15);
        const second = await resources.list('t1', { resourceType: 'User', filter: users.pr('title'), page: { kind: 'keyset', count: 3, after: first.next } });
        expect(second.totalResults).toBe(15);
        expect(ids(second.resources)).toEqual(['u-05', 'u-07', 'u-08']);
      });

      it("reports a keyset page's known total (the walk's first count, carried by its cursor) instead of counting", async () => {
        const first = await resources.list('t1', { resourceType: 'User', filter: users.pr('title'), page: { kind: 'keyset', count: 3 } });
        await resources.create('t1', newUser('u-99', { userName: 'late', title: 'late' }));
        const second = await resources.list('t1', { resourceType: 'User', filter: users.pr('title'), page: { kind: 'keyset', count: 3, after: first.next, total: first.totalResults } });
        expect(second.totalResults).toBe(15);
        expect(ids(second.resources)).toEqual(['u-05', 'u-07', 'u-08']);
        const unfiltered = await resources.list('t1', { resourceType: 'User', page: { kind: 'keyset', count: 2, after: { sortValue: null, id: 'u-01' }, total: 7 } });
        expect(unfiltered).toMatchObject({ totalResults: 7, next: { id: 'u-03' } });
      });

      it.each([false, true])('answers every startIndex page sorted by userName (descending: %s) as a slice of the sorted list', async (descending) => {
        const sort = sortBy('userName', descending);
        const everything = ids((await resources.list('t1', listAll({ resourceType: 'User', sort }))).resources);
        for (let startIndex = 1; startIndex <= TOTAL + 1; startIndex += 3) {
          const page = await resources.list('t1', { resourceType: 'User', sort, page: { kind: 'index', startIndex, count: 4 } });
          expect({ startIndex, ids: ids(page.resources), total: page.totalResults }).toEqual({ startIndex, ids: everything.slice(startIndex - 1, startIndex + 3), total: TOTAL });
        }
      });

      it('sees rows inserted after the position, not those before it, and skips rows deleted meanwhile', async () => {
        const pages = await walkKeyset(resources, 't1', { resourceType: 'User' }, 5, async (pageNumber) => {
          if (pageNumber !== 1) return;
          await resources.create('t1', newUser('u-02a', { userName: 'behind' }));
          await resources.create('t1', newUser('u-17a', { userName: 'ahead' }));
          await resources.delete('t1', 'User', 'u-10');
        });
        const seen = pages.flat();
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual([...allIds.slice(0, 18).filter((id) => id !== 'u-10'), 'u-17a', ...allIds.slice(18)]);
      });

      it.each([false, true])('walks keyset pages of a sort with missing values (descending: %s) exactly as the sorted list', async (descending) => {
        const sort = sortBy('title', descending);
        const everything = ids((await resources.list('t1', listAll({ resourceType: 'User', sort }))).resources);
        expect(everything).toHaveLength(TOTAL);
        for (const count of [1, 2, 4, 7]) {
          const pages = await walkKeyset(resources, 't1', { resourceType: 'User', sort }, count);
          expect(pages.flat()).toEqual(everything);
        }
      });

      it('keeps a sorted keyset walk free of duplicates while rows are inserted and deleted', async () => {
        // Descending by title: missing titles first, then t3, t2, t1, t0. u-04 (t0) comes last.
        const sort = sortBy('title', true);
        const pages = await walkKeyset(resources, 't1', { resourceType: 'User', sort }, 4, async (pageNumber) => {
          // Odd pages add a row that sorts at the end (seen later); even pages one with no title, whose place
          // depends on its id ("new-" sorts after "u-" descending, so it is still ahead).
          await resources.create('t1', newUser(`new-${pageNumber}`, { userName: `new ${pageNumber}`, title: pageNumber % 2 ? 'T0' : undefined }));
          if (pageNumber === 2) await resources.delete('t1', 'User', 'u-04');
        });
        const seen = pages.flat();
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).not.toContain('u-04');
        for (const id of allIds.filter((id) => id !== 'u-04')) expect(seen).toContain(id);
        expect(seen).toEqual(expect.arrayContaining(['new-1', 'new-2']));
        expect(seen.indexOf('new-2')).toBe(seen.indexOf('u-00') + 1);
      });
    });

    describe('sorting', () => {
      beforeEach(async () => {
        const people: [string, ScimAttributes][] = [
          ['s-1', { userName: 'bravo', title: 'Zulu', name: { familyName: 'Émile' }, emails: [{ value: 'z@x.org' }, { value: 'a@x.org', primary: true }], [ENTERPRISE]: { department: 'b' } }],
          ['s-2', { userName: 'Alpha', title: 'alpha', name: { familyName: 'emile' }, emails: [{ value: 'M@x.org' }, { value: 'b@x.org' }] }],
          ['s-3', { userName: 'charlie', title: '', emails: [], [ENTERPRISE]: { department: 'A' } }],
          ['s-4', { userName: 'DELTA', title: 'Mike', name: { familyName: 'Zed' }, emails: [{ value: 'c@x.org', primary: false }] }],
          ['s-5', { userName: 'echo', title: 'mike', active: true, [ENTERPRISE]: { department: 'b' } }],
          ['s-0', { userName: 'foxtrot', title: 'MIKE', active: false }],
        ];
        for (const [id, attributes] of people) await resources.create('t1', newUser(id, attributes));
      });

      const order = async (sort: StoreSort) => ids((await resources.list('t1', listAll({ resourceType: 'User', sort }))).resources);

      it('sorts caseExact=false strings folded, by code point', async () => {
        expect(await order(sortBy('userName'))).toEqual(['s-2', 's-1', 's-3', 's-4', 's-5', 's-0']);
        expect(await order(sortBy('userName', true))).toEqual(['s-0', 's-5', 's-4', 's-3', 's-1', 's-2']);
        // "emile" < "zed" < "émile": É is above every ASCII letter in code point order.
        expect(await order(sortBy('name.familyName'))).toEqual(['s-2', 's-4', 's-1', 's-0', 's-3', 's-5']);
      });

      it('puts missing values (absent or "") last ascending and first descending, ties by id in the sort direction', async () => {
        // title folded: alpha(s-2), mike(s-0, s-4, s-5), zulu(s-1), missing: s-3 ("").
        expect(await order(sortBy('title'))).toEqual(['s-2', 's-0', 's-4', 's-5', 's-1', 's-3']);
        expect(await order(sortBy('title', true))).toEqual(['s-3', 's-1', 's-5', 's-4', 's-0', 's-2']);
      });

      it('sorts a multi-valued attribute by its primary value, else its first', async () => {
        // s-1 primary a@x.org; s-2 first m@x.org; s-4 c@x.org (primary false: first); others none.
        expect(await order(sortBy('emails'))).toEqual(['s-1', 's-4', 's-2', 's-0', 's-3', 's-5']);
        expect(await order(sortBy('emails.value'))).toEqual(['s-1', 's-4', 's-2', 's-0', 's-3', 's-5']);
        expect(await order(sortBy('emails.value', true))).toEqual(['s-5', 's-3', 's-0', 's-2', 's-4', 's-1']);
      });

      it('sorts by extension attributes, booleans and meta', async () => {
        expect(await order(sortBy(`${ENTERPRISE}:department`))).toEqual(['s-3', 's-1', 's-5', 's-0', 's-2', 's-4']);
        expect(await order(sortBy('active'))).toEqual(['s-0', 's-5', 's-1', 's-2', 's-3', 's-4']);
        expect(await order(sortBy('meta.created'))).toEqual(['s-1', 's-2', 's-3', 's-4', 's-5', 's-0']);
        expect(await order(sortBy('meta.lastModified', true))).toEqual(['s-0', 's-5', 's-4', 's-3', 's-2', 's-1']);
        expect(await order(sortBy('id', true))).toEqual(['s-5', 's-4', 's-3', 's-2', 's-1', 's-0']);
      });

      it('sorts by version numerically', async () => {
        for (let i = 0; i < 10; i++) await resources.replace('t1', 'User', 's-3', { lastModified: T0, attributes: { userName: 'charlie' }, internal: {} });
        await resources.replace('t1', 'User', 's-4', { lastModified: T0, attributes: { userName: 'DELTA' }, internal: {} });
        expect(await order(sortBy('meta.version', true))).toEqual(['s-3', 's-4', 's-5', 's-2', 's-1', 's-0']);
      });

      it('applies the sort before paging, and with a filter', async () => {
        const page = await resources.list('t1', { resourceType: 'User', sort: sortBy('userName', true), filter: users.pr('title'), page: { kind: 'index', startIndex: 2, count: 2 } });
        expect(ids(page.resources)).toEqual(['s-5', 's-4']);
        expect(page.totalResults).toBe(5);
      });

      it('sorts by a sub-attribute of an extension attribute, missing last', async () => {
        await resources.replace('t1', 'User', 's-4', { lastModified: T0, attributes: { userName: 'DELTA', [ENTERPRISE]: { manager: { value: 'M-2' } } }, internal: {} });
        await resources.replace('t1', 'User', 's-0', { lastModified: T0, attributes: { userName: 'foxtrot', [ENTERPRISE]: { manager: { value: 'm-1' } } }, internal: {} });
        // manager.value is caseExact=false in schemas/enterprise-user.json: folded, "m-1" < "m-2" (unfolded "M-2" would be first).
        expect(await order(sortBy(`${ENTERPRISE}:manager.value`))).toEqual(['s-0', 's-4', 's-1', 's-2', 's-3', 's-5']);
        expect(await order(sortBy(`${ENTERPRISE}:manager.value`, true))).toEqual(['s-5', 's-3', 's-2', 's-1', 's-4', 's-0']);
      });

      it.each<[string, boolean]>([
        ['userName', true],
        ['title', false],
        ['name.familyName', false],
        ['name.familyName', true],
        ['emails', false],
        ['emails.value', true],
        [`${ENTERPRISE}:department`, false],
        ['active', true],
        ['meta.created', false],
      ])('walks keyset pages sorted by %s (descending: %s) exactly as the sorted list, at every page size', async (path, descending) => {
        const sort = sortBy(path, descending);
        const everything = await order(sort);
        for (const count of [1, 2, 4]) {
          const pages = await walkKeyset(resources, 't1', { resourceType: 'User', sort }, count);
          expect(pages.flat()).toEqual(everything);
        }
      });
    });

    describe('filters', () => {
      const tenant = 'filters';
      let fixtureSubject: StoreUnderTest;
      let stored: StoredResource[] = [];

      beforeAll(async () => {
        fixtureSubject = await makeStore();
        const store = fixtureSubject.store.resources;
        // As test/fixtures/filter-cases.ts asks: create, then replace where lastModified differs.
        for (const user of filterFixtureUsers) {
          await store.create(tenant, { resourceType: 'User', id: user.id, created: user.created, attributes: user.attributes, internal: {} });
          if (user.lastModified !== user.created) {
            await store.replace(tenant, 'User', user.id, { lastModified: user.lastModified, attributes: user.attributes, internal: {} });
          }
        }
        // Rows the filters must never see: another tenant and another resource type.
        await store.create('elsewhere', { resourceType: 'User', id: 'u-bjensen', created: T0, attributes: { userName: 'bjensen', active: true }, internal: {} });
        await store.create(tenant, { resourceType: 'Group', id: 'g-1', created: T0, attributes: { displayName: 'bjensen' }, internal: {} });
        stored = (await store.list(tenant, listAll({ resourceType: 'User' }))).resources;
      });
      afterAll(async () => {
        await fixtureSubject.cleanup();
      });

      const matching = async (filter: FilterAst) => {
        const result = await fixtureSubject.store.resources.list(tenant, listAll({ resourceType: 'User', filter }));
        expect(result.totalResults).toBe(result.resources.length);
        return sortedIds(ids(result.resources));
      };
      /** The in-memory evaluator's answer over the same stored rows. */
      const oracle = (filter: FilterAst) =>
        sortedIds(
          stored
            .filter((row) =>
              evaluateFilter(filter, {
                id: row.id,
                attributes: row.attributes,
                meta: { resourceType: row.resourceType, created: row.created, lastModified: row.lastModified, version: versionToETag(row.version) },
              }),
            )
            .map((row) => row.id),
        );

      it('holds the whole fixture', () => {
        expect(sortedIds(ids(stored))).toEqual(sortedIds(filterFixtureUsers.map((user) => user.id)));
      });

      it.each(filterAstCases.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
        const filter = entry.filter(users);
        expect(oracle(filter)).toEqual(sortedIds(entry.expectedIds));
        expect(await matching(filter)).toEqual(sortedIds(entry.expectedIds));
      });

      const userType = registry.resourceType('User')!;
      const idOf = new Map(filterFixtureUsers.map((user) => [user.attributes.userName as string, user.id]));
      it.each(filterCases.map((entry) => [entry.filter, entry] as const))('parsed: %s', async (_text, entry) => {
        const filter = parseFilter(entry.filter, { registry, resourceType: userType });
        expect(await matching(filter)).toEqual(sortedIds(entry.expectedUserNames.map((userName) => idOf.get(userName)!)));
      });
    });

    describe('filters on awkward values', () => {
      // Values that are pattern characters in LIKE/GLOB, quotes, stored keys in another case, and values of the wrong
      // JSON type (the store does not validate): the store must agree with the evaluator on every one.
      const rows: [string, ScimAttributes][] = [
        ['w-1', { userName: 'percent', displayName: '100% sure', title: 'a_b' }],
        ['w-2', { userName: 'under', displayName: '100 percent', title: 'axb' }],
        ['w-3', { userName: "o'brien", displayName: 'back\\slash', title: '[x]*?' }],
        ['w-4', { USERNAME: 'MixedKeys', DisplayName: 'Mixed', Emails: [{ VALUE: 'Mixed@Example.com', Type: 'work' }], [ENTERPRISE.toUpperCase()]: { Department: 'Ops' } }],
        ['w-5', { userName: 'wrongtypes', nickName: 42, active: 'true', title: ['first', 'second'], emails: [{ value: 7 }, 'bare'] }],
        ['w-6', { userName: 'nulls', displayName: null, emails: [null, { value: null, type: 'work' }], name: {} }],
        ['w-8', { userName: 'undeclared', emails: [{ label: 'x' }], name: { nickname: '' }, phoneNumbers: [{ value: '1', VALUE: '2' }] }],
      ];
      beforeEach(async () => {
        for (const [id, attributes] of rows) await resources.create('t1', newUser(id, attributes));
      });

      const cases: [string, (f: FilterBuilder) => FilterAst, string[]][] = [
        ['co "%" is not a wildcard', (f) => f.co('displayName', '%'), ['w-1']],
        ['co "_" is not a wildcard', (f) => f.co('title', '_'), ['w-1']],
        ['sw with a quote', (f) => f.sw('userName', "O'B"), ['w-3']],
        ['eq with a quote', (f) => f.eq('userName', "o'brien"), ['w-3']],
        ['co a backslash', (f) => f.co('displayName', '\\'), ['w-3']],
        ['ew GLOB characters', (f) => f.ew('title', ']*?'), ['w-3']],
        ['co "[x]"', (f) => f.co('title', '[x]'), ['w-3']],
        ['stored keys in another case: userName', (f) => f.eq('userName', 'mixedkeys'), ['w-4']],
        ['stored keys in another case: emails.value', (f) => f.eq('emails.value', 'mixed@example.com'), ['w-4']],
        ['stored keys in another case: value filter', (f) => f.where('emails', (e) => e.and(e.eq('type', 'work'), e.sw('value', 'MIXED'))), ['w-4']],
        ['stored keys in another case: extension', (f) => f.eq(`${ENTERPRISE}:department`, 'ops'), ['w-4']],
        ['a number in a string attribute matches no comparison', (f) => f.eq('nickName', '42'), []],
        ['a number in a string attribute is present', (f) => f.pr('nickName'), ['w-5']],
        ['a string in a boolean attribute matches no comparison', (f) => f.eq('active', true), []],
        ['a string in a boolean attribute is present', (f) => f.pr('active'), ['w-5']],
        ['an array in a singular attribute: any value', (f) => f.eq('title', 'SECOND'), ['w-5']],
        ['a number as an email value', (f) => f.eq('emails.value', '7'), []],
        ['a bare string or an undeclared member makes a complex value present', (f) => f.pr('emails'), ['w-4', 'w-5', 'w-6', 'w-8']],
        ['an undeclared member that is "" does not', (f) => f.pr('name'), []],
        ['of two spellings of a sub-attribute, the canonical one is compared', (f) => f.eq('phoneNumbers.value', '2'), []],
        ['an undeclared member is never compared', (f) => f.where('emails', (e) => e.pr('value')), ['w-4', 'w-5']],
        ['null values are absent', (f) => f.pr('displayName'), ['w-1', 'w-2', 'w-3', 'w-4']],
        ['an element without a value', (f) => f.where('emails', (e) => e.not(e.pr('value'))), ['w-5', 'w-6', 'w-8']],
      ];

      it.each(cases)('%s', async (_name, build, expected) => {
        const filter = build(users);
        const all = (await resources.list('t1', listAll({ resourceType: 'User' }))).resources;
        const oracle = all
          .filter((row) => evaluateFilter(filter, { id: row.id, attributes: row.attributes, meta: { resourceType: 'User', created: row.created, lastModified: row.lastModified } }))
          .map((row) => row.id);
        expect(sortedIds(oracle)).toEqual(sortedIds(expected));
        const listed = await resources.list('t1', listAll({ resourceType: 'User', filter }));
        expect(sortedIds(ids(listed.resources))).toEqual(sortedIds(expected));
      });

      it('enforces uniqueness on a userName stored under a key in another case', async () => {
        await expectStoreError(resources.create('t1', newUser('w-7', { userName: 'MIXEDKEYS' })), 'conflict', 'userName');
      });
    });

    describe('tenants and tokens', () => {
      const tenant = (id: string, name = id): Tenant => ({ id, name, profile: 'standard', created: nextInstant() });
      const token = (id: string, tenantId: string, secretHash = `hash-${id}`): TokenRecord => ({
        id,
        tenantId,
        label: `label ${id}`,
        scopes: ['scim:read', 'scim:write'],
        secretHash,
        created: nextInstant(),
      });

      it('creates, reads, lists and updates tenants', async () => {
        const tenants = subject.store.tenants;
        const a = tenant('a', 'Acme');
        const b = { ...tenant('b', 'Beta'), profile: 'entra' as const };
        await tenants.createTenant(a);
        await tenants.createTenant(b);
        expect(await tenants.getTenant('a')).toEqual(a);
        expect(await tenants.getTenant('nope')).toBeNull();
        expect(await tenants.listTenants()).toEqual([a, b]);
        expect(await tenants.updateTenantProfile('a', 'entra')).toBe(true);
        expect(await tenants.getTenant('a')).toEqual({ ...a, profile: 'entra' });
        expect(await tenants.updateTenantProfile('nope', 'entra')).toBe(false);
      });

      it('refuses a second tenant with the same id', async () => {
        await subject.store.tenants.createTenant(tenant('a'));
        await expectStoreError(subject.store.tenants.createTenant(tenant('a', 'other')), 'conflict', 'id');
        expect(await subject.store.tenants.getTenant('a')).toMatchObject({ name: 'a' });
      });

      it('stores tokens, finds them by secret hash and lists them per tenant', async () => {
        const tenants = subject.store.tenants;
        await tenants.createTenant(tenant('a'));
        await tenants.createTenant(tenant('b'));
        const one = token('k1', 'a');
        const two = { ...token('k2', 'a'), scopes: ['scim:read' as const] };
        const three = token('k3', 'b');
        for (const record of [one, two, three]) await tenants.createToken(record);
        expect(await tenants.findTokenBySecretHash('hash-k2')).toEqual(two);
        expect(await tenants.findTokenBySecretHash('unknown')).toBeNull();
        expect(await tenants.listTokens('a')).toEqual([one, two]);
        expect(await tenants.listTokens()).toEqual([one, two, three]);
        expect(await tenants.listTokens('nope')).toEqual([]);
      });

      it('refuses a token whose id or secret hash is taken, or whose tenant does not exist', async () => {
        const tenants = subject.store.tenants;
        await tenants.createTenant(tenant('a'));
        await tenants.createToken(token('k1', 'a', 'same'));
        await expectStoreError(tenants.createToken(token('k2', 'a', 'same')), 'conflict', 'secretHash');
        await expectStoreError(tenants.createToken(token('k1', 'a', 'other')), 'conflict', 'id');
        await expectStoreError(tenants.createToken(token('k3', 'nope')), 'not_found');
        expect(await tenants.listTokens()).toHaveLength(1);
      });

      it('revokes a token once: the first revocation time stays', async () => {
        const tenants = subject.store.tenants;
        await tenants.createTenant(tenant('a'));
        await tenants.createToken(token('k1', 'a'));
        expect(await tenants.revokeToken('k1', '2030-01-01T00:00:00.000Z')).toBe(true);
        expect(await tenants.findTokenBySecretHash('hash-k1')).toMatchObject({ revoked: '2030-01-01T00:00:00.000Z' });
        expect(await tenants.revokeToken('k1', '2031-01-01T00:00:00.000Z')).toBe(true);
        expect((await tenants.listTokens('a'))[0].revoked).toBe('2030-01-01T00:00:00.000Z');
        expect(await tenants.revokeToken('nope', '2030-01-01T00:00:00.000Z')).toBe(false);
      });

      it('moves an expiry only closer, and reports an unknown token', async () => {
        const tenants = subject.store.tenants;
        await tenants.createTenant(tenant('a'));
        await tenants.createToken({ ...token('k1', 'a'), expires: '2030-01-10T00:00:00.000Z' });
        await tenants.createToken(token('k2', 'a'));
        expect(await tenants.findTokenBySecretHash('hash-k1')).toMatchObject({ expires: '2030-01-10T00:00:00.000Z' });
        expect(await tenants.expireToken('k1', '2030-01-05T00:00:00.000Z')).toBe(true);
        expect(await tenants.expireToken('k1', '2030-02-01T00:00:00.000Z')).toBe(true);
        expect(await tenants.expireToken('k2', '2030-03-01T00:00:00.000Z')).toBe(true);
        expect(await tenants.expireToken('nope', '2030-03-01T00:00:00.000Z')).toBe(false);
        const [k1, k2] = await tenants.listTokens('a');
        expect([k1.expires, k2.expires]).toEqual(['2030-01-05T00:00:00.000Z', '2030-03-01T00:00:00.000Z']);
      });

      it('records the last use of a token, keeping the latest time', async () => {
        const tenants = subject.store.tenants;
        await tenants.createTenant(tenant('a'));
        await tenants.createToken(token('k1', 'a'));
        expect((await tenants.findTokenBySecretHash('hash-k1'))?.lastUsed).toBeUndefined();
        await tenants.touchToken('k1', '2030-01-01T00:01:00.000Z');
        await tenants.touchToken('k1', '2030-01-01T00:00:30.000Z');
        expect(await tenants.findTokenBySecretHash('hash-k1')).toMatchObject({ lastUsed: '2030-01-01T00:01:00.000Z' });
        await tenants.touchToken('k1', '2030-01-01T00:02:00.000Z');
        expect((await tenants.listTokens('a'))[0].lastUsed).toBe('2030-01-01T00:02:00.000Z');
        await expect(tenants.touchToken('nope', '2030-01-01T00:02:00.000Z')).resolves.toBeUndefined();
      });

      it('deletes a tenant with all its data (resources, memberships, tokens, settings, jobs, outbox, blobs, sign-ins) and leaves other tenants alone', async () => {
        const { tenants, memberships } = subject.store;
        for (const id of ['a', 'b']) {
          await tenants.createTenant(tenant(id));
          await tenants.createToken(token(`${id}-k1`, id));
          await tenants.createToken(token(`${id}-k2`, id));
          await resources.create(id, newUser(`${id}-u1`, { userName: 'same-name', emails: [{ value: 'x@example.com' }] }));
          await resources.create(id, newUser(`${id}-u2`, { userName: 'other-name' }));
          await resources.create(id, newGroup(`${id}-g1`, { displayName: 'Admins' }));
          await memberships.add(id, `${id}-g1`, [
            { value: `${id}-u1`, type: 'User' },
            { value: `${id}-u2`, type: 'User' },
          ]);
          await subject.store.settings.update(id, { set: { 'some.setting': 'on' }, at: nextInstant() });
          await subject.store.jobs.enqueue({ id: `${id}-job`, tenantId: id, type: 'export', input: { format: 'ndjson' }, created: nextInstant() });
          await subject.store.outbox.append([{ id: `${id}-message`, tenantId: id, topic: 'webhook', key: `${id}:user.created`, payload: { id: `${id}-u1` }, created: nextInstant() }]);
          await subject.store.blobs.write({ id: `${id}-blob`, tenantId: id, contentType: 'application/x-ndjson', created: nextInstant() }, chunksOf('{"userName":"same-name"}\n'));
          await subject.store.signIns.append({ id: `${id}-sign-in`, tenantId: id, userId: `${id}-u1`, time: nextInstant(), outcome: 'success' });
          await resources.updateInternal(id, 'User', `${id}-u1`, { attributes: { [LIFECYCLE]: { lastSignIn: T0, failedSignIns: 0 } } });
        }
        const before = await subject.remainingOf?.('b');

        const deletion = await subject.store.deleteTenant('a');
        expect(deletion?.removed).toMatchObject({ tenants: 1, tokens: 2 });
        expect(await tenants.getTenant('a')).toBeNull();
        expect(await tenants.listTokens('a')).toEqual([]);
        expect(await tenants.findTokenBySecretHash('hash-a-k1')).toBeNull();
        for (const type of ['User', 'Group']) {
          expect((await resources.list('a', listAll({ resourceType: type }))).totalResults).toBe(0);
        }
        expect(await memberships.list('a', 'a-g1', { limit: 10 })).toEqual([]);
        expect(await memberships.groupsOf('a', ['a-u1'])).toEqual([]);
        expect(await subject.store.settings.read('a')).toEqual({ values: {}, version: 0 });
        const later = nextInstant();
        expect(await subject.store.jobs.get('a', 'a-job')).toBeNull();
        expect(await subject.store.outbox.list('a', { limit: 10 })).toEqual([]);
        expect(await subject.store.blobs.stat('a', 'a-blob', later)).toBeNull();
        expect(await subject.store.signIns.count('a', 'a-u1')).toBe(0);
        if (subject.remainingOf) expect(await subject.remainingOf('a')).toEqual({});

        // Tenant b is untouched.
        expect(await tenants.getTenant('b')).not.toBeNull();
        expect(await tenants.listTokens('b')).toHaveLength(2);
        expect((await resources.list('b', listAll({ resourceType: 'User' }))).totalResults).toBe(2);
        expect(await memberships.list('b', 'b-g1', { limit: 10 })).toHaveLength(2);
        expect((await subject.store.settings.read('b')).values).toEqual({ 'some.setting': 'on' });
        expect(await subject.store.jobs.get('b', 'b-job')).not.toBeNull();
        expect(await subject.store.outbox.list('b', { limit: 10 })).toHaveLength(1);
        expect(await subject.store.blobs.stat('b', 'b-blob', later)).not.toBeNull();
        expect(await subject.store.signIns.count('b', 'b-u1')).toBe(1);
        if (subject.remainingOf) expect(await subject.remainingOf('b')).toEqual(before);

        // The id and unique values of the deleted tenant are free again; a second deletion finds nothing.
        expect(await subject.store.deleteTenant('a')).toBeNull();
        await tenants.createTenant(tenant('a'));
        await resources.create('a', newUser('a-u1', { userName: 'same-name' }));
        expect((await resources.list('a', listAll({ resourceType: 'User' }))).totalResults).toBe(1);
      });

      it('answers ping while open', async () => {
        await expect(subject.store.ping()).resolves.toBeUndefined();
      });

      // The first start (issue 14, item 12): several instances on one empty store create one tenant between them.
      describe('createFirstTenant', () => {
        it('creates the tenant and its token on an empty store only', async () => {
          const tenants = subject.store.tenants;
          expect(await tenants.createFirstTenant(tenant('first'), token('k1', 'first'))).toBe(true);
          expect(await tenants.listTenants()).toEqual([expect.objectContaining({ id: 'first' })]);
          expect(await tenants.findTokenBySecretHash('hash-k1')).toMatchObject({ id: 'k1', tenantId: 'first' });
          expect(await tenants.createFirstTenant(tenant('second'), token('k2', 'second'))).toBe(false);
          expect(await tenants.listTenants()).toEqual([expect.objectContaining({ id: 'first' })]);
          expect(await tenants.listTokens()).toHaveLength(1);
        });

        it('creates nothing when a tenant exists already', async () => {
          await subject.store.tenants.createTenant(tenant('made-by-the-cli'));
          expect(await subject.store.tenants.createFirstTenant(tenant('first'), token('k1', 'first'))).toBe(false);
          expect((await subject.store.tenants.listTenants()).map((found) => found.id)).toEqual(['made-by-the-cli']);
          expect(await subject.store.tenants.listTokens()).toEqual([]);
        });

        it('lets exactly one of several concurrent first starts create its tenant', async () => {
          const tenants = subject.store.tenants;
          const names = ['i1', 'i2', 'i3', 'i4', 'i5'];
          const outcomes = await Promise.all(names.map((name) => tenants.createFirstTenant(tenant(name), token(`k-${name}`, name))));
          expect(outcomes.filter(Boolean)).toHaveLength(1);
          const winner = names[outcomes.indexOf(true)];
          expect((await tenants.listTenants()).map((found) => found.id)).toEqual([winner]);
          expect((await tenants.listTokens()).map((found) => found.id)).toEqual([`k-${winner}`]);
        });

        it('bootstraps again once every tenant was deleted', async () => {
          const tenants = subject.store.tenants;
          expect(await tenants.createFirstTenant(tenant('first'), token('k1', 'first'))).toBe(true);
          await subject.store.deleteTenant('first');
          expect(await tenants.createFirstTenant(tenant('again'), token('k2', 'again'))).toBe(true);
          expect((await tenants.listTenants()).map((found) => found.id)).toEqual(['again']);
        });
      });
    });
  });
}
