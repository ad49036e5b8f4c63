// Schema migrations through PRAGMA user_version, applied in one transaction at open.
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate } from '../../../src/store/sqlite/migrations';
import { MEMBERSHIP_SQL } from '../../../src/store/sqlite/sqlite-membership-store';

const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((row) => row.name);

describe('migrate', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
  });
  afterEach(() => db.close());

  it('creates the schema on an empty database and records its version', () => {
    expect(migrate(db)).toEqual({ from: 0, to: MIGRATIONS.length });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(tables(db)).toEqual(['audit_events', 'audit_staged', 'blobs', 'idempotency_keys', 'invitation_tokens', 'invitations', 'jobs', 'memberships', 'outbox', 'rate_counters', 'resource_counts',
      // migration 16: the trigram index (FTS5) and its shadow tables
      'resource_texts', 'resource_texts_trigrams', 'resource_texts_trigrams_config', 'resource_texts_trigrams_data', 'resource_texts_trigrams_idx',
      'resource_values', 'resources', 'sign_ins', 'store_meta', 'tenant_settings', 'tenants', 'tokens']);
  });

  it('applies nothing the second time', () => {
    migrate(db);
    expect(migrate(db)).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length });
  });

  it('applies only the missing migrations, in order', () => {
    const first = ['CREATE TABLE a (x INTEGER) STRICT;'];
    migrate(db, first);
    expect(migrate(db, [...first, 'ALTER TABLE a ADD COLUMN y INTEGER;', 'CREATE TABLE b (x INTEGER);'])).toEqual({ from: 1, to: 3 });
    expect(tables(db)).toEqual(['a', 'b']);
    expect(db.pragma('user_version', { simple: true })).toBe(3);
  });

  it('rolls back every migration of the run when one fails', () => {
    expect(() => migrate(db, ['CREATE TABLE a (x INTEGER);', 'CREATE TABLE b (x INTEGER); CREATE TABLE a (y INTEGER);'])).toThrow(/already exists/);
    expect(tables(db)).toEqual([]);
    expect(db.pragma('user_version', { simple: true })).toBe(0);
  });

  it('refuses a database written by a newer server', () => {
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    expect(() => migrate(db)).toThrow(`schema version ${MIGRATIONS.length + 1}, newer than this server knows (${MIGRATIONS.length})`);
  });
});

describe('migration 2: memberships', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
  });
  afterEach(() => db.close());

  it('moves members held in group documents into the memberships table', () => {
    migrate(db, MIGRATIONS.slice(0, 1));
    const insert = db.prepare(
      "INSERT INTO resources (tenant_id, resource_type, id, version, created, last_modified, data, internal, search) VALUES (?, ?, ?, 1, 'c', 'c', ?, '{}', ?)",
    );
    const members = [{ value: 'u-1', display: 'One' }, { value: 'g-2', type: 'Group' }, { display: 'no value' }];
    insert.run('t1', 'Group', 'g-1', JSON.stringify({ displayName: 'G', members }), JSON.stringify({ displayName: ['g'], members }));
    insert.run('t1', 'User', 'u-1', JSON.stringify({ userName: 'one' }), JSON.stringify({ userName: ['one'] }));
    db.prepare("INSERT INTO resource_values VALUES ('t1', 'Group', 'members.value', 'u-1', 'g-1', 0)").run();

    migrate(db);
    expect(db.prepare('SELECT tenant_id, group_id, member_id, member_type, display FROM memberships ORDER BY member_id').all()).toEqual([
      { tenant_id: 't1', group_id: 'g-1', member_id: 'g-2', member_type: 'Group', display: null },
      { tenant_id: 't1', group_id: 'g-1', member_id: 'u-1', member_type: 'User', display: 'One' },
    ]);
    const group = db.prepare("SELECT data, search FROM resources WHERE id = 'g-1'").get() as { data: string; search: string };
    expect(JSON.parse(group.data)).toEqual({ displayName: 'G' });
    expect(JSON.parse(group.search)).toEqual({ displayName: ['g'] });
    expect(db.prepare("SELECT count(*) AS n FROM resource_values WHERE path = 'members.value'").get()).toEqual({ n: 0 });
  });

  it('serves every membership statement through an index, never a scan', () => {
    migrate(db);
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x')) as { detail: string }[]).map((row) => row.detail);
    for (const [name, sql] of Object.entries(MEMBERSHIP_SQL)) {
      const steps = plan(sql);
      expect({ name, scans: steps.filter((step) => /^SCAN memberships/.test(step)) }).toEqual({ name, scans: [] });
    }
    // The members of a page in one statement, each still a search of memberships_by_member.
    expect(plan(MEMBERSHIP_SQL.groupsOf)).toEqual([
      'SEARCH memberships USING COVERING INDEX memberships_by_member (tenant_id=? AND member_id=?)',
      'LIST SUBQUERY 1',
      'SCAN json_each VIRTUAL TABLE INDEX 1:',
    ]);
    // One member: the same index, without the JSON array.
    expect(plan(MEMBERSHIP_SQL.groupsOfOne)).toEqual(['SEARCH memberships USING COVERING INDEX memberships_by_member (tenant_id=? AND member_id=?)']);
    // One member's groups at every level: each step of the walk a search by member id, never a search of the whole
    // tenant's memberships (the join order is fixed: the walk's rows outside, the index inside).
    expect(plan(MEMBERSHIP_SQL.groupsAbove)).toEqual([
      'CO-ROUTINE up',
      'SETUP',
      'SEARCH memberships USING COVERING INDEX memberships_by_member (tenant_id=? AND member_id=?)',
      'RECURSIVE STEP',
      'SCAN up',
      'SEARCH m USING COVERING INDEX memberships_by_member (tenant_id=? AND member_id=?)',
      'SCAN up',
      'SEARCH r USING INDEX sqlite_autoindex_resources_1 (tenant_id=? AND resource_type=? AND id=?) LEFT-JOIN',
    ]);
    expect(plan(MEMBERSHIP_SQL.groupsAboveDirect)).toEqual([
      'SEARCH m USING COVERING INDEX memberships_by_member (tenant_id=? AND member_id=?)',
      'SEARCH r USING INDEX sqlite_autoindex_resources_1 (tenant_id=? AND resource_type=? AND id=?) LEFT-JOIN',
      'CORRELATED SCALAR SUBQUERY 1',
      'SEARCH p USING COVERING INDEX memberships_by_member (tenant_id=? AND member_id=?)',
    ]);
    expect(plan(MEMBERSHIP_SQL.has)).toEqual(['SEARCH memberships USING PRIMARY KEY (tenant_id=? AND group_id=? AND member_id=?)']);
  });
});

describe('migration 3: resource counts', () => {
  it('backfills the counts of existing rows, then keeps them per tenant and type through inserts and deletes', () => {
    const db = new Database(':memory:');
    try {
      migrate(db, MIGRATIONS.slice(0, 2));
      const insert = db.prepare(
        "INSERT INTO resources (tenant_id, resource_type, id, version, created, last_modified, data, internal, search) VALUES (?, ?, ?, 1, 'c', 'c', '{}', '{}', '{}')",
      );
      insert.run('t1', 'User', 'u-1');
      insert.run('t1', 'User', 'u-2');
      insert.run('t2', 'User', 'u-3');
      migrate(db);
      const counts = () => db.prepare('SELECT tenant_id, resource_type, total FROM resource_counts ORDER BY tenant_id, resource_type').all();
      expect(counts()).toEqual([
        { tenant_id: 't1', resource_type: 'User', total: 2 },
        { tenant_id: 't2', resource_type: 'User', total: 1 },
      ]);
      insert.run('t1', 'Group', 'g-1');
      insert.run('t1', 'User', 'u-4');
      db.prepare("DELETE FROM resources WHERE tenant_id = 't2' AND id = 'u-3'").run();
      expect(counts()).toEqual([
        { tenant_id: 't1', resource_type: 'Group', total: 1 },
        { tenant_id: 't1', resource_type: 'User', total: 3 },
        { tenant_id: 't2', resource_type: 'User', total: 0 },
      ]);
      // A failed insert (duplicate id) rolls its trigger back with it.
      expect(() => insert.run('t1', 'User', 'u-1')).toThrow();
      expect(counts()).toContainEqual({ tenant_id: 't1', resource_type: 'User', total: 3 });
    } finally {
      db.close();
    }
  });
});

describe('migration 19: the change counter of resource_counts', () => {
  it('counts inserts and deletes per tenant and type, not updates, and keeps the totals', () => {
    const db = new Database(':memory:');
    try {
      migrate(db, MIGRATIONS.slice(0, 18));
      const insert = db.prepare(
        "INSERT INTO resources (tenant_id, resource_type, id, version, created, last_modified, data, internal, search) VALUES (?, ?, ?, 1, 'c', 'c', '{}', '{}', '{}')",
      );
      insert.run('t1', 'User', 'u-1');
      migrate(db);
      const counts = () => db.prepare('SELECT tenant_id, resource_type, total, changes FROM resource_counts ORDER BY tenant_id, resource_type').all();
      expect(counts()).toEqual([{ tenant_id: 't1', resource_type: 'User', total: 1, changes: 0 }]);
      insert.run('t1', 'User', 'u-2');
      insert.run('t2', 'User', 'u-3');
      db.prepare("UPDATE resources SET version = 2 WHERE id = 'u-1'").run();
      db.prepare("DELETE FROM resources WHERE id = 'u-1'").run();
      expect(counts()).toEqual([
        { tenant_id: 't1', resource_type: 'User', total: 1, changes: 2 },
        { tenant_id: 't2', resource_type: 'User', total: 1, changes: 1 },
      ]);
    } finally {
      db.close();
    }
  });
});

describe('migration 16: the trigram index of indexed values', () => {
  it('indexes the values already stored, then follows every insert and delete, rolled back with a failed write', () => {
    const db = new Database(':memory:');
    try {
      migrate(db, MIGRATIONS.slice(0, 15));
      const insert = db.prepare('INSERT INTO resource_values (tenant_id, resource_type, path, value, resource_id, is_unique) VALUES (?, ?, ?, ?, ?, ?)');
      insert.run('t1', 'User', 'emails.value', 'dana@example.org', 'u-1', 0);
      insert.run('t1', 'User', 'userName', 'dana', 'u-1', 1);
      insert.run('t2', 'User', 'emails.value', 'fox@example.org', 'u-2', 0);
      migrate(db);
      const matching = (query: string) =>
        db
          .prepare('SELECT t.tenant_id, t.resource_id, t.value FROM resource_texts_trigrams f CROSS JOIN resource_texts t ON t.id = f.rowid WHERE f.resource_texts_trigrams MATCH ? ORDER BY t.id')
          .all(query);
      expect(matching('"exa" "org"')).toEqual([
        { tenant_id: 't1', resource_id: 'u-1', value: 'dana@example.org' },
        { tenant_id: 't2', resource_id: 'u-2', value: 'fox@example.org' },
      ]);
      insert.run('t1', 'User', 'emails.value', 'mulder@example.org', 'u-3', 0);
      db.prepare("DELETE FROM resource_values WHERE tenant_id = 't1' AND resource_id = 'u-1'").run();
      expect(matching('"exa" "org"').map((row) => (row as { resource_id: string }).resource_id)).toEqual(['u-2', 'u-3']);
      expect(db.prepare('SELECT count(*) AS n FROM resource_texts').get()).toEqual({ n: 2 });
      // A unique conflict fails the insert: its trigger's rows go with it.
      insert.run('t1', 'User', 'userName', 'fox', 'u-3', 1);
      expect(() => insert.run('t1', 'User', 'userName', 'fox', 'u-4', 1)).toThrow();
      expect(matching('"fox"').map((row) => (row as { resource_id: string }).resource_id)).toEqual(['u-2', 'u-3']);
      db.exec("INSERT INTO resource_texts_trigrams (resource_texts_trigrams) VALUES ('integrity-check')");
    } finally {
      db.close();
    }
  });
});
