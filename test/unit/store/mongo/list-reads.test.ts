// What the MongoDB store asks the server for each list shape (on the stand-in; query-plans.test.ts shows the server's
// plans for the same reads when MONGODB_URI names a server): a cursor walk counts once; a sort by userName or
// name.familyName is a find on a kept sort key with the keyset condition as one range, not an aggregation; a deep
// unfiltered startIndex page steps over the skipped rows with a covered query; a members condition is bounded.
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { mongoStoreOn } from '../../../../src/store/mongo/mongo-store';
import { memberGroupsResolver } from '../../../../src/store/mongo/mongo-membership-store';
import { filterToMongo } from '../../../../src/store/mongo/filter-to-mongo';
import { planList } from '../../../../src/store/mongo/list-query';
import { deriveSortKeys, sortKeyOf, sortValueOfKey } from '../../../../src/store/mongo/sort-keys';
import { trigramsOf } from '../../../../src/store/mongo/trigrams';
import { createStoreModel } from '../../../../src/store/model/resource-model';
import type { StoreQuery } from '../../../../src/store/resource-store';
import { storeErrorToScim } from '../../../../src/resources/store-errors';
import type { MembershipDocument } from '../../../../src/store/mongo/membership-document';
import { filterBuilder } from '../../../contract/filter-builder';
import { createMingoDb } from './mingo-db';
import { recordingReads } from './recording-reads';

const registry = loadBuiltinRegistry();
const model = createStoreModel(registry);
const users = filterBuilder(registry, 'User');
const groups = filterBuilder(registry, 'Group');

async function storeWithUsers(count: number) {
  const mingo = createMingoDb();
  const { db, reads } = recordingReads(mingo.db);
  const store = mongoStoreOn({ db, registry, close: async () => undefined });
  for (let i = 0; i < count; i++) {
    const id = `u-${String(i).padStart(2, '0')}`;
    // userNames in another order than the ids; every third user without a familyName.
    await store.resources.create('t1', {
      resourceType: 'User',
      id,
      created: '2026-01-01T00:00:00.000Z',
      attributes: { userName: `user-${String((i * 7) % count).padStart(2, '0')}`, ...(i % 3 === 0 ? {} : { name: { familyName: `F${i % 5}` } }) },
      internal: {},
    });
  }
  reads.length = 0;
  return { store, reads };
}

describe('kept sort keys (sort-keys.ts)', () => {
  const values = ['', 'a', 'a\u0000', 'a\u0000b', 'a\u0001', 'ab', 'b', 'a b', '\u0000', 'z\u00e9', null];
  const ids = ['u-1', 'u-2', 'u-10'];
  /** The list order: present values by code point, missing ("" or null) last, ties by id. */
  const listOrder = (x: [string | null, string], y: [string | null, string]) => {
    const missing = (value: string | null) => value === null || value === '';
    if (missing(x[0]) !== missing(y[0])) return missing(x[0]) ? 1 : -1;
    if (!missing(x[0]) && x[0] !== y[0]) return (x[0] as string) < (y[0] as string) ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
  };

  it('order as the list orders: missing last, values by code point (NUL included), ties by id', () => {
    const rows = values.flatMap((value) => ids.map((id): [string | null, string] => [value, id]));
    const byKey = [...rows].sort((x, y) => (sortKeyOf(x[0], x[1]) < sortKeyOf(y[0], y[1]) ? -1 : 1));
    expect(byKey).toEqual([...rows].sort(listOrder));
  });

  it('give back the value they were made from (null for a missing one), for the keyset position of a row', () => {
    for (const value of values) expect(sortValueOfKey(sortKeyOf(value, 'u-1'))).toBe(value === '' ? null : value);
  });

  it('are derived from the folded primary value, "" and other types as missing', () => {
    const keysOf = (s: Record<string, unknown[]>) => deriveSortKeys(model.modelOf('User'), s, 'u-1');
    expect(keysOf({ userName: ['bjensen'], name: [{ familyName: ['jensen'] }] })).toEqual({ userName: sortKeyOf('bjensen', 'u-1'), name_002efamilyName: sortKeyOf('jensen', 'u-1') });
    expect(keysOf({ userName: [{ '!': 5 }], name: [{ givenName: ['b'] }] })).toEqual({ userName: sortKeyOf(null, 'u-1'), name_002efamilyName: sortKeyOf(null, 'u-1') });
    expect(deriveSortKeys(model.modelOf('Group'), { displayName: ['x'] }, 'g-1')).toEqual({});
  });
});

describe('list reads on MongoDB', () => {
  it('counts a cursor walk once: later pages report the total their cursor carries', async () => {
    const { store, reads } = await storeWithUsers(10);
    const query: StoreQuery = { resourceType: 'User', page: { kind: 'keyset', count: 3 } };
    const first = await store.resources.list('t1', query);
    expect(reads.map((read) => read.operation)).toEqual(['countDocuments', 'find']);
    reads.length = 0;
    const second = await store.resources.list('t1', { ...query, page: { kind: 'keyset', count: 3, after: first.next, total: first.totalResults } });
    expect(reads.map((read) => read.operation)).toEqual(['find']);
    expect(second.totalResults).toBe(10);
  });

  it.each(['userName', 'name.familyName'])('sorts by %s with a find on its kept key, the keyset condition one range of it', async (path) => {
    const { store, reads } = await storeWithUsers(10);
    const field = path === 'userName' ? 'o.userName' : 'o.name_002efamilyName';
    const sort = { path: users.path(path), descending: true };
    const first = await store.resources.list('t1', { resourceType: 'User', sort, page: { kind: 'keyset', count: 4 } });
    reads.length = 0;
    await store.resources.list('t1', { resourceType: 'User', sort, page: { kind: 'keyset', count: 4, after: first.next, total: 10 } });
    expect(reads).toEqual([
      {
        operation: 'find',
        query: { $and: [{ [field]: { $lt: sortKeyOf(first.next!.sortValue, first.next!.id) } }, { tenantId: 't1', resourceType: 'User' }] },
        options: expect.objectContaining({ sort: { [field]: -1 }, limit: 5 }),
      },
    ]);
    // Any other attribute: the aggregation that computes every matching document's key.
    reads.length = 0;
    await store.resources.list('t1', { resourceType: 'User', sort: { path: users.path('title'), descending: false }, page: { kind: 'keyset', count: 4, total: 10 } });
    expect(reads.map((read) => read.operation)).toEqual(['aggregate']);
  });

  it('steps over the rows before a deep unfiltered startIndex page with a covered query, then reads the page from there', async () => {
    const { store, reads } = await storeWithUsers(20);
    const page = await store.resources.list('t1', { resourceType: 'User', page: { kind: 'index', startIndex: 16, count: 3 } });
    expect(page.resources.map((resource) => resource.id)).toEqual(['u-15', 'u-16', 'u-17']);
    expect(reads.slice(1)).toEqual([
      { operation: 'find', query: { tenantId: 't1', resourceType: 'User' }, options: expect.objectContaining({ projection: { _id: 0, id: 1 }, sort: { id: 1 }, skip: 15, limit: 1 }) },
      { operation: 'find', query: { $and: [{ id: { $gte: 'u-15' } }, { tenantId: 't1', resourceType: 'User' }] }, options: expect.objectContaining({ sort: { id: 1 }, limit: 3 }) },
    ]);
    const sorted = await planList({ resourceType: 'User', sort: { path: users.path('userName'), descending: false }, page: { kind: 'index', startIndex: 16, count: 3 } }, { model: model.modelOf('User'), tenantId: 't1' });
    expect(sorted.seek).toBe('o.userName');
    // A filtered page (the filter may leave the index) and the first page skip nothing by seeking.
    expect((await planList({ resourceType: 'User', filter: users.pr('title'), page: { kind: 'index', startIndex: 16, count: 3 } }, { model: model.modelOf('User'), tenantId: 't1' })).seek).toBeUndefined();
    expect((await planList({ resourceType: 'User', page: { kind: 'index', startIndex: 1, count: 3 } }, { model: model.modelOf('User'), tenantId: 't1' })).seek).toBeUndefined();
  });

  it('reads `sw` on userName as a prefix of its unique index field, and `eq` as before', async () => {
    const compile = (filter: ReturnType<typeof users.eq>) => filterToMongo(filter, { model: model.modelOf('User') });
    expect(await compile(users.compare('userName', 'sw', 'BJ.e'))).toEqual({ 'u.userName': { $regex: '^bj\\.e' } });
    expect(await compile(users.eq('userName', 'BJensen'))).toEqual({ 'u.userName': { $eq: 'bjensen' } });
    // An empty literal is not a value of the unique field: it stays on the search document.
    expect(await compile(users.compare('userName', 'sw', ''))).toEqual({ 's.userName': { $regex: '^' } });
  });
});

describe('co and ew through trigrams on MongoDB (trigrams.ts)', () => {
  const compile = (filter: ReturnType<typeof users.eq>) => filterToMongo(filter, { model: model.modelOf('User') });

  it('cuts text into distinct pieces of three code points', () => {
    expect(trigramsOf('abcabc')).toEqual(['abc', 'bca', 'cab']);
    expect(trigramsOf('\u{1F600}ab')).toEqual(['\u{1F600}ab']);
    expect(trigramsOf('ab')).toEqual([]);
  });

  it('narrows co and ew of three characters or more on an indexed path by its trigram field, then tests exactly', async () => {
    expect(await compile(users.co('emails.value', 'Example.COM'))).toEqual({
      $and: [{ 'g.emails_002evalue': { $all: trigramsOf('example.com') } }, { 's.emails.value': { $regex: 'example\\.com' } }],
    });
    expect(await compile(users.compare('userName', 'ew', 'sen'))).toEqual({ $and: [{ 'g.userName': { $all: ['sen'] } }, { 's.userName': { $regex: 'sen(?![\\s\\S])' } }] });
    // Too short to have a piece, an attribute without an index, and a condition inside a value filter: the expression only.
    expect(await compile(users.co('emails.value', 'ex'))).toEqual({ 's.emails.value': { $regex: 'ex' } });
    expect(await compile(users.co('name.familyName', 'jensen'))).toEqual({ 's.name.familyName': { $regex: 'jensen' } });
    expect(await compile(users.where('emails', (element) => element.co('value', 'example')))).toEqual({ 's.emails': { $elemMatch: { value: { $regex: 'example' } } } });
  });

  it('returns exactly what the expression matches: a value holding every piece but not the literal is left out', async () => {
    const { store } = await storeWithUsers(0);
    const withEmail = (id: string, value: string) => ({ resourceType: 'User', id, created: '2026-01-01T00:00:00.000Z', attributes: { userName: id, emails: [{ value }] }, internal: {} });
    await store.resources.createMany('t1', [withEmail('u-1', 'abcab@x.example'), withEmail('u-2', 'q.ABCABC@x.example'), withEmail('u-3', 'cabc@x.example')]);
    const found = async (filter: ReturnType<typeof users.eq>) =>
      (await store.resources.list('t1', { resourceType: 'User', filter, page: { kind: 'index', startIndex: 1, count: 10 } })).resources.map((resource) => resource.id);
    expect(await found(users.co('emails.value', 'abcabc'))).toEqual(['u-2']);
    expect(await found(users.compare('emails.value', 'ew', 'abc@x.example'))).toEqual(['u-2', 'u-3']);
    expect(await found(users.co('emails.value', 'bca'))).toEqual(['u-1', 'u-2']);
  });
});

describe('members conditions on MongoDB', () => {
  it('gather at most MEMBER_GROUPS_LIMIT group ids, and answer a condition matching more with tooMany', async () => {
    const { db } = createMingoDb();
    const memberships = db.collection<MembershipDocument>('memberships');
    for (const groupId of ['g-1', 'g-2', 'g-3']) await memberships.insertOne({ tenantId: 't1', groupId, memberId: 'u-1', type: 'User', typeKey: 'user' });
    await memberships.insertOne({ tenantId: 't2', groupId: 'g-9', memberId: 'u-1', type: 'User', typeKey: 'user' });
    expect([...(await memberGroupsResolver(memberships, 't1', 3)({ memberId: 'u-1' }))].sort()).toEqual(['g-1', 'g-2', 'g-3']);
    const refused = await memberGroupsResolver(memberships, 't1', 2)({ memberId: 'u-1' }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'too_many' });
    expect(storeErrorToScim(refused, 'Group')).toMatchObject({ status: 400, scimType: 'tooMany', detail: expect.stringContaining('more than 2 groups') });
    // Through the filter compiler: one $in of the ids, never more than the bound.
    const compiled = await filterToMongo(groups.eq('members.value', 'u-1'), { model: model.modelOf('Group'), memberGroups: memberGroupsResolver(memberships, 't1', 3) });
    expect(compiled).toEqual({ id: { $in: expect.arrayContaining(['g-1', 'g-2', 'g-3']) } });
  });
});
