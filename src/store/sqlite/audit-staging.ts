// The staged audit events of writes (migration 21), gathered per group transaction. A write whose events go to the
// audit store only hands them over here (sqlite-outbox-store.ts insertOutboxMessages); inside a group transaction
// (group-commit.ts) they are gathered in memory and inserted into audit_staged together, by the multi-row statements of
// stageAuditEvents, just before the COMMIT: one or two statements per transaction instead of one per write, run
// outside the writes' savepoints. In a CPU profile of creates on a store of 20,000 users the per-write insert of two
// rows took about as long as the user's own row (over 100 µs each, README "What auditing costs").
//
// Durability is that of the writes: the events are inserted in their writes' transaction, so they are committed, and
// on disk, exactly when their writes are. A write that rolls back to its savepoint takes its events with it (the
// group commit goes back to the mark it took before the write), and a transaction that fails inserts none.
// Outside a group transaction (the outbox store's own append), events are inserted at once, in the caller's transaction.
//
// A read of the trail moves the staged events first, in a group transaction (sqlite-audit-event-store.ts). That move
// runs at the end of the transaction too, after the gathered events are staged: a write committed with the move then
// has its events moved with it, so the read that follows never misses the events of a write committed before it.
import type { AuditEventRecord } from '../audit-event-store';
import type { CommitGathering } from './group-commit';
import { moveStagedAuditEvents, stageAuditEvents } from './sqlite-audit-event-store';
import type { StatementCache } from './statement-cache';

export interface AuditStaging extends CommitGathering {
  /**
   * Stages a write's events: gathered for the end of the open group transaction, or inserted now when none is open
   * (must then run inside a write transaction). Returns how many.
   */
  stage(events: readonly AuditEventRecord[]): number;
  /**
   * Moves every staged event into audit_events: at the end of the open group transaction, after its gathered events
   * are staged, or now when none is open (must then run inside a write transaction).
   */
  moveStaged(): void;
}

export function createAuditStaging(statements: StatementCache): AuditStaging {
  let gathering = false;
  let gathered: AuditEventRecord[] = [];
  let moveAtCommit = false;
  return {
    stage(events) {
      if (!gathering) return stageAuditEvents(statements, events);
      for (const event of events) gathered.push(event);
      return events.length;
    },
    moveStaged() {
      if (gathering) moveAtCommit = true;
      else moveStagedAuditEvents(statements);
    },
    begin() {
      gathering = true;
    },
    mark: () => gathered.length,
    rollbackTo(mark) {
      gathered.length = mark;
    },
    write() {
      const events = gathered;
      gathered = [];
      if (events.length > 0) stageAuditEvents(statements, events);
      if (moveAtCommit) {
        moveAtCommit = false;
        moveStagedAuditEvents(statements);
      }
    },
    end() {
      gathering = false;
      gathered = [];
      moveAtCommit = false;
    },
  };
}
