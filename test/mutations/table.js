// The deliberate bugs `npm run test:mutations` puts into a copy of the code, one at a time (scripts/test-mutations.js).
// Each must make at least one of its tests fail; see test/mutations/README.md for how to add one.
//
//   id               area/what, unique; `--only <part>` selects entries by it
//   bug              the regression, as a reviewer would describe it
//   file             the source file to change (a path from the repository root)
//   search, replace  text that occurs EXACTLY ONCE in that file, and what it becomes
//   edits            instead of file/search/replace, when one bug needs several changes: [{ file?, search, replace }]
//   tests            the test files to run; keep them few, the run time is the sum over all entries
//   testNamePattern  optional: only the tests whose full name matches this regular expression (jest -t)
'use strict';

const SQLITE_CONTRACT = ['test/contract/sqlite.contract.test.ts'];
/** Tests of the SQLite contract whose name contains `part`, on the in-memory database only (the file leg runs the same code). */
const SQLITE_MEMORY = (part) => `^sqlite :memory:: .*${part}`;
const MINGO_CONTRACT = ['test/unit/store/mongo/mongo-store-on-mingo.test.ts'];

module.exports = [
  // ETag / If-Match (RFC 7644 §3.14)
  {
    id: 'etag/patch-checks-if-match-only-when-it-changes-something',
    bug: 'a PATCH that changes nothing returns before its If-Match is checked',
    file: 'src/resources/resource-service.ts',
    edits: [
      { search: 'checkIfMatch(type, current, conditions);\n        // Relation-backed', replace: '// Relation-backed' },
      {
        search: 'if (!changed) return { resource: current, changed: false };',
        replace: 'if (!changed) return { resource: current, changed: false };\n        checkIfMatch(type, current, conditions);',
      },
    ],
    tests: ['test/http/if-match.test.ts'],
  },
  {
    id: 'etag/put-ignores-if-match',
    bug: 'PUT never compares If-Match with the stored version',
    file: 'src/resources/resource-service.ts',
    search: 'checkIfMatch(type, current, conditions);\n        const validated',
    replace: 'const validated',
    tests: ['test/http/if-match.test.ts'],
  },
  {
    id: 'etag/delete-ignores-if-match',
    bug: 'DELETE deletes whatever the If-Match says',
    file: 'src/resources/resource-service.ts',
    search: 'checkIfMatch(type, current, conditions);\n        expectedVersion = current.version;',
    replace: '',
    tests: ['test/http/if-match.test.ts'],
  },
  {
    id: 'etag/star-matches-nothing',
    bug: 'If-Match: * no longer matches an existing resource',
    file: 'src/scim/etag.ts',
    search: "tag === '*' || eTagToVersion(tag) === version",
    replace: 'eTagToVersion(tag) === version',
    tests: ['test/http/if-match.test.ts'],
  },
  {
    id: 'etag/bulk-ignores-version',
    bug: 'Bulk PUT, PATCH and DELETE ignore the operation\'s "version"',
    file: 'src/resources/bulk/bulk-service.ts',
    search: 'const conditions: WriteConditions = operation.ifMatch === undefined ? {} : { ifMatch: operation.ifMatch };',
    replace: 'const conditions: WriteConditions = {};',
    tests: ['test/http/if-match.test.ts'],
  },

  // Compare-and-set on the version: a write that lost a race must not overwrite the winner
  {
    id: 'concurrency/sqlite-replace-ignores-expected-version',
    bug: 'the SQLite store replaces whatever version is stored',
    file: 'src/store/sqlite/sqlite-resource-store.ts',
    search: 'expectedVersion === undefined\n                ? prepared(SQL.replace)',
    replace: 'expectedVersion !== null\n                ? prepared(SQL.replace)',
    tests: ['test/http/interleaved-writes.test.ts'],
  },
  {
    // A DELETE is a tombstone (mark) first, conditional on the If-Match version (membership-store.ts).
    id: 'concurrency/sqlite-delete-ignores-expected-version',
    bug: 'the SQLite store tombstones whatever version is stored, so a DELETE with a stale If-Match deletes',
    file: 'src/store/sqlite/sqlite-resource-store.ts',
    search: '(expectedVersion !== undefined && current.version !== expectedVersion)',
    replace: '(expectedVersion === null && current.version !== expectedVersion)',
    tests: ['test/http/interleaved-writes.test.ts'],
  },
  {
    id: 'concurrency/mongo-replace-ignores-expected-version',
    bug: 'the MongoDB store replaces whatever version is stored',
    file: 'src/store/mongo/mongo-resource-store.ts',
    search: 'const target = expectedVersion === undefined ? key(tenantId, resourceType, id) : { ...key(tenantId, resourceType, id), version: expectedVersion };\n        // Only a document',
    replace: 'const target = key(tenantId, resourceType, id);\n        // Only a document',
    tests: ['test/http/interleaved-writes.test.ts'],
  },
  {
    id: 'models/mongo-replace-ignores-model-fence',
    bug: 'during a rolling deploy, an instance of the previous version overwrites resources already rebuilt for the new schema model',
    file: 'src/store/mongo/model-generations.ts',
    search: 'replaceCondition: () => ({ m: { $in: [...writable, null] } }) as Filter<ResourceDocument>,',
    replace: 'replaceCondition: () => ({}) as Filter<ResourceDocument>,',
    tests: ['test/unit/store/mongo/rolling-deploy.test.ts'],
  },
  {
    id: 'models/mongo-insert-not-taken-back',
    bug: 'an instance of the previous version adds a resource behind the rebuild, with stale derived fields',
    file: 'src/store/mongo/mongo-resource-store.ts',
    search: 'if (inserted.length === 0 || !(await fence.outdated())) return taken;',
    replace: 'if (inserted.length >= 0) return taken;',
    tests: ['test/unit/store/mongo/rolling-deploy.test.ts'],
  },
  {
    id: 'jobs/sqlite-claim-takes-leased-job',
    bug: 'a job whose lease is still held is claimed again, so it runs twice',
    file: 'src/store/sqlite/sqlite-job-store.ts',
    search: 'lease_token = ?, lease_owner = ?, lease_expires = ?, due = ?,',
    replace: 'lease_token = ?, lease_owner = ?, lease_expires = ?, due = coalesce(due, ?),',
    tests: ['test/contract/sqlite.contract.test.ts'],
  },
  {
    id: 'jobs/mongo-renew-ignores-lease-token',
    bug: 'a runner whose lease was taken over keeps writing checkpoints over the new runner',
    file: 'src/store/mongo/mongo-job-store.ts',
    search: "const holding = (id: string, token: string): Filter<JobDocument> => ({ _id: id, leaseToken: token, status: JobStatus.running });",
    replace: "const holding = (id: string, _token: string): Filter<JobDocument> => ({ _id: id, status: JobStatus.running });",
    tests: ['test/unit/store/mongo/mongo-store-on-mingo.test.ts'],
  },
  {
    id: 'outbox/sqlite-ack-ignores-claim',
    bug: 'a delivery acknowledged with an expired claim marks a message delivered that another worker holds',
    file: 'src/store/sqlite/sqlite-outbox-store.ts',
    search: "WHERE id = ? AND claim_token = ? AND status = 'pending'`)\n            .run(now, now, id, token)",
    replace: "WHERE id = ? AND (claim_token = ? OR 1) AND status = 'pending'`)\n            .run(now, now, id, token)",
    tests: ['test/contract/sqlite.contract.test.ts'],
  },
  {
    id: 'concurrency/mongo-delete-ignores-expected-version',
    bug: 'the MongoDB store tombstones whatever version is stored, so a DELETE with a stale If-Match deletes',
    file: 'src/store/mongo/mongo-resource-store.ts',
    search: '{ ...key(tenantId, resourceType, id), version: expectedVersion },\n                { $inc: { version: 1 }, $max:',
    replace: 'key(tenantId, resourceType, id),\n                { $inc: { version: 1 }, $max:',
    tests: ['test/http/interleaved-writes.test.ts'],
  },
  {
    id: 'concurrency/sqlite-unique-values-not-unique',
    bug: 'the SQLite unique index on userName and other unique values guards nothing, so parallel creates both win',
    file: 'src/store/sqlite/migrations.ts',
    search: 'ON resource_values (tenant_id, resource_type, path, value) WHERE is_unique = 1;',
    replace: 'ON resource_values (tenant_id, resource_type, path, value) WHERE is_unique = 2;',
    tests: ['test/http/security-and-discovery.test.ts'],
    testNamePattern: 'concurrency',
  },
  {
    id: 'concurrency/mongo-unique-values-not-unique',
    bug: 'the MongoDB unique indexes on userName and other unique values are plain indexes',
    file: 'src/store/mongo/indexes.ts',
    search: "key: { tenantId: 1, resourceType: 1, [field]: 1 },\n    unique: true,",
    replace: "key: { tenantId: 1, resourceType: 1, [field]: 1 },\n    unique: false,",
    tests: MINGO_CONTRACT,
    testNamePattern: 'concurrent creates',
  },
  {
    id: 'concurrency/patch-writes-without-expected-version',
    bug: 'the service writes a PATCH (or a server change) without the version it read, so the store cannot refuse a stale write',
    file: 'src/resources/resource-service.ts',
    search: 'internal: draft.internal, ...changes }, current.version, effects)',
    replace: 'internal: draft.internal, ...changes }, undefined, effects)',
    tests: ['test/http/interleaved-writes.test.ts'],
  },

  // Tenant scoping: a token reaches only its own tenant's rows
  {
    id: 'tenant/sqlite-indexed-equality-without-tenant',
    bug: 'the SQLite eq lookup on resource_values reads every tenant',
    file: 'src/store/sqlite/filter-to-sql.ts',
    search: "sql: 'SELECT resource_id FROM resource_values WHERE tenant_id = ? AND resource_type = ? AND path = ? AND value = ?'",
    replace: "sql: 'SELECT resource_id FROM resource_values WHERE ? IS NOT NULL AND resource_type = ? AND path = ? AND value = ?'",
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('tenant'),
  },
  {
    id: 'tenant/sqlite-indexed-prefix-without-tenant',
    bug: 'the SQLite sw lookup on resource_values reads every tenant',
    file: 'src/store/sqlite/filter-to-sql.ts',
    search: "sql: 'SELECT resource_id FROM resource_values WHERE tenant_id = ? AND resource_type = ? AND path = ? AND value >= ? AND value < ?'",
    replace: "sql: 'SELECT resource_id FROM resource_values WHERE ? IS NOT NULL AND resource_type = ? AND path = ? AND value >= ? AND value < ?'",
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('tenant'),
  },
  {
    id: 'tenant/sqlite-members-value-without-tenant',
    bug: 'the SQLite members.value eq lookup reads memberships of every tenant',
    file: 'src/store/sqlite/filter-to-sql.ts',
    search: "sql: 'SELECT group_id FROM memberships WHERE tenant_id = ? AND member_id = ?'",
    replace: "sql: 'SELECT group_id FROM memberships WHERE ? IS NOT NULL AND member_id = ?'",
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('tenant'),
  },
  {
    id: 'tenant/sqlite-membership-exists-without-tenant',
    bug: 'SQLite filters on members sub-attributes read memberships of every tenant',
    file: 'src/store/sqlite/filter-to-sql.ts',
    search: 'WHERE ${membership}.tenant_id = ? AND ${membership}.group_id',
    replace: 'WHERE ? IS NOT NULL AND ${membership}.group_id',
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('tenant'),
  },
  {
    id: 'tenant/sqlite-list-without-tenant',
    bug: 'SQLite lists read every tenant',
    file: 'src/store/sqlite/list-query.ts',
    search: "{ sql: 'r.tenant_id = ? AND r.resource_type = ?', params: [tenantId, query.resourceType] }",
    replace: "{ sql: '? IS NOT NULL AND r.resource_type = ?', params: [tenantId, query.resourceType] }",
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('tenant'),
  },
  {
    id: 'tenant/sqlite-get-without-tenant',
    bug: 'a SQLite read by id finds another tenant\'s resource',
    file: 'src/store/sqlite/sqlite-resource-store.ts',
    search: 'FROM resources r WHERE r.tenant_id = ? AND r.resource_type = ? AND r.id = ?`',
    replace: 'FROM resources r WHERE ? IS NOT NULL AND r.resource_type = ? AND r.id = ?`',
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('tenant'),
  },
  {
    id: 'tenant/mongo-list-without-tenant',
    bug: 'MongoDB lists read every tenant',
    file: 'src/store/mongo/list-query.ts',
    search: 'const scope = { tenantId: context.tenantId, resourceType: query.resourceType };',
    replace: 'const scope = { resourceType: query.resourceType };',
    tests: MINGO_CONTRACT,
    testNamePattern: 'tenant',
  },
  {
    id: 'tenant/mongo-key-without-tenant',
    bug: 'MongoDB reads and writes by id reach another tenant\'s resource',
    file: 'src/store/mongo/mongo-resource-store.ts',
    search: 'const key = (tenantId: string, resourceType: string, id: string) => ({ tenantId, resourceType, id });',
    replace: 'const key = (_tenantId: string, resourceType: string, id: string) => ({ resourceType, id });',
    tests: MINGO_CONTRACT,
    testNamePattern: 'tenant',
  },
  {
    id: 'tenant/mongo-member-groups-without-tenant',
    bug: 'MongoDB filters on members read memberships of every tenant',
    file: 'src/store/mongo/mongo-membership-store.ts',
    search: '{ $match: { $and: [{ tenantId }, PRESENT, memberQuery] } }',
    replace: '{ $match: { $and: [PRESENT, memberQuery] } }',
    tests: MINGO_CONTRACT,
    testNamePattern: 'tenant',
  },

  // Membership: a change to a large group writes the rows that change, never the whole member list
  {
    id: 'membership/sqlite-add-rewrites-the-group',
    bug: 'the SQLite store adds a member by rewriting every row of the group (and still reports one added)',
    file: 'src/store/sqlite/sqlite-membership-store.ts',
    search: 'return write(() => insertAll(tenantId, groupId, members));',
    replace: `return write(() => {
        const kept = (prepared(SQL.firstPage).all(tenantId, groupId, -1) as MemberRow[]).map(toMember);
        prepared(SQL.deleteMembers).run(tenantId, groupId);
        insertAll(tenantId, groupId, kept);
        return insertAll(tenantId, groupId, members);
      });`,
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('membership contract'),
  },
  {
    id: 'membership/sqlite-replace-all-rewrites-the-group',
    bug: 'the SQLite store replaces a member list by deleting every row and writing the rows that stay back',
    file: 'src/store/sqlite/sqlite-membership-store.ts',
    search: `        deleteAll(
          tenantId,
          groupId,
          existing.filter((memberId) => !wanted.has(memberId)),
        );`,
    replace: `        const rows = (prepared(SQL.firstPage).all(tenantId, groupId, -1) as MemberRow[]).map(toMember);
        prepared(SQL.deleteMembers).run(tenantId, groupId);
        insertAll(tenantId, groupId, rows.filter((member) => wanted.has(member.value)));`,
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('membership contract'),
  },
  {
    id: 'membership/mongo-add-rewrites-the-group',
    bug: 'the MongoDB store adds a member by rewriting every document of the group (and still reports one added)',
    file: 'src/store/mongo/mongo-membership-store.ts',
    search: 'return run(() => insertAll(tenantId, groupId, members));',
    replace: `return run(async () => {
        const kept = await memberships.find({ tenantId, groupId }, { projection: { _id: 0 } }).toArray();
        await memberships.deleteMany({ tenantId, groupId });
        if (kept.length > 0) await memberships.bulkWrite(kept.map((document) => ({ insertOne: { document } })));
        return insertAll(tenantId, groupId, members);
      });`,
    tests: MINGO_CONTRACT,
    testNamePattern: 'membership contract',
  },

  // Membership changes are crash-safe (14): recorded with the group's write, settled in order, never undone late
  {
    id: 'membership/sqlite-settle-leaves-the-change-pending',
    bug: 'the SQLite store applies a recorded change but never clears it, so it is applied again and again',
    file: 'src/store/sqlite/sqlite-membership-store.ts',
    search: 'prepared(SQL.clearPending).run(tenantId, resourceType, id);',
    replace: '',
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('settle'),
  },
  {
    id: 'membership/mongo-late-settle-overwrites-newer-rows',
    bug: 'the MongoDB store writes a change whatever its stamp, so a late settle undoes newer changes',
    file: 'src/store/mongo/mongo-membership-store.ts',
    search: 'const olderThan = (stamp: number) => ({ $or: [{ stamp: { $lt: stamp } }, { stamp: { $exists: false } }] });',
    replace: 'const olderThan = (_stamp: number) => ({});',
    tests: ['test/unit/store/mongo/settle-interleaving.test.ts'],
  },
  {
    id: 'membership/service-skips-pending-changes-on-read',
    bug: 'a reader that finds an unfinished membership change reads around it instead of finishing it',
    file: 'src/resources/resource-service.ts',
    search: 'for (const resource of await pending.unsettled(context.tenantId)) await pending.settle(context.tenantId, resource.resourceType, resource.id);',
    replace: 'void pending;',
    tests: ['test/contract/sqlite.contract.test.ts'],
    testNamePattern: 'cut off at every step .*DELETE of a user',
  },

  // Limits (14): PATCH stays linear, value lists and filters have a budget
  {
    id: 'limits/patch-add-duplicates-values',
    bug: 'PATCH add no longer recognises a value that is already there',
    file: 'src/scim/patch/apply-patch.ts',
    search: 'if (!isAssigned(candidate) || index.contains(candidate)) continue;',
    replace: 'if (!isAssigned(candidate)) continue;',
    tests: ['test/unit/scim/patch/apply-patch.test.ts'],
  },
  {
    id: 'limits/value-limit-not-checked',
    bug: 'a write may store any number of values in a multi-valued attribute',
    file: 'src/scim/schema/value-limit.ts',
    search: 'if (definition.multiValued && Array.isArray(value) && value.length > limit',
    replace: 'if (definition.multiValued && Array.isArray(value) && value.length > limit * 1000',
    tests: ['test/http/value-limit.test.ts'],
  },
  {
    id: 'limits/filter-cost-not-checked',
    bug: 'a filter of any cost reaches the store',
    file: 'src/scim/filter/filter-cost.ts',
    search: 'if (cost.total <= maxCost) return;',
    replace: 'return;',
    tests: ['test/http/query-limits.test.ts'],
  },

  // Filter translation: each store answers like the in-memory evaluator
  {
    id: 'filter/sqlite-gt-is-ge',
    bug: 'SQLite gt includes equal values',
    file: 'src/store/sqlite/filter-to-sql.ts',
    search: "{ eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' }",
    replace: "{ eq: '=', gt: '>=', ge: '>=', lt: '<', le: '<=' }",
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('filters'),
  },
  {
    id: 'filter/sqlite-sw-is-co',
    bug: 'SQLite sw matches the text anywhere in the value',
    file: 'src/store/sqlite/filter-to-sql.ts',
    search: "{ sql: `instr(${value}, ?) = 1`, params: [wanted] }",
    replace: "{ sql: `instr(${value}, ?) > 0`, params: [wanted] }",
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('filters'),
  },
  {
    id: 'filter/sqlite-literal-not-folded',
    bug: 'SQLite compares a caseExact=false literal without folding its case',
    file: 'src/store/sqlite/filter-to-sql.ts',
    search: "function normaliseString(leaf: AttributeDefinition, value: string): string {\n  return leaf.caseExact || leaf.type === 'binary' ? value : foldCase(value);",
    replace: 'function normaliseString(_leaf: AttributeDefinition, value: string): string {\n  return value;',
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('filters'),
  },
  {
    id: 'filter/mongo-gt-is-ge',
    bug: 'MongoDB gt includes equal values',
    file: 'src/store/mongo/filter-to-mongo.ts',
    search: "{ eq: '$eq', gt: '$gt', ge: '$gte', lt: '$lt', le: '$lte' }",
    replace: "{ eq: '$eq', gt: '$gte', ge: '$gte', lt: '$lt', le: '$lte' }",
    tests: ['test/unit/store/mongo/filter-to-mongo.test.ts'],
  },
  {
    id: 'filter/mongo-sw-unanchored',
    bug: 'MongoDB sw matches the text anywhere in the value',
    file: 'src/store/mongo/filter-to-mongo.ts',
    search: 'return `^${escaped}`;',
    replace: 'return escaped;',
    tests: ['test/unit/store/mongo/filter-to-mongo.test.ts'],
  },
  {
    id: 'filter/mongo-not-drops-missing',
    bug: 'MongoDB not(...) excludes resources that lack the attribute',
    file: 'src/store/mongo/filter-to-mongo.ts',
    search: 'return { $nor: [part] };',
    replace: 'return { $and: [{ $nor: [part] }, { p: { $exists: true, $ne: [] } }] };',
    tests: ['test/unit/store/mongo/filter-to-mongo.test.ts'],
  },

  // PATCH: all operations or none (RFC 7644 §3.5.2)
  {
    id: 'patch/failing-operation-skipped',
    bug: 'a PATCH operation that fails is skipped and the others are written',
    file: 'src/scim/patch/apply-patch.ts',
    search: 'for (const operation of operations) applyOperation(working, operation, requiredExtensions, indexes);',
    replace:
      'for (const operation of operations) {\n    try {\n      applyOperation(working, operation, requiredExtensions, indexes);\n    } catch {\n      // skipped\n    }\n  }',
    tests: ['test/http/patch.test.ts'],
  },
  {
    id: 'patch/applied-to-the-stored-object',
    bug: 'PATCH works on the stored attributes instead of a copy',
    file: 'src/scim/patch/apply-patch.ts',
    search: 'const working = structuredClone(attributes) as ScimAttributes;',
    replace: 'const working = attributes;',
    tests: ['test/http/patch.test.ts'],
  },

  {
    id: 'patch/no-op-writes',
    bug: 'a PATCH that changes nothing is written anyway (new version and lastModified: IdPs re-sync forever)',
    file: 'src/resources/resource-service.ts',
    search: 'if (!changed) return { resource: current, changed: false };',
    replace: 'if (!changed && current.version < 0) return { resource: current, changed: false };',
    tests: ['test/http/patch-table.test.ts'],
  },

  // Bulk: bulkId references (RFC 7644 §3.7.2)
  {
    id: 'bulk/reference-not-substituted',
    bug: 'a bulkId reference in an operation\'s data reaches the service unresolved',
    file: 'src/resources/bulk/bulk-references.ts',
    search: 'return reference === undefined ? value : (resolve(reference) ?? value);',
    replace: 'return value;',
    tests: ['test/http/bulk.test.ts'],
  },
  {
    id: 'bulk/patch-path-reference-not-substituted',
    bug: 'a bulkId inside a PATCH path filter stays unresolved',
    file: 'src/resources/bulk/bulk-references.ts',
    search: 'if (!options.patchPaths) return substituted;',
    replace: 'return substituted;',
    tests: ['test/http/bulk.test.ts', 'test/unit/resources/bulk/bulk-references.test.ts'],
  },
  {
    id: 'bulk/forward-reference-runs-in-request-order',
    bug: 'an operation referring to a later POST runs before that POST',
    file: 'src/resources/bulk/bulk-plan.ts',
    search: 'if (state[needed] === NEW) enter(needed);',
    replace: 'if (state[needed] === NEW) state[needed] = NEW;',
    tests: ['test/http/bulk.test.ts'],
  },

  // Schema URNs in a resource body (README "Unknown schema URNs")
  {
    id: 'schemas/unknown-urn-listed-alone-refused',
    bug: "a schema URN the server does not know is refused even when nothing is under it (Entra ID's Create Group fails)",
    file: 'src/scim/schema/declared-schemas.ts',
    search: 'if (!isOwn(urn) && registry.schema(urn)) {',
    replace: 'if (!isOwn(urn)) {',
    tests: ['test/idp/replay.test.ts', 'test/unit/scim/schema/declared-schemas.test.ts'],
  },
  {
    id: 'schemas/attributes-under-unknown-urn-dropped',
    bug: 'attributes under a schema URN the server does not know are dropped without a word instead of refused',
    file: 'src/scim/schema/canonicalise.ts',
    search: 'if (value !== null && !isEmptyObject(value)) foreignKeys.push(key);',
    replace: '',
    tests: ['test/http/resource-schemas.test.ts', 'test/unit/scim/schema/declared-schemas.test.ts'],
  },

  // Response shape: what identity providers read
  {
    id: 'shape/extension-listed-without-its-attributes',
    bug: 'schemas names every extension of the type, also when the resource holds none of its attributes',
    file: 'src/scim/schema/project.ts',
    search: '    const stored = resource.attributes[schema.id] as ScimAttributes | undefined;\n    if (!stored) continue;',
    replace: '    const stored = resource.attributes[schema.id] as ScimAttributes | undefined;\n    if (!stored) {\n      schemaList.push(schema.id);\n      continue;\n    }',
    tests: ['test/idp/replay.test.ts'],
  },

  {
    id: 'shape/internal-state-in-responses',
    bug: 'resources are answered with their internal state (the password hash) beside the SCIM attributes',
    file: 'src/resources/represent.ts',
    search: 'return projectResource(registry, type, representation, selection);',
    replace: 'return { ...projectResource(registry, type, representation, selection), ...stored.internal };',
    tests: ['test/idp/replay.test.ts', 'test/http/users.test.ts'],
  },

  // Token revocation
  {
    id: 'token/revoked-token-accepted',
    bug: 'a revoked token still authenticates',
    file: 'src/auth/verify-token.ts',
    search: 'if (record.revoked !== undefined) return null;',
    replace: '',
    tests: ['test/http/security-and-discovery.test.ts', 'test/unit/auth/verify-token.test.ts'],
  },
  {
    id: 'token/sqlite-revocation-not-read-back',
    bug: 'the SQLite store loses the revocation time when it reads a token',
    file: 'src/store/sqlite/sqlite-tenant-store.ts',
    search: '...(row.revoked === null ? {} : { revoked: row.revoked }),',
    replace: '',
    tests: ['test/http/security-and-discovery.test.ts'],
  },
  {
    id: 'token/sqlite-revocation-time-overwritten',
    bug: 'revoking a token twice moves its revocation time',
    file: 'src/store/sqlite/sqlite-tenant-store.ts',
    search: "'UPDATE tokens SET revoked = coalesce(revoked, ?) WHERE id = ?'",
    replace: "'UPDATE tokens SET revoked = ? WHERE id = ?'",
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('tokens'),
  },
  {
    id: 'token/mongo-revocation-not-stored',
    bug: 'the MongoDB store records a revocation under a field it never reads',
    file: 'src/store/mongo/mongo-tenant-store.ts',
    search: "{ _id: id, revoked: { $exists: false } }, { $set: { revoked: at } }",
    replace: "{ _id: id, revoked: { $exists: false } }, { $set: { revokedAt: at } }",
    tests: MINGO_CONTRACT,
    testNamePattern: 'tokens',
  },
  // Roles (README "Roles"): the catalogue check on User writes, held roles, forced deletes and renames
  {
    id: 'roles/unknown-role-granted',
    bug: 'a role the catalogue lacks is stored on the user instead of being refused',
    file: 'src/extensions/roles/user-roles-behaviour.ts',
    search: 'if (unknown.length === 0) return found;',
    replace: 'return found;',
    tests: ['test/http/roles.test.ts'],
    testNamePattern: 'unknown role',
  },
  {
    id: 'roles/patch-values-trusted',
    bug: 'the catalogue check trusts every role value of a PATCH as if the user held it already',
    file: 'src/extensions/roles/user-roles-behaviour.ts',
    search: 'const heldSpellings = new Set(rolesOf(input.current?.attributes).map((role) => role.value));',
    replace: "const heldSpellings = new Set((input.kind === 'patch' ? requested : rolesOf(input.current?.attributes)).map((role) => role.value));",
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('roles .*unknown role'),
  },
  {
    id: 'roles/held-role-deleted',
    bug: 'a role users hold is deleted without ?force=true, leaving them holding a role that no longer exists',
    file: 'src/extensions/roles/role-behaviour.ts',
    search: 'if (options.force) return;',
    replace: 'if (options.force !== false) return;',
    tests: ['test/http/roles.test.ts'],
    testNamePattern: '409',
  },
  {
    id: 'roles/forced-delete-stops-after-one-batch',
    bug: 'the holders job ends after its first batch, leaving the later holders with the deleted role',
    file: 'src/extensions/roles/role-holders-job.ts',
    search: 'if (batch.next === undefined) return',
    replace: 'if (batch.next === undefined || processed > 0) return',
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('roles .*forced delete'),
  },
  {
    id: 'roles/case-rename-not-propagated',
    bug: 'a rename that changes only the case of a role leaves its holders with the old spelling',
    file: 'src/extensions/roles/role-behaviour.ts',
    search: 'if (from === String(stored.attributes.name)) return;',
    replace: 'if (from.toLowerCase() === String(stored.attributes.name).toLowerCase()) return;',
    tests: ['test/http/roles.test.ts'],
    testNamePattern: 'rename',
  },
  {
    id: 'roles/route-ignores-if-match',
    bug: 'POST /Users/{id}/roles writes whatever If-Match says',
    file: 'src/extensions/roles/roles-service.ts',
    search: "return patchUser(context, userId, { op: 'add', path: 'roles', value: asValues(roleNamesOf(body)) }, conditions);",
    replace: "return patchUser(context, userId, { op: 'add', path: 'roles', value: asValues(roleNamesOf(body)) });",
    tests: ['test/http/roles.test.ts'],
    testNamePattern: 'If-Match',
  },
  // Account lifecycle (README "Account lifecycle"): the state machine and the credential check
  {
    id: 'lifecycle/unlock-from-any-state',
    bug: 'unlock is allowed from a state that is not locked (it activates a disabled, expired or pending account)',
    file: 'src/extensions/lifecycle/state-machine.ts',
    search: "if (state === AccountState.locked) return to(AccountState.active);\n      return refuse(`the account is ${state}, not locked;",
    replace: "return to(AccountState.active);\n      return refuse(`the account is ${state}, not locked;",
    tests: ['test/unit/extensions/lifecycle/state-table.test.ts'],
    testNamePattern: '^account state machine on sqlite .*unlock',
  },
  {
    id: 'lifecycle/active-true-lifts-a-lock',
    bug: "an identity provider's active:true re-enables any account, lifting a lock or an expiry",
    file: 'src/extensions/lifecycle/state-machine.ts',
    search: 'return state === AccountState.disabled ? to(AccountState.active) : keep;',
    replace: 'return to(AccountState.active);',
    tests: ['test/unit/extensions/lifecycle/state-table.test.ts'],
    testNamePattern: '^account state machine on sqlite .*PATCH active true',
  },
  {
    id: 'lifecycle/locked-answered-after-the-password-check',
    bug: "a locked account's password is tested before the 423: a guesser's attempt costs a verification against the real hash",
    file: 'src/extensions/lifecycle/lifecycle-service.ts',
    search: 'if (lifecycle.state === AccountState.locked) {\n        await record(context, user.id, now, Reason.locked);',
    replace: "if (lifecycle.state === AccountState.locked && request.password === '') {\n        await record(context, user.id, now, Reason.locked);",
    tests: ['test/http/lifecycle.test.ts'],
    testNamePattern: 'same hash work',
  },
  {
    id: 'lifecycle/success-recorded-whatever-the-version',
    bug: 'a sign-in records its success even when a lock landed after it read the account (answers 200 for a locked account)',
    file: 'src/resources/update-internal.ts',
    search: 'const version = options.sameVersion ? current.version : undefined;',
    replace: 'const version = undefined;',
    tests: ['test/unit/extensions/lifecycle/lockout.test.ts'],
    testNamePattern: '^lockout on sqlite .*racing a lock is never',
  },
  {
    id: 'lifecycle/unknown-user-skips-the-hash',
    bug: 'an unknown user name is answered 401 without the decoy verification (a timing oracle for user names)',
    file: 'src/extensions/lifecycle/lifecycle-service.ts',
    search: 'await deps.passwords.verify(context, request.password, dummyPassword);\n        throw invalidCredentials();',
    replace: 'throw invalidCredentials();',
    tests: ['test/http/lifecycle.test.ts'],
    testNamePattern: 'same hash work',
  },
  // Audit trail: events go with the change they describe, to the tenant they belong to, for the scope that may read them
  {
    id: 'audit/sqlite-replace-loses-its-events',
    bug: 'the SQLite store writes a replace without the audit events it carries',
    file: 'src/store/sqlite/sqlite-resource-store.ts',
    search: 'if (effects) insertOutboxMessages(statements, effects);\n            return toStored({ ...written,',
    replace: 'return toStored({ ...written,',
    tests: SQLITE_CONTRACT,
    testNamePattern: SQLITE_MEMORY('write effects'),
  },
  {
    id: 'audit/mongo-create-never-recovers-its-events',
    bug: 'the MongoDB store does not keep a create\'s events in the document, so a crash after the insert loses them',
    file: 'src/store/mongo/mongo-resource-store.ts',
    search: 'return effects && effects.length > 0 ? { ...document, outboxPending: effects.map(toPending) } : document;',
    replace: 'return document;',
    tests: MINGO_CONTRACT,
    testNamePattern: 'mid-write',
  },
  {
    id: 'audit/events-readable-with-scim-read',
    bug: 'GET /AuditEvents accepts any token of the tenant, so a provisioning client reads who did what',
    file: 'src/http/routes/audit-events-router.ts',
    search: "router.get('/AuditEvents', requireScope(Scope.auditRead),",
    replace: "router.get('/AuditEvents', requireScope(Scope.read),",
    tests: ['test/http/audit-events.test.ts'],
  },
  {
    id: 'audit/events-of-another-tenant',
    bug: 'the SQLite audit store reads an event by id in any tenant',
    file: 'src/store/sqlite/sqlite-audit-event-store.ts',
    search: "'SELECT data FROM audit_events WHERE id = ? AND tenant_id = ?').get(id, tenantId)",
    replace: "'SELECT data FROM audit_events WHERE id = ? OR tenant_id = ?').get(id, tenantId)",
    tests: ['test/http/audit-events.test.ts'],
  },
  {
    id: 'audit/failures-unrecorded',
    bug: 'the HTTP layer records successes only, so a refused request leaves no trace',
    file: 'src/http/middleware/audit-trail.ts',
    search: 'audit.fail({ status, scimType: answered?.scimType });',
    replace: '',
    tests: ['test/http/audit-completeness.test.ts'],
  },
];
