// The staged audit events of writes gathered per group transaction (src/store/sqlite/audit-staging.ts): the events the
// writes of one group transaction hand over are inserted into audit_staged together, just before its COMMIT, so they
// are committed exactly when their writes are; those of a write that rolls back, or of a transaction that fails, are
// written nowhere; a read of the trail misses none whose write committed before it. A second connection is the evidence of what is committed (WAL: it reads committed rows only).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import type { AuditEventRecord } from '../../../src/store/audit-event-store';
import type { NewOutboxMessage } from '../../../src/store/outbox-store';
import { createAuditStaging, type AuditStaging } from '../../../src/store/sqlite/audit-staging';
import { createGroupCommit, type GroupCommit } from '../../../src/store/sqlite/group-commit';
import { migrate } from '../../../src/store/sqlite/migrations';
import { configureConnection, sqliteStoreOn } from '../../../src/store/sqlite/sqlite-store';
import { createStatementCache } from '../../../src/store/sqlite/statement-cache';
import { isStoreError } from '../../../src/store/store-error';

const registry = loadBuiltinRegistry();
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** The START and SUCCESS of write `name`, as OperationAudit makes them. */
function eventsOf(name: string, seconds = 1): AuditEventRecord[] {
  return (['START', 'SUCCESS'] as const).map((phase, index) => ({
    id: `${name}-${phase.toLowerCase()}`,
    tenantId: 't1',
    type: `USER_CREATE_${phase}`,
    time: new Date(T0 + seconds * 1000 + index).toISOString(),
    outcome: phase === 'START' ? 'started' : 'success',
    actor: { kind: 'token', tokenId: 'tok', label: 'okta' },
    requestId: `r-${name}`,
    clientAddress: null,
    resource: { type: 'User', id: name },
  }));
}

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'scim-audit-staging-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

/** A connection with the store's pragmas, its schema migrated. */
function opened(file: string): Database.Database {
  const db = new Database(file);
  configureConnection(db, 0);
  migrate(db);
  return db;
}

const outcomeOf = (settled: PromiseSettledResult<unknown>) =>
  settled.status === 'fulfilled' ? 'ok' : isStoreError(settled.reason) ? settled.reason.code : String((settled.reason as Error).message);

describe('events gathered per group transaction', () => {
  let db: Database.Database;
  let reader: Database.Database;
  let staging: AuditStaging;
  let commits: GroupCommit;
  /** The staged event ids another connection sees (committed ones only), in staging order. */
  const committedIds = () => (reader.prepare('SELECT id FROM audit_staged ORDER BY seq').all() as { id: string }[]).map((row) => row.id);
  /** The staged rows the writing connection sees, its open transaction included. */
  const stagedHere = () => (db.prepare('SELECT count(*) AS n FROM audit_staged').get() as { n: number }).n;

  beforeEach(() => {
    const file = join(directory, 'staging.db');
    db = opened(file);
    db.exec(`CREATE TABLE items (name TEXT PRIMARY KEY);
             CREATE TABLE parents (id INTEGER PRIMARY KEY);
             -- checked at COMMIT, not at the statement: a way to make the COMMIT itself fail
             CREATE TABLE children (parent INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)`);
    reader = new Database(file, { readonly: true });
    staging = createAuditStaging(createStatementCache(db));
    commits = createGroupCommit(db, { windowMs: 0, gathering: staging });
  });
  afterEach(() => {
    reader.close();
    if (db.open) db.close();
  });

  /** A write that inserts its row and hands over its events, as a resource write with an audit-store-only message does. */
  const write = (name: string, after?: () => void) => () => {
    db.prepare('INSERT INTO items (name) VALUES (?)').run(name);
    staging.stage(eventsOf(name));
    after?.();
    return name;
  };

  it('inserts the events of all the writes of a transaction after the last of them, and commits them with the writes', async () => {
    const seenDuringWrites: number[] = [];
    const writes = ['a', 'b', 'c'].map((name) => commits.run(write(name, () => seenDuringWrites.push(stagedHere()))));
    expect(await Promise.all(writes)).toEqual(['a', 'b', 'c']);
    // Gathered while the writes ran (not one insert per write), inserted before the COMMIT, in the writes' order.
    expect(seenDuringWrites).toEqual([0, 0, 0]);
    expect(committedIds()).toEqual(['a-start', 'a-success', 'b-start', 'b-success', 'c-start', 'c-success']);
  });

  it('forgets the events of a write that rolls back to its savepoint; its neighbours keep theirs', async () => {
    const results = await Promise.allSettled([
      commits.run(write('a')),
      commits.run(
        write('b', () => {
          throw new Error('the write gave up after handing over its events');
        }),
      ),
      commits.run(write('a')), // a duplicate key: fails before it hands over anything
      commits.run(write('d')),
    ]);
    expect(results.map(outcomeOf)).toEqual(['ok', 'the write gave up after handing over its events', expect.stringContaining('UNIQUE'), 'ok']);
    expect(committedIds()).toEqual(['a-start', 'a-success', 'd-start', 'd-success']);
    expect(reader.prepare('SELECT name FROM items ORDER BY name').all()).toEqual([{ name: 'a' }, { name: 'd' }]);
  });

  it('writes the events of a lone write that fails nowhere, neither then nor with the next transaction', async () => {
    await expect(
      commits.run(
        write('lost', () => {
          throw new Error('refused');
        }),
      ),
    ).rejects.toThrow('refused');
    expect(committedIds()).toEqual([]);
    await commits.run(write('next'));
    expect(committedIds()).toEqual(['next-start', 'next-success']);
  });

  it('writes the events of a transaction whose COMMIT fails nowhere, neither then nor with the next transaction', async () => {
    const results = await Promise.allSettled([
      commits.run(write('a')),
      commits.run(() => db.prepare('INSERT INTO children (parent) VALUES (42)').run()), // fails the COMMIT of all three
      commits.run(write('c')),
    ]);
    expect(results.map(outcomeOf)).toEqual(['FOREIGN KEY constraint failed', 'FOREIGN KEY constraint failed', 'FOREIGN KEY constraint failed']);
    expect(committedIds()).toEqual([]);
    await commits.run(write('next'));
    expect(committedIds()).toEqual(['next-start', 'next-success']);
  });

  it('outside a group transaction inserts the events at once, in the caller\'s transaction', () => {
    db.transaction(() => {
      expect(staging.stage(eventsOf('direct'))).toBe(2);
      expect(stagedHere()).toBe(2);
    })();
    expect(committedIds()).toEqual(['direct-start', 'direct-success']);
  });
});

describe('the store: events of concurrent writes staged together', () => {
  const user = (id: string, userName: string) => ({ resourceType: 'User', id, created: new Date(T0).toISOString(), attributes: { userName }, internal: {} });
  const auditOnly = (name: string): NewOutboxMessage => ({
    id: `m-${name}`,
    tenantId: 't1',
    topic: 'audit',
    key: `operation:${name}`,
    payload: { events: eventsOf(name) } as unknown as NewOutboxMessage['payload'],
    created: new Date(T0).toISOString(),
    auditStoreOnly: true,
  });

  afterEach(() => jest.useRealTimers());

  it('finds the events of a write committed in the same transaction as the move that a read of the trail makes first', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const store = sqliteStoreOn(opened(join(directory, 'scim.db')), { registry });
    try {
      await store.resources.create('t1', user('u1', 'ann@example.com'), [auditOnly('u1')]);
      // In one turn: a create, then a read, which finds events staged and queues their move after the create.
      const [, read] = await Promise.all([store.resources.create('t1', user('u2', 'bob@example.com'), [auditOnly('u2')]), store.auditEvents.list('t1', { count: 10 })]);
      expect(read.events.map((event) => event.id).sort()).toEqual(['u1-start', 'u1-success', 'u2-start', 'u2-success']);
    } finally {
      await store.close();
    }
  });

  it("stages the events of one turn's creates with them, not a refused create's, and they survive a reopen before the move", async () => {
    // No periodic move while the test runs: the events stay staged until the store is read after the reopen.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const file = join(directory, 'scim.db');
    const store = sqliteStoreOn(opened(file), { registry });
    const results = await Promise.allSettled([
      store.resources.create('t1', user('u1', 'ann@example.com'), [auditOnly('u1')]),
      store.resources.create('t1', user('u2', 'ANN@example.com'), [auditOnly('u2')]), // the userName is taken
      store.resources.create('t1', user('u3', 'bob@example.com'), [auditOnly('u3')]),
    ]);
    expect(results.map(outcomeOf)).toEqual(['ok', 'conflict', 'ok']);
    await store.close();

    const raw = new Database(file, { readonly: true });
    try {
      // Still staged (not moved), in one transaction with the users: the rows of u1 and u3 only.
      expect((raw.prepare('SELECT id FROM audit_staged ORDER BY seq').all() as { id: string }[]).map((row) => row.id)).toEqual(['u1-start', 'u1-success', 'u3-start', 'u3-success']);
      expect(raw.prepare('SELECT count(*) AS n FROM audit_events').get()).toEqual({ n: 0 });
    } finally {
      raw.close();
    }

    const reopened = sqliteStoreOn(opened(file), { registry });
    try {
      const { events } = await reopened.auditEvents.list('t1', { count: 10 });
      expect(events.map((event) => event.id).sort()).toEqual(['u1-start', 'u1-success', 'u3-start', 'u3-success']);
      expect(events.find((event) => event.id === 'u3-success')).toEqual(eventsOf('u3')[1]);
    } finally {
      await reopened.close();
    }
  });
});
