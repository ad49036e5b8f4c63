import Database from 'better-sqlite3';
import { createStatementCache } from '../../../src/store/sqlite/statement-cache';

describe('createStatementCache', () => {
  const db = new Database(':memory:');
  afterAll(() => db.close());

  it('prepares a text once and hands back the same statement', () => {
    const cache = createStatementCache(db);
    const first = cache.get('SELECT ? AS x');
    expect(cache.get('SELECT ? AS x')).toBe(first);
    expect(first.get(7)).toEqual({ x: 7 });
    expect(cache.size).toBe(1);
  });

  it('keeps at most `capacity` statements, dropping the least recently used', () => {
    const cache = createStatementCache(db, 2);
    const one = cache.get('SELECT 1');
    const two = cache.get('SELECT 2');
    expect(cache.get('SELECT 1')).toBe(one);
    cache.get('SELECT 3');
    expect(cache.size).toBe(2);
    expect(cache.get('SELECT 1')).toBe(one);
    expect(cache.get('SELECT 2')).not.toBe(two);
  });
});
