// The server's plan of every list shape the MongoDB store reads, shown with explain() against a real server when
// MONGODB_URI names one (npm run test:mongo; README "Testing against MongoDB"): each read is recorded as the store sends
// it, explained, and must scan an index (IXSCAN), with no COLLSCAN and no in-memory SORT. Without MONGODB_URI this file
// reports ONE skipped test that says so: the plans are never passed silently. What the store sends is checked on the
// stand-in in list-reads.test.ts.
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db, type Document } from 'mongodb';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { mongoStoreOn, type MongoStore } from '../../../../src/store/mongo/mongo-store';
import { COLLECTIONS } from '../../../../src/store/mongo/indexes';
import { memberGroupsPipeline } from '../../../../src/store/mongo/mongo-membership-store';
import { toMembershipDocument } from '../../../../src/store/mongo/membership-document';
import type { StoreQuery } from '../../../../src/store/resource-store';
import { filterBuilder } from '../../../contract/filter-builder';
import { recordingReads, type RecordedRead } from './recording-reads';

const uri = process.env.MONGODB_URI;
const registry = loadBuiltinRegistry();
const users = filterBuilder(registry, 'User');
const groups = filterBuilder(registry, 'Group');

/** Every stage of the plan the server chose (rejected plans left out), whatever the server version's explain layout. */
function stagesOf(explained: unknown): Array<{ stage: string; indexName?: string }> {
  const found: Array<{ stage: string; indexName?: string }> = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    const node = value as Document;
    if (typeof node.stage === 'string') found.push({ stage: node.stage, ...(typeof node.indexName === 'string' ? { indexName: node.indexName } : {}) });
    for (const [key, inner] of Object.entries(node)) if (key !== 'rejectedPlans' && key !== 'allPlansExecution') visit(inner);
  };
  visit(explained);
  return found;
}

function expectIndexScan(explained: unknown, indexName: string, options: { covered?: boolean } = {}) {
  const stages = stagesOf(explained);
  const names = stages.map((stage) => stage.stage);
  expect(stages).toContainEqual({ stage: 'IXSCAN', indexName });
  expect(names).not.toContain('COLLSCAN');
  // An in-memory sort; SORT_MERGE (merging index scans that are each in order) is not one.
  expect(names).not.toContain('SORT');
  if (options.covered) expect(names).not.toContain('FETCH');
}

if (!uri) {
  const how = "MONGODB_URI is not set; run it with MONGODB_URI='mongodb://localhost:27017/?directConnection=true' npm run test:mongo";
  process.stderr.write(`MongoDB query plans SKIPPED: ${how}\n`);
  describe('MongoDB query plans', () => {
    it.skip(`SKIPPED (no MongoDB server): ${how}`, () => undefined);
  });
} else {
  const serverUri = uri;
  let client: MongoClient;
  let db: Db;
  let store: MongoStore;
  let reads: RecordedRead[];

  beforeAll(async () => {
    client = new MongoClient(serverUri, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    db = client.db(`scim_plans_${randomUUID().replace(/-/g, '').slice(0, 16)}`);
    const recorded = recordingReads(db);
    reads = recorded.reads;
    store = mongoStoreOn({ db: recorded.db, registry, close: async () => undefined });
    await store.prepare();
    // Enough rows in two tenants that a collection scan and an index scan cost differently.
    for (const tenantId of ['t1', 't2']) {
      const batch = Array.from({ length: 2000 }, (_, i) => ({
        resourceType: 'User',
        id: `u-${String(i).padStart(5, '0')}`,
        created: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
        attributes: { userName: `user-${(i * 7919) % 2000}`, name: { familyName: `Family ${i % 97}` }, emails: [{ value: `user${i}@example.com` }] },
        internal: {},
      }));
      await store.resources.createMany(tenantId, batch);
      await store.resources.createMany(tenantId, Array.from({ length: 50 }, (_, i) => ({ resourceType: 'Group', id: `g-${i}`, created: '2026-01-01T00:00:00.000Z', attributes: { displayName: `group ${i}` }, internal: {} })));
      await db
        .collection(COLLECTIONS.memberships)
        .insertMany(Array.from({ length: 500 }, (_, i) => toMembershipDocument(tenantId, `g-${i % 50}`, { value: `u-${String(i).padStart(5, '0')}`, type: 'User' })));
    }
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await db?.dropDatabase();
    await client?.close();
  });

  /** The reads the store sends for a list, each explained by the server. */
  async function explainList(query: StoreQuery): Promise<Array<{ read: RecordedRead; explained: Document }>> {
    reads.length = 0;
    await store.resources.list('t1', query);
    const resources = db.collection(COLLECTIONS.resources);
    const explained: Array<{ read: RecordedRead; explained: Document }> = [];
    for (const read of [...reads]) {
      if (read.operation === 'find') explained.push({ read, explained: await resources.find(read.query as Document, read.options).explain('executionStats') });
      // countDocuments is an aggregation of a $match and a $group: its plan is the $match's.
      if (read.operation === 'countDocuments') explained.push({ read, explained: await resources.aggregate([{ $match: read.query }, { $group: { _id: 1, n: { $sum: 1 } } }]).explain('executionStats') });
      if (read.operation === 'aggregate') explained.push({ read, explained: await resources.aggregate(read.query as Document[], read.options).explain('executionStats') });
    }
    return explained;
  }

  /** The keyset position after the first page of `count`, for a second page. */
  async function secondPage(query: Omit<StoreQuery, 'page'>, count: number): Promise<StoreQuery> {
    const first = await store.resources.list('t1', { ...query, page: { kind: 'keyset', count } });
    return { ...query, page: { kind: 'keyset', count, after: first.next, total: first.totalResults } };
  }

  describe('MongoDB query plans (explain)', () => {
    it('a cursor page in id order: one range of the id index, no count on a later page', async () => {
      const plans = await explainList(await secondPage({ resourceType: 'User' }, 100));
      expect(plans.map(({ read }) => read.operation)).toEqual(['find']);
      expectIndexScan(plans[0].explained, 'tenant_type_id');
    });

    it.each([
      ['userName', false, 'sort_userName'],
      ['userName', true, 'sort_userName'],
      ['name.familyName', false, 'sort_name_002efamilyName'],
      ['name.familyName', true, 'sort_name_002efamilyName'],
      ['meta.lastModified', false, 'tenant_type_last_modified'],
    ])('a cursor page sorted by %s (descending: %s): a range of %s from the keyset position, no in-memory sort', async (path, descending, index) => {
      const plans = await explainList(await secondPage({ resourceType: 'User', sort: { path: users.path(path), descending } }, 100));
      expect(plans.map(({ read }) => read.operation)).toEqual(['find']);
      expectIndexScan(plans[0].explained, index);
      // The page reads what it returns and the row that says another page follows (by meta.lastModified also the last
      // row of the page before, where the range starts), not the tenant.
      expect(plans[0].explained.executionStats.totalDocsExamined).toBeLessThanOrEqual(102);
    });

    it('a deep unfiltered startIndex page: the skipped rows are index keys only (covered), the page a range from there', async () => {
      for (const sort of [undefined, { path: users.path('userName'), descending: false }]) {
        const plans = await explainList({ resourceType: 'User', ...(sort ? { sort } : {}), page: { kind: 'index', startIndex: 1501, count: 100 } });
        expect(plans.map(({ read }) => read.operation)).toEqual(['countDocuments', 'find', 'find']);
        const index = sort ? 'sort_userName' : 'tenant_type_id';
        expectIndexScan(plans[1].explained, index, { covered: true });
        expect(plans[1].explained.executionStats.totalDocsExamined).toBe(0);
        expectIndexScan(plans[2].explained, index);
        expect(plans[2].explained.executionStats.totalDocsExamined).toBeLessThanOrEqual(100);
      }
    });

    it.each([
      ['userName eq', users.eq('userName', 'USER-42'), 'unique_userName'],
      ['userName sw (a prefix of the unique field)', users.compare('userName', 'sw', 'User-19'), 'unique_userName'],
      ['emails.value eq', users.eq('emails.value', 'user42@example.com'), 'lookup_emails_002evalue'],
      ['emails.value sw (a prefix of the lookup field)', users.compare('emails.value', 'sw', 'user19'), 'lookup_emails_002evalue'],
      ['emails.value co (the trigrams of the literal)', users.co('emails.value', 'er19@'), 'trigrams_emails_002evalue'],
      ['emails.value ew (the trigrams of the literal)', users.compare('emails.value', 'ew', '9@example.com'), 'trigrams_emails_002evalue'],
    ])('a %s filter: its count reads %s, its page an index too', async (_name, filter, index) => {
      const plans = await explainList({ resourceType: 'User', filter, page: { kind: 'keyset', count: 100 } });
      expect(plans.map(({ read }) => read.operation)).toEqual(['countDocuments', 'find']);
      expectIndexScan(plans[0].explained, index);
      // The page in id order: the filter's index with the matches sorted in memory, or the id index in order with the
      // filter applied to what it reads; the server chooses by the match's size. Never the collection.
      const stages = stagesOf(plans[1].explained).map((stage) => stage.stage);
      expect(stages).toContain('IXSCAN');
      expect(stages).not.toContain('COLLSCAN');
    });

    it('a members filter: the groups of a member from the membership index (bounded), then the groups by id', async () => {
      const memberships = db.collection(COLLECTIONS.memberships);
      const explained = await memberships.aggregate(memberGroupsPipeline('t1', { memberId: 'u-00007' }, 100_000)).explain('executionStats');
      const stages = stagesOf(explained);
      expect(stages).toContainEqual({ stage: 'IXSCAN', indexName: 'tenant_member_group' });
      expect(stages.map((stage) => stage.stage)).not.toContain('COLLSCAN');
      const plans = await explainList({ resourceType: 'Group', filter: groups.eq('members.value', 'u-00007'), page: { kind: 'keyset', count: 100 } });
      for (const { explained: plan } of plans) expectIndexScan(plan, 'tenant_type_id');
    });
  });
}
