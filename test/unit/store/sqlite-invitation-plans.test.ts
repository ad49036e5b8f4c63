// The embedded store's invitation queries run on indexes (migration 14): every list shape GET /Invitations can send is
// one index range read in (created, id) order, its count an index search, and the sweep's and the accept's reads are
// searches too. A table scan or a sort in a temporary b-tree here would grow with the tenant's invitations.
import Database from 'better-sqlite3';
import { migrate } from '../../../src/store/sqlite/migrations';
import { INVITATION_SQL, invitationCountSql, invitationListSql } from '../../../src/store/sqlite/sqlite-invitation-store';
import type { InvitationQuery } from '../../../src/store/invitation-store';

const AFTER = { created: '2026-01-01T00:00:00.000Z', id: 'x' };
const SHAPES: Array<[string, InvitationQuery]> = [
  ['all', {}],
  ['status', { status: 'pending' }],
  ['email', { emailKey: 'a@example.com' }],
  ['created range', { created: { ge: '2026-01-01T00:00:00.000Z', lt: '2026-02-01T00:00:00.000Z' } }],
  ['status and created', { status: 'accepted', created: { gt: '2026-01-01T00:00:00.000Z' } }],
];

describe('invitation queries on the embedded store', () => {
  const db = new Database(':memory:');
  migrate(db);
  afterAll(() => db.close());
  const plan = (sql: string, params: unknown[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail);
  const placeholders = (sql: string) => Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x');

  it.each(SHAPES)('lists %s by an index in keyset order, without a scan or a sort', (_name, query) => {
    for (const after of [undefined, AFTER]) {
      const { sql, params } = invitationListSql('t1', query, after, 11);
      const steps = plan(sql, params);
      expect(steps.filter((step) => /SCAN|TEMP B-TREE/.test(step))).toEqual([]);
      expect(steps.join(' ')).toMatch(/SEARCH invitations USING INDEX invitations_by_/);
    }
    const count = invitationCountSql('t1', query);
    expect(plan(count.sql, count.params).filter((step) => /SCAN/.test(step))).toEqual([]);
  });

  it('finds a link, an invitation and the due ones by index', () => {
    for (const [name, sql] of Object.entries(INVITATION_SQL)) {
      if (name === 'insert' || name === 'insertToken') continue;
      expect({ name, scans: plan(sql, placeholders(sql)).filter((step) => /SCAN/.test(step)) }).toEqual({ name, scans: [] });
    }
    expect(plan(INVITATION_SQL.due, placeholders(INVITATION_SQL.due)).join(' ')).toContain('invitations_due');
  });
});
