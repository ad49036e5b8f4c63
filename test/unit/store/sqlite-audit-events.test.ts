// The embedded store's audit events beyond the shared contract (test/contract/audit-event-store.contract.ts): migration
// 20 (the resource index on a key of the id, one index for outcome and type) on a store that already holds events, a
// lookup whose key is shared by another id, the index each filter reads, and the staged events of writes (migration
// 21): found by every read as soon as their write committed, answered as appended ones are, moved in batches.
import Database from 'better-sqlite3';
import type { AuditEventRecord, AuditEventStore, AuditFilter } from '../../../src/store/audit-event-store';
import { auditResourceKey } from '../../../src/store/sqlite/audit-resource-key';
import { createGroupCommit } from '../../../src/store/sqlite/group-commit';
import { MIGRATIONS, migrate } from '../../../src/store/sqlite/migrations';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSqliteAuditEventStore, stageAuditEvents } from '../../../src/store/sqlite/sqlite-audit-event-store';
import { createStatementCache, type StatementCache } from '../../../src/store/sqlite/statement-cache';

const BASE = Date.parse('2026-01-01T00:00:00.000Z');
const PHASES = [
  ['START', 'started'],
  ['SUCCESS', 'success'],
  ['FAIL', 'failure'],
] as const;
const ACTIONS = ['USER_RETRIEVE', 'USER_CREATE', 'GROUP_UPDATE'];

/** Event n: types, outcomes, tokens, resources and tenants varied so that every filter below picks a mixed set. */
function event(n: number): AuditEventRecord {
  const [phase, outcome] = PHASES[n % 3];
  const resourceId = n % 5 === 4 ? undefined : `res-${n % 7}`;
  return {
    id: `e-${String(n).padStart(4, '0')}`,
    tenantId: n % 4 === 3 ? 't2' : 't1',
    type: `${ACTIONS[n % 3 === 0 ? (n / 3) % 3 : (n + 1) % 3]}_${phase}`,
    time: new Date(BASE + n * 1000).toISOString(),
    outcome,
    actor: { kind: 'token', tokenId: `tok-${n % 2}`, label: 'okta' },
    requestId: `r-${n}`,
    clientAddress: '192.0.2.1',
    resource: resourceId === undefined ? { type: 'User' } : { type: 'User', id: resourceId },
  };
}

const compare = (field: 'type' | 'outcome' | 'time' | 'actor.tokenId' | 'resource.id', op: 'eq' | 'sw' | 'ge' | 'co', value: string): AuditFilter => ({
  kind: 'compare',
  field,
  op,
  value,
});

/** The filters an auditor asks, each with what it means, evaluated in memory as the oracle. */
const FILTERS: readonly { readonly filter: AuditFilter; readonly matches: (event: AuditEventRecord) => boolean }[] = [
  { filter: compare('resource.id', 'eq', 'res-3'), matches: (e) => e.resource?.id === 'res-3' },
  { filter: { kind: 'not', filter: compare('resource.id', 'eq', 'res-3') }, matches: (e) => e.resource?.id !== 'res-3' },
  { filter: compare('resource.id', 'sw', 'res-'), matches: (e) => e.resource?.id?.startsWith('res-') === true },
  { filter: compare('type', 'eq', 'USER_CREATE_SUCCESS'), matches: (e) => e.type === 'USER_CREATE_SUCCESS' },
  { filter: compare('type', 'sw', 'USER_'), matches: (e) => e.type.startsWith('USER_') },
  { filter: { kind: 'not', filter: compare('type', 'sw', 'USER_') }, matches: (e) => !e.type.startsWith('USER_') },
  { filter: compare('outcome', 'eq', 'failure'), matches: (e) => e.outcome === 'failure' },
  {
    filter: { kind: 'and', filters: [compare('type', 'sw', 'USER_'), compare('outcome', 'eq', 'success'), compare('time', 'ge', new Date(BASE + 20_000).toISOString())] },
    matches: (e) => e.type.startsWith('USER_') && e.outcome === 'success' && e.time >= new Date(BASE + 20_000).toISOString(),
  },
  { filter: { kind: 'and', filters: [compare('actor.tokenId', 'eq', 'tok-1'), compare('resource.id', 'eq', 'res-2')] }, matches: (e) => e.actor.tokenId === 'tok-1' && e.resource?.id === 'res-2' },
  { filter: { kind: 'or', filters: [compare('resource.id', 'eq', 'res-1'), compare('type', 'co', 'UPDATE')] }, matches: (e) => e.resource?.id === 'res-1' || e.type.includes('UPDATE') },
];

/** Newest first, as a page lists them. */
const expectedIds = (events: readonly AuditEventRecord[], tenantId: string, matches: (event: AuditEventRecord) => boolean) =>
  events
    .filter((e) => e.tenantId === tenantId && matches(e))
    .sort((a, b) => (a.time === b.time ? b.id.localeCompare(a.id) : b.time.localeCompare(a.time)))
    .map((e) => e.id);

async function expectEveryFilter(audit: AuditEventStore, events: readonly AuditEventRecord[]) {
  for (const tenantId of ['t1', 't2']) {
    for (const { filter, matches } of FILTERS) {
      const expected = expectedIds(events, tenantId, matches);
      const page = await audit.list(tenantId, { filter, count: 500 });
      expect({ filter, ids: page.events.map((e) => e.id), total: page.totalResults }).toEqual({ filter, ids: expected, total: expected.length });
    }
  }
}

describe('migration 20: audit events by resource key, one index for outcome and type', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
  });
  afterEach(() => db.close());

  it('keeps the events stored before it readable and filterable, beside those written after it', async () => {
    migrate(db, MIGRATIONS.slice(0, 19));
    const before = Array.from({ length: 60 }, (_, n) => event(n));
    // Rows as the store wrote them before migration 20: no key column.
    const insert = db.prepare('INSERT INTO audit_events (id, tenant_id, time, type, outcome, actor_token_id, resource_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (const e of before) insert.run(e.id, e.tenantId, e.time, e.type, e.outcome, e.actor.tokenId, e.resource?.id ?? null, JSON.stringify(e));

    expect(migrate(db)).toMatchObject({ from: 19 });
    const keys = db.prepare('SELECT resource_id, resource_key FROM audit_events ORDER BY id').all() as { resource_id: string | null; resource_key: number | null }[];
    expect(keys).toEqual(before.map((e) => ({ resource_id: e.resource?.id ?? null, resource_key: e.resource?.id === undefined ? null : auditResourceKey(e.resource.id) })));
    const indexes = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'audit_events' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map(
      (row) => row.name,
    );
    expect(indexes).toEqual(['audit_events_by_outcome_type', 'audit_events_by_resource_key', 'audit_events_by_time', 'audit_events_by_token']);

    const audit = createSqliteAuditEventStore({ db, statements: createStatementCache(db), commits: createGroupCommit(db, { windowMs: 0 }) });
    await expectEveryFilter(audit, before);
    const after = Array.from({ length: 40 }, (_, n) => event(60 + n));
    expect(await audit.append(after)).toBe(40);
    await expectEveryFilter(audit, [...before, ...after]);
    expect(await audit.get('t1', 'e-0004')).toEqual(before[4]);
  });
});

describe('the embedded audit store', () => {
  let db: Database.Database;
  let audit: AuditEventStore;
  beforeEach(() => {
    db = new Database(':memory:');
    migrate(db);
    audit = createSqliteAuditEventStore({ db, statements: createStatementCache(db), commits: createGroupCommit(db, { windowMs: 0 }) });
  });
  afterEach(() => db.close());

  it('finds the events of a resource by its id, not by its key alone: another id with the same key is not returned', async () => {
    const events = Array.from({ length: 30 }, (_, n) => event(n));
    await audit.append(events);
    // Two ids sharing a 48-bit key are rare; one is made here by giving res-5's events the key of res-3.
    db.prepare("UPDATE audit_events SET resource_key = ? WHERE resource_id = 'res-5'").run(auditResourceKey('res-3'));
    expect(db.prepare('SELECT count(DISTINCT resource_id) AS ids FROM audit_events WHERE resource_key = ?').get(auditResourceKey('res-3'))).toEqual({ ids: 2 });
    const page = await audit.list('t1', { filter: compare('resource.id', 'eq', 'res-3'), count: 100 });
    expect(page.events.map((e) => e.id)).toEqual(expectedIds(events, 't1', (e) => e.resource?.id === 'res-3'));
    expect(page.events.length).toBeGreaterThan(0);
    expect(page.totalResults).toBe(page.events.length);
  });

  it('reads each filter of an auditor through an index that starts with what it pins, never the whole table', async () => {
    await audit.append(Array.from({ length: 30 }, (_, n) => event(n)));
    const seen: { sql: string; params: unknown[] }[] = [];
    const cache = createStatementCache(db);
    const recording: StatementCache = {
      get size() {
        return cache.size;
      },
      get(sql) {
        const statement = cache.get(sql);
        return new Proxy(statement, {
          get(target, name) {
            const value = Reflect.get(target, name) as unknown;
            if ((name === 'all' || name === 'get') && typeof value === 'function') {
              return (...params: unknown[]) => {
                seen.push({ sql, params });
                return (value as (...args: unknown[]) => unknown).apply(target, params);
              };
            }
            return value;
          },
        });
      },
    };
    const recorded = createSqliteAuditEventStore({ db, statements: recording, commits: createGroupCommit(db, { windowMs: 0 }) });
    const plans = async (filter: AuditFilter) => {
      seen.length = 0;
      await recorded.list('t1', { filter, count: 10 });
      // The page and its count, not the look for staged events before them (migration 21).
      return seen.filter(({ sql }) => !sql.includes('audit_staged')).map(({ sql, params }) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail).join('; '));
    };
    const expectIndex = async (filter: AuditFilter, index: string) => {
      const [count, page] = await plans(filter);
      for (const plan of [count, page]) {
        expect(plan).toContain(index);
        expect(plan).not.toMatch(/SCAN audit_events(?! USING)/);
      }
    };
    await expectIndex(compare('resource.id', 'eq', 'res-3'), 'audit_events_by_resource_key (resource_key=?)');
    await expectIndex(compare('actor.tokenId', 'eq', 'tok-1'), 'audit_events_by_token (actor_token_id=?)');
    await expectIndex(compare('type', 'eq', 'USER_CREATE_SUCCESS'), 'audit_events_by_outcome_type (tenant_id=? AND outcome=? AND type=?)');
    await expectIndex(compare('type', 'sw', 'USER_'), 'audit_events_by_outcome_type (tenant_id=? AND outcome=? AND type>?)');
    await expectIndex(compare('outcome', 'eq', 'failure'), 'audit_events_by_outcome_type (tenant_id=? AND outcome=?)');
    await expectIndex(compare('time', 'ge', new Date(BASE).toISOString()), 'audit_events_by_time (tenant_id=? AND time>?)');
  });
});

describe('staged events of writes (migration 21)', () => {
  let db: Database.Database;
  let statements: StatementCache;
  const storeOn = (on: Database.Database, moveStagedMs = 0) =>
    createSqliteAuditEventStore({ db: on, statements: createStatementCache(on), commits: createGroupCommit(on, { windowMs: 0 }), moveStagedMs });
  /** As a resource write stages its START and SUCCESS: in its own transaction, two at a time. */
  const stageAsWrites = (on: Database.Database, cache: StatementCache, events: readonly AuditEventRecord[]) => {
    for (let from = 0; from < events.length; from += 2) on.transaction(() => stageAuditEvents(cache, events.slice(from, from + 2)))();
  };
  /** The store's append before migration 21 (it has no staging table to look at): the insert itself. */
  const storeOnUnstaged = (on: Database.Database) => ({
    append: (events: readonly AuditEventRecord[]) =>
      on.transaction(() => {
        const insert = on.prepare('INSERT INTO audit_events (id, tenant_id, time, type, outcome, actor_token_id, resource_id, resource_key, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
        for (const e of events) insert.run(e.id, e.tenantId, e.time, e.type, e.outcome, e.actor.tokenId, e.resource?.id ?? null, e.resource?.id === undefined ? null : auditResourceKey(e.resource.id), JSON.stringify(e));
      })(),
  });
  const stagedRows = (on: Database.Database) => (on.prepare('SELECT count(*) AS n FROM audit_staged').get() as { n: number }).n;
  beforeEach(() => {
    db = new Database(':memory:');
    migrate(db);
    statements = createStatementCache(db);
  });
  afterEach(() => {
    jest.useRealTimers();
    db.close();
  });

  it('answers every filter, page and lookup as soon as the events are staged, exactly as for the same events appended', async () => {
    const events = Array.from({ length: 60 }, (_, n) => event(n));
    stageAsWrites(db, statements, events);
    expect(stagedRows(db)).toBe(60);
    const staged = storeOn(db);
    const appendedDb = new Database(':memory:');
    try {
      migrate(appendedDb);
      const appended = storeOn(appendedDb);
      await appended.append(events);
      await expectEveryFilter(staged, events);
      for (const tenantId of ['t1', 't2']) {
        for (const { filter } of FILTERS) {
          expect(JSON.stringify(await staged.list(tenantId, { filter, count: 500 }))).toBe(JSON.stringify(await appended.list(tenantId, { filter, count: 500 })));
        }
      }
      expect(JSON.stringify(await staged.get('t1', 'e-0004'))).toBe(JSON.stringify(await appended.get('t1', 'e-0004')));
      expect(stagedRows(db)).toBe(0);
    } finally {
      appendedDb.close();
    }
  });

  it('finds an event by id the moment it is staged, and stores an id already in the trail once', async () => {
    const audit = storeOn(db);
    await audit.append([event(1)]);
    stageAsWrites(db, statements, [event(1), event(4)]);
    expect(await audit.get('t1', 'e-0004')).toEqual(event(4));
    expect(await audit.list('t1', { count: 10 })).toEqual({ events: [event(4), event(1)], totalResults: 2 });
    expect(db.prepare('SELECT count(*) AS n FROM audit_events').get()).toEqual({ n: 2 });
  });

  it('moves the staged events in the transaction of the next append, with the read events it writes', async () => {
    const audit = storeOn(db);
    stageAsWrites(db, statements, [event(0), event(1)]);
    expect(await audit.append([event(2)])).toBe(1);
    expect(stagedRows(db)).toBe(0);
    expect(db.prepare('SELECT id FROM audit_events ORDER BY id').all()).toEqual([{ id: 'e-0000' }, { id: 'e-0001' }, { id: 'e-0002' }]);
  });

  it('moves the staged events about once a second when nothing reads the trail', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const audit = storeOn(db, 1000);
    try {
      stageAsWrites(db, statements, [event(0), event(1)]);
      jest.advanceTimersByTime(999);
      await new Promise((resolve) => setImmediate(resolve));
      expect(stagedRows(db)).toBe(2);
      jest.advanceTimersByTime(1);
      // The move runs in the next group transaction (a setImmediate), and its promise settles after its COMMIT.
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(stagedRows(db)).toBe(0);
      expect(db.prepare('SELECT count(*) AS n FROM audit_events').get()).toEqual({ n: 2 });
    } finally {
      audit.stop();
    }
  });

  it('keeps staged events in the file across a close, and a store opened on it reads them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-staged-'));
    try {
      const file = path.join(dir, 'store.db');
      const first = new Database(file);
      migrate(first);
      stageAsWrites(first, createStatementCache(first), [event(0), event(1)]);
      first.close();
      const second = new Database(file);
      try {
        expect(stagedRows(second)).toBe(2);
        expect((await storeOn(second).list('t1', { count: 10 })).events).toEqual([event(1), event(0)]);
      } finally {
        second.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('comes to a store that holds events already: they stay as they were, beside the staged ones', async () => {
    const seeded = new Database(':memory:');
    try {
      migrate(seeded, MIGRATIONS.slice(0, 20));
      const before = Array.from({ length: 40 }, (_, n) => event(n));
      await storeOnUnstaged(seeded).append(before);
      expect(migrate(seeded)).toEqual({ from: 20, to: MIGRATIONS.length });
      const after = Array.from({ length: 20 }, (_, n) => event(40 + n));
      stageAsWrites(seeded, createStatementCache(seeded), after);
      await expectEveryFilter(storeOn(seeded), [...before, ...after]);
    } finally {
      seeded.close();
    }
  });

  it('sweeps staged events older than the retention as it sweeps stored ones', async () => {
    const audit = storeOn(db);
    stageAsWrites(db, statements, [event(0), event(1), event(4)]);
    expect(await audit.purge('t1', new Date(BASE + 2000).toISOString(), 100)).toBe(2);
    expect((await audit.list('t1', { count: 10 })).events).toEqual([event(4)]);
  });
});
