// The schema of the embedded database, as numbered migrations. `PRAGMA user_version` records how many have been
// applied; at open, the missing ones run in ONE transaction with the version bump, so a crash mid-way leaves the
// database as it was. Append new migrations; never edit one that has shipped.
import type Database from 'better-sqlite3';
import { AUDIT_RESOURCE_KEY_FUNCTION, auditResourceKey } from './audit-resource-key';

export const MIGRATIONS: readonly string[] = [
  // 1: tenants, tokens, resources and the indexed side table.
  //
  // resources is a rowid table whose (tenant_id, resource_type, id) primary key is a separate index, not a WITHOUT
  // ROWID table: a row carries two JSON documents (1-3 KB), and a WITHOUT ROWID table keeps whole rows in its key
  // b-tree, which SQLite advises against for rows over about 1/20 of a page. Measured with 20,000 enterprise users
  // (WAL, synchronous=FULL): WITHOUT ROWID made the file 2.5x larger (108 MB vs 42 MB), point reads 2x slower,
  // inserts 15% slower, and a keyset walk over all users 18x slower, because count(*) must then read whole rows
  // instead of the narrow primary-key index. resource_values rows are small and always reached by key: WITHOUT ROWID.
  `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    profile TEXT NOT NULL,
    created TEXT NOT NULL
  ) STRICT;

  CREATE TABLE tokens (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    label TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created TEXT NOT NULL,
    revoked TEXT
  ) STRICT;
  CREATE UNIQUE INDEX tokens_by_secret_hash ON tokens (secret_hash);
  CREATE INDEX tokens_by_tenant ON tokens (tenant_id, created);

  CREATE TABLE resources (
    tenant_id TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    data TEXT NOT NULL,
    internal TEXT NOT NULL,
    search TEXT NOT NULL,
    PRIMARY KEY (tenant_id, resource_type, id)
  ) STRICT;

  CREATE TABLE resource_values (
    tenant_id TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    path TEXT NOT NULL,
    value TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    is_unique INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, resource_type, path, value, resource_id)
  ) STRICT, WITHOUT ROWID;
  -- Covers the per-resource read of a write (path and value come with the primary key), so that the planner never
  -- prefers a scan of the tenant's part of the primary key.
  CREATE INDEX resource_values_by_resource ON resource_values (tenant_id, resource_type, resource_id, is_unique);
  CREATE UNIQUE INDEX resource_values_unique ON resource_values (tenant_id, resource_type, path, value) WHERE is_unique = 1;

  CREATE TABLE store_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
  ) STRICT;
  `,
  // 2: group membership as its own relation, so that adding or removing a member is one row, whatever the group's
  // size (RFC 7643 §4.2 members). The primary key answers "members of a group" in member order (paging) and makes
  // adds idempotent; memberships_by_member answers "groups of a member" (User.groups, members.value eq filters,
  // cleanup on delete). Members that groups held inside their JSON document move into the table.
  `
  CREATE TABLE memberships (
    tenant_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    member_type TEXT NOT NULL,
    display TEXT,
    PRIMARY KEY (tenant_id, group_id, member_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX memberships_by_member ON memberships (tenant_id, member_id, group_id);

  INSERT OR IGNORE INTO memberships (tenant_id, group_id, member_id, member_type, display)
    SELECT r.tenant_id, r.id, json_extract(m.value, '$.value'),
           CASE WHEN json_extract(m.value, '$.type') = 'Group' THEN 'Group' ELSE 'User' END,
           json_extract(m.value, '$.display')
    FROM resources r, json_each(r.data, '$.members') m
    WHERE r.resource_type = 'Group' AND json_type(m.value, '$.value') = 'text';
  UPDATE resources SET data = json_remove(data, '$.members'), search = json_remove(search, '$.members')
    WHERE resource_type = 'Group' AND json_type(data, '$.members') IS NOT NULL;
  DELETE FROM resource_values WHERE resource_type = 'Group' AND path = 'members.value';
  `,
  // 3: the number of resources per tenant and type, kept by triggers in the same transaction as the write, so that
  // an unfiltered list answers totalResults (RFC 7644 §3.4.2) without counting every row of a large directory.
  `
  CREATE TABLE resource_counts (
    tenant_id TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    total INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, resource_type)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO resource_counts (tenant_id, resource_type, total)
    SELECT tenant_id, resource_type, count(*) FROM resources GROUP BY tenant_id, resource_type;
  CREATE TRIGGER resource_counts_on_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resource_counts (tenant_id, resource_type, total) VALUES (NEW.tenant_id, NEW.resource_type, 1)
      ON CONFLICT (tenant_id, resource_type) DO UPDATE SET total = total + 1;
  END;
  CREATE TRIGGER resource_counts_on_delete AFTER DELETE ON resources BEGIN
    UPDATE resource_counts SET total = total - 1 WHERE tenant_id = OLD.tenant_id AND resource_type = OLD.resource_type;
  END;
  `,
  // 4: token hygiene. `expires` ends a token at a set time (optional expiry, or the overlap window of a rotation);
  // `last_used` is written at most once a minute per token and instance (src/auth/last-used.ts), never per request.
  `
  ALTER TABLE tokens ADD COLUMN expires TEXT;
  ALTER TABLE tokens ADD COLUMN last_used TEXT;
  `,
  // 5: per-tenant settings (src/store/settings-store.ts): one row per tenant that has set anything, the values as a
  // JSON object of text values, and the version caches compare. The foreign key keeps a mistyped tenant id from
  // creating a row; deleting a tenant deletes its row first (sqlite-tenant-deletion.ts).
  `
  CREATE TABLE tenant_settings (
    tenant_id TEXT PRIMARY KEY NOT NULL REFERENCES tenants (id),
    vals TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated TEXT NOT NULL
  ) STRICT;
  `,
  // 6: jobs (src/store/job-store.ts). `due` is when a job may be claimed: runAfter while queued, the lease expiry
  // while running (so that an expired lease is due for takeover), NULL once finished; jobs_due makes a claim one index
  // seek, whatever the number of finished jobs. JSON columns hold what the runner gave, as text. No foreign key to
  // tenants: jobs of the whole server use a tenant id of their own (SYSTEM_TENANT_ID).
  `
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    type TEXT NOT NULL,
    idempotency_key TEXT,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    progress TEXT,
    checkpoint TEXT,
    result TEXT,
    error TEXT,
    attempts INTEGER NOT NULL,
    cancel_requested INTEGER NOT NULL,
    created TEXT NOT NULL,
    run_after TEXT NOT NULL,
    started TEXT,
    finished TEXT,
    updated TEXT NOT NULL,
    lease_token TEXT,
    lease_owner TEXT,
    lease_expires TEXT,
    due TEXT
  ) STRICT;
  CREATE UNIQUE INDEX jobs_by_idempotency_key ON jobs (tenant_id, type, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX jobs_due ON jobs (due) WHERE due IS NOT NULL;
  CREATE INDEX jobs_by_tenant ON jobs (tenant_id, created, id);
  CREATE INDEX jobs_finished ON jobs (tenant_id, finished) WHERE finished IS NOT NULL;
  `,
  // 7: the outbox (src/store/outbox-store.ts). `seq` (the rowid) keeps the order of appends; (tenant_id, topic, key)
  // makes appending idempotent; outbox_available makes a claim one index range over pending messages only.
  `
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created TEXT NOT NULL,
    available_at TEXT NOT NULL,
    updated TEXT NOT NULL,
    last_error TEXT,
    delivered TEXT,
    claim_token TEXT
  ) STRICT;
  CREATE UNIQUE INDEX outbox_by_key ON outbox (tenant_id, topic, key);
  CREATE INDEX outbox_available ON outbox (available_at, seq) WHERE status = 'pending';
  CREATE INDEX outbox_by_tenant ON outbox (tenant_id, created, id);
  CREATE INDEX outbox_delivered ON outbox (delivered) WHERE status = 'delivered';
  `,
  // 8: blobs (src/store/blob-store.ts). The content is a file in the blob directory beside the database file, under a
  // random name of its own (`file`), so that a write never replaces another blob's file; a row exists only for a
  // file that was written completely.
  `
  CREATE TABLE blobs (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    file TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT
  ) STRICT;
  CREATE INDEX blobs_expires ON blobs (expires) WHERE expires IS NOT NULL;
  CREATE INDEX blobs_by_tenant ON blobs (tenant_id, id);
  `,
  // 9: the unversioned state of a resource (updateInternal in src/store/resource-store.ts): values that change
  // without a SCIM write (sign-in counters), as JSON, and their own revision for compare-and-set. ADD COLUMN with a
  // constant default rewrites no row, so this is instant on a large directory.
  `
  ALTER TABLE resources ADD COLUMN unversioned TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE resources ADD COLUMN unversioned_revision INTEGER NOT NULL DEFAULT 0;
  `,
  // 10: operations. rate_counters (src/store/rate-limit-store.ts): one small row per (key, window), no tenant_id
  // column (a counter is not tenant data, and expires within minutes). idempotency_keys
  // (src/store/idempotency-store.ts): one row per (tenant, key id); `response` is the caller's opaque (encrypted)
  // text. outbox_dead lets the backlog metric count dead letters without reading delivered messages.
  `
  CREATE TABLE rate_counters (
    key TEXT NOT NULL,
    window INTEGER NOT NULL,
    count INTEGER NOT NULL,
    expires TEXT NOT NULL,
    PRIMARY KEY (key, window)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX rate_counters_expires ON rate_counters (expires);

  CREATE TABLE idempotency_keys (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    claim_token TEXT,
    created TEXT NOT NULL,
    expires TEXT NOT NULL,
    locked_until TEXT,
    response TEXT,
    PRIMARY KEY (tenant_id, id)
  ) STRICT;
  CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires);

  CREATE INDEX outbox_dead ON outbox (seq) WHERE status = 'dead';
  `,
  // 11: the search document of the unversioned attributes (`x-unversioned` in a schema: the last sign-in, the failed
  // sign-in count), written by updateInternal beside `unversioned`, so that filters and sorts on them run in SQL while
  // a SCIM replace, which writes `search`, never has to read the unversioned state first. Their indexed values are
  // rows of resource_values like any other. Instant on a large directory, as migration 9.
  `
  ALTER TABLE resources ADD COLUMN unversioned_search TEXT NOT NULL DEFAULT '{}';
  `,
  // 12: sign-in history (src/store/sign-in-store.ts). The primary key is a user's history newest first (a page is one
  // index range, keyset by (time, id)); sign_ins_by_time serves the retention sweep's deletion of a tenant's old
  // entries. Rows are small and always reached by key: WITHOUT ROWID.
  `
  CREATE TABLE sign_ins (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    time TEXT NOT NULL,
    id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    client_address TEXT,
    PRIMARY KEY (tenant_id, user_id, time, id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX sign_ins_by_time ON sign_ins (tenant_id, time);
  `,
  // 13: pending membership changes (src/store/membership-store.ts): the JSON array of changes a write recorded in the
  // resource's own row, cleared once applied. NULL on almost every row, so the partial index resources_pending holds
  // only the rows that still need finishing, and "does this tenant have any?" costs one seek into an empty index.
  `
  ALTER TABLE resources ADD COLUMN pending TEXT;
  CREATE INDEX resources_pending ON resources (tenant_id) WHERE pending IS NOT NULL;
  `,
  // 14: held outbox messages (src/store/outbox-store.ts): the condition a handler confirms when the writer of a change
  // died between appending the message and releasing it. NULL for every other message.
  `
  ALTER TABLE outbox ADD COLUMN condition TEXT;
  `,
  // 15: audit events (src/store/audit-event-store.ts). The event is kept whole as JSON (`data`); the fields a filter may
  // name are columns of their own, each indexed. Rows arrive through the outbox in batches, never on the request path,
  // but two per operation: the indexes are kept narrow, because their upkeep is most of an event's cost. Measured
  // (80,000 events, WAL, synchronous=FULL): five indexes of (tenant_id, <field>, time, id) cost 45 µs per event; these
  // cost 30. Ids are time-ordered (eventId()), so the primary key and the time indexes grow at their end; only
  // resource ids arrive in random order, and that index holds the id alone (a resource id is a UUID: its rows are few,
  // checked for the tenant and sorted by time after the lookup). Token ids are unique across tenants, so their index
  // needs no tenant either.
  `
  CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    time TEXT NOT NULL,
    type TEXT NOT NULL,
    outcome TEXT NOT NULL,
    actor_token_id TEXT,
    resource_id TEXT,
    data TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_events_by_time ON audit_events (tenant_id, time);
  CREATE INDEX audit_events_by_type ON audit_events (tenant_id, type, time);
  CREATE INDEX audit_events_by_outcome ON audit_events (tenant_id, outcome, time);
  CREATE INDEX audit_events_by_token ON audit_events (actor_token_id, time) WHERE actor_token_id IS NOT NULL;
  CREATE INDEX audit_events_by_resource ON audit_events (resource_id) WHERE resource_id IS NOT NULL;
  `,
  // 16: substring filters (co, ew) on indexed paths through a trigram index (RFC 7644 §3.4.2.2; SQLite's FTS5
  // `trigram` tokenizer, SQLite 3.34 or later). resource_texts repeats each row of resource_values as a rowid table
  // (resource_values is WITHOUT ROWID, and an FTS5 index refers to its content by rowid); resource_texts_trigrams
  // indexes its values, case-sensitive because the values are already folded where the attribute is caseExact=false,
  // with detail=none and columnsize=0 (no positions, no sizes: nothing a ranking would need) since the index only
  // narrows and the exact predicate confirms every candidate (filter-to-sql.ts). Triggers keep both in the same transaction as the
  // resource_values write. Measured with 300,000 indexed values (100,000 users with a userName, an e-mail and an
  // externalId) on a shared two-core machine: the backfill takes about 5 s, once, in the migration transaction at the
  // first start of this version (the server answers /health only after it); the file grows by about 80 MB; a
  // selective `emails.value co` reads under 2 ms instead of every user's search document.
  `
  CREATE TABLE resource_texts (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    path TEXT NOT NULL,
    value TEXT NOT NULL,
    resource_id TEXT NOT NULL
  ) STRICT;
  INSERT INTO resource_texts (tenant_id, resource_type, path, value, resource_id)
    SELECT tenant_id, resource_type, path, value, resource_id FROM resource_values;
  CREATE INDEX resource_texts_by_resource ON resource_texts (tenant_id, resource_type, resource_id);
  CREATE VIRTUAL TABLE resource_texts_trigrams USING fts5 (
    value, content = 'resource_texts', content_rowid = 'id', tokenize = 'trigram case_sensitive 1', detail = none, columnsize = 0
  );
  INSERT INTO resource_texts_trigrams (resource_texts_trigrams) VALUES ('rebuild');
  CREATE TRIGGER resource_texts_on_insert AFTER INSERT ON resource_texts BEGIN
    INSERT INTO resource_texts_trigrams (rowid, value) VALUES (NEW.id, NEW.value);
  END;
  CREATE TRIGGER resource_texts_on_delete AFTER DELETE ON resource_texts BEGIN
    INSERT INTO resource_texts_trigrams (resource_texts_trigrams, rowid, value) VALUES ('delete', OLD.id, OLD.value);
  END;
  CREATE TRIGGER resource_values_texts_on_insert AFTER INSERT ON resource_values BEGIN
    INSERT INTO resource_texts (tenant_id, resource_type, path, value, resource_id)
      VALUES (NEW.tenant_id, NEW.resource_type, NEW.path, NEW.value, NEW.resource_id);
  END;
  CREATE TRIGGER resource_values_texts_on_delete AFTER DELETE ON resource_values BEGIN
    DELETE FROM resource_texts WHERE tenant_id = OLD.tenant_id AND resource_type = OLD.resource_type AND resource_id = OLD.resource_id
      AND path = OLD.path AND value = OLD.value;
  END;
  `,
  // 17: indexes in the order of the sorts identity consoles and sync tools ask for (RFC 7644 §3.4.2.3 sortBy): userName,
  // name.familyName and meta.lastModified. Each holds the sort key exactly as list-query.ts computes it (a missing or
  // "" value sorts last: `<key> IS NULL` first), then the id that breaks ties, so that a page reads the tenant's rows in
  // sort order and stops after `count` of them instead of sorting every row. Other sort keys read the tenant's rows and
  // keep the best `count` (README "Querying"). lastModified is a column that is never NULL: its index is the column.
  // Measured with 100,000 users on a shared two-core machine: built in 0.7 s; page 1 sorted by userName reads in
  // 0.3 ms instead of 630 ms.
  `
  CREATE INDEX resources_by_user_name ON resources (
    tenant_id, resource_type,
    NULLIF(json_extract(search, '$."userName"[0]'), '') IS NULL, NULLIF(json_extract(search, '$."userName"[0]'), ''), id
  );
  CREATE INDEX resources_by_family_name ON resources (
    tenant_id, resource_type,
    NULLIF(json_extract(search, '$."name"[0]."familyName"[0]'), '') IS NULL,
    NULLIF(json_extract(search, '$."name"[0]."familyName"[0]'), ''), id
  );
  CREATE INDEX resources_by_last_modified ON resources (tenant_id, resource_type, last_modified, id);
  `,
  // 18: invitations (src/store/invitation-store.ts). One row per invited address; the list filters (status, email,
  // created) each have an index that ends in (created, id), so that a filtered page is one index range read in keyset
  // order. invitations_pending_email is the one-pending-invitation-per-address rule; invitations_due holds only the
  // pending rows, for the expiry sweep. invitation_tokens maps the SHA-256 of each link ever issued to its invitation
  // and send number, across tenants (an accept carries no bearer token; the tenant index serves tenant deletion). Roles, groups
  // and the inviter are JSON text.
  `
  CREATE TABLE invitations (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    status TEXT NOT NULL,
    user_id TEXT NOT NULL,
    user_created INTEGER NOT NULL,
    roles TEXT NOT NULL,
    groups TEXT NOT NULL,
    message TEXT,
    invited_by TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    expires TEXT NOT NULL,
    send INTEGER NOT NULL,
    status_changed TEXT,
    delivered_send INTEGER,
    delivered_at TEXT,
    PRIMARY KEY (tenant_id, id)
  ) STRICT;
  CREATE INDEX invitations_by_created ON invitations (tenant_id, created, id);
  CREATE INDEX invitations_by_status ON invitations (tenant_id, status, created, id);
  CREATE INDEX invitations_by_email ON invitations (tenant_id, email_key, created, id);
  CREATE INDEX invitations_due ON invitations (tenant_id, expires) WHERE status = 'pending';
  CREATE UNIQUE INDEX invitations_pending_email ON invitations (tenant_id, email_key) WHERE status = 'pending';

  CREATE TABLE invitation_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    invitation_id TEXT NOT NULL,
    send INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX invitation_tokens_by_tenant ON invitation_tokens (tenant_id);
  `,
  // 19: `changes`, a counter of the inserts and deletes of a tenant's resources of one type, bumped by the triggers of
  // migration 3 (replaced here) in the write's own transaction. Only an insert or a delete moves rows in id order, so a
  // row position read while the counter had some value is still right while it has that value: deep startIndex pages
  // start from such remembered positions (page-anchors.ts). ADD COLUMN with a constant default rewrites no row.
  `
  ALTER TABLE resource_counts ADD COLUMN changes INTEGER NOT NULL DEFAULT 0;
  DROP TRIGGER resource_counts_on_insert;
  DROP TRIGGER resource_counts_on_delete;
  CREATE TRIGGER resource_counts_on_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resource_counts (tenant_id, resource_type, total, changes) VALUES (NEW.tenant_id, NEW.resource_type, 1, 1)
      ON CONFLICT (tenant_id, resource_type) DO UPDATE SET total = total + 1, changes = changes + 1;
  END;
  CREATE TRIGGER resource_counts_on_delete AFTER DELETE ON resources BEGIN
    UPDATE resource_counts SET total = total - 1, changes = changes + 1 WHERE tenant_id = OLD.tenant_id AND resource_type = OLD.resource_type;
  END;
  `,
  // 20: cheaper audit events (README "What auditing costs"): two indexes of migration 15 fewer, one narrower. Each index
  // an event touches is one more page in the write that carries it (a create's transaction, a batch of read events).
  // - The resource index holds `resource_key`, a 48-bit integer from the id (audit-resource-key.ts), instead of the id:
  //   resource ids arrive in random order, so every event lands on a page of its own in that index. Measured (200,000
  //   events, then 48,000 in batches of 2,000, WAL, synchronous=FULL): 9.1 KB written per event with the id, 6.4 KB
  //   with the key. A lookup compares the id itself after the key.
  // - One index `(tenant_id, outcome, type, time)` serves the type and outcome filters instead of one each: an event's
  //   outcome is one of three values, so a type condition reads its index range under each of them (the filter adds
  //   `outcome IN (…)`, always true). 0.2 KB and 4 µs less per event; an `outcome eq` or `type eq` page now sorts the
  //   events it matches by time, which its count has read already.
  // The key is filled for the events already stored, in this migration's transaction: 200,000 events in about 3.4 s on the
  // shared two-core machine of README "Performance" (the server answers /health only after it).
  `
  ALTER TABLE audit_events ADD COLUMN resource_key INTEGER;
  UPDATE audit_events SET resource_key = scim_audit_resource_key(resource_id) WHERE resource_id IS NOT NULL;
  DROP INDEX audit_events_by_resource;
  DROP INDEX audit_events_by_type;
  DROP INDEX audit_events_by_outcome;
  CREATE INDEX audit_events_by_resource_key ON audit_events (resource_key) WHERE resource_key IS NOT NULL;
  CREATE INDEX audit_events_by_outcome_type ON audit_events (tenant_id, outcome, type, time);
  `,
  // 21: staged audit events of writes (README "What auditing costs"). A write's START and SUCCESS go in its own
  // transaction into this table, which has no index: one page at its end per commit, where audit_events and its
  // indexes took seven (the table, the id, time, token and resource indexes, and two places of the outcome-and-type
  // index), 44 KB written per create. The audit store moves them into audit_events in batches, in a group transaction
  // about once a second, and before it answers any read, so a query never misses a staged event
  // (sqlite-audit-event-store.ts). The columns are those of audit_events, in its insert order.
  `
  CREATE TABLE audit_staged (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    time TEXT NOT NULL,
    type TEXT NOT NULL,
    outcome TEXT NOT NULL,
    actor_token_id TEXT,
    resource_id TEXT,
    resource_key INTEGER,
    data TEXT NOT NULL
  ) STRICT;
  `,
];

/** Applies the migrations the database lacks. Throws when the file was written by a newer version of the server. */
export function migrate(db: Database.Database, migrations: readonly string[] = MIGRATIONS): { from: number; to: number } {
  // Migration 20 fills audit event keys computed as the store computes them when it writes an event.
  db.function(AUDIT_RESOURCE_KEY_FUNCTION, { deterministic: true }, (id: unknown) => (typeof id === 'string' ? auditResourceKey(id) : null));
  return db
    .transaction(() => {
      const from = db.pragma('user_version', { simple: true }) as number;
      if (from > migrations.length) {
        throw new Error(
          `The database is at schema version ${from}, newer than this server knows (${migrations.length}); use a newer server version`,
        );
      }
      for (let version = from; version < migrations.length; version++) db.exec(migrations[version]);
      if (from < migrations.length) db.pragma(`user_version = ${migrations.length}`);
      return { from, to: migrations.length };
    })
    .immediate();
}
