// Schema migrations through PRAGMA user_version, applied in one transaction at open.
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate } from '../../../src/store/sqlite/migrations';

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
    expect(tables(db)).toEqual(['resource_values', 'resources', 'store_meta', 'tenants', 'tokens']);
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
