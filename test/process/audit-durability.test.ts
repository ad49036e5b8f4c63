// The audit events of a write survive a kill -9 of the server that acknowledged the write: a real server process on a
// file store, without background workers (so that nothing is delivered before the kill), creates and updates a user,
// answers 201 and 200, and is killed with SIGKILL at once. The events are in the store's outbox, committed with the
// writes, or in the audit store itself where no webhook wants them. A second server, with workers, delivers the queued
// ones to the audit store, where GET /AuditEvents reads them all.
// And the other way round: the events of reads wait in memory for their batch (a crash loses at most that second), so a
// graceful stop (SIGTERM) must write them before the store closes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scope } from '../../src/auth/scopes';
import { issueToken } from '../../src/auth/tokens';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { Store } from '../../src/store/tenant-store';
import { eventually, startServer, stopAll, type ServerProcess } from '../helpers/server-process';

const TENANT = 'tenant-durable';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('audit events across a kill -9', () => {
  let directory: string;
  let store: Store;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'scim-audit-durability-'));
  });
  afterAll(async () => {
    await stopAll(servers);
    await store?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('delivers after a restart the events of every write acknowledged before the kill', async () => {
    const storeFile = join(directory, 'scim.db');
    // The test's own connection to the file: it issues the tokens and looks at the outbox as a third party would.
    store = createSqliteStore({ path: storeFile, registry: loadBuiltinRegistry() });
    await store.tenants.createTenant({ id: TENANT, name: 'durable', profile: 'standard', created: new Date().toISOString() });
    const writer = issueToken({ tenantId: TENANT, label: 'idp', scopes: [Scope.read, Scope.write], now: new Date() });
    const auditor = issueToken({ tenantId: TENANT, label: 'siem', scopes: [Scope.auditRead], now: new Date() });
    await store.tenants.createToken(writer.record);
    await store.tenants.createToken(auditor.record);

    const first = await startServer(storeFile, 'server A', { SCIM_WORKERS: 'off' });
    servers.push(first);
    const base = `http://127.0.0.1:${first.port}/scim/v2`;
    const headers = { Authorization: `Bearer ${writer.token}`, 'Content-Type': 'application/scim+json' };
    const created = await fetch(`${base}/Users`, { method: 'POST', headers: { ...headers, 'X-Request-Id': 'durable-create' }, body: JSON.stringify({ schemas: [USER_SCHEMA], userName: 'durable@example.com' }) });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    const patched = await fetch(`${base}/Users/${id}`, {
      method: 'PATCH',
      headers: { ...headers, 'X-Request-Id': 'durable-patch' },
      body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Kept' }] }),
    });
    expect(patched.status).toBe(200);
    // Killed right after the answers: no graceful stop, no flush, no worker.
    first.child.kill('SIGKILL');
    expect(await first.exit).toEqual({ code: null, signal: 'SIGKILL' });

    // Committed with the writes: waiting in the outbox (the create, at least: the server did not know yet whether a
    // webhook of the tenant wants its events), or, once it knew that none does, in the audit store itself, no worker
    // needed. Each event in one of the two, once.
    const waiting = await store.outbox.list(TENANT, { limit: 20, topic: 'audit', status: 'pending' });
    const queued = waiting.flatMap((message) => (message.payload as unknown as { events: { type: string; requestId: string }[] }).events).filter((event) => event.requestId.startsWith('durable-'));
    const stored = (await store.auditEvents.list(TENANT, { count: 10 })).events.filter((event) => event.requestId.startsWith('durable-'));
    expect(queued.map((event) => event.type)).toEqual(expect.arrayContaining(['USER_CREATE_START', 'USER_CREATE_SUCCESS']));
    expect([...queued, ...stored].map((event) => event.type).sort()).toEqual(['USER_CREATE_START', 'USER_CREATE_SUCCESS', 'USER_UPDATE_START', 'USER_UPDATE_SUCCESS']);

    const second = await startServer(storeFile, 'server B');
    servers.push(second);
    const read = async () => {
      const res = await fetch(`http://127.0.0.1:${second.port}/scim/v2/AuditEvents?filter=${encodeURIComponent(`resource.id eq "${id}"`)}`, { headers: { Authorization: `Bearer ${auditor.token}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { Resources: { type: string; requestId: string; actor: { label: string } }[] }).Resources;
    };
    await eventually('the events of both writes to be readable', async () => (await read()).length === 3);
    const events = await read();
    // The create's START names no id yet: it is found by its request, the three others by the user's id.
    expect(events.map((event) => [event.type, event.requestId, event.actor.label]).sort()).toEqual([
      ['USER_CREATE_SUCCESS', 'durable-create', 'idp'],
      ['USER_UPDATE_START', 'durable-patch', 'idp'],
      ['USER_UPDATE_SUCCESS', 'durable-patch', 'idp'],
    ]);
    const all = await store.auditEvents.list(TENANT, { count: 50, filter: { kind: 'compare', field: 'type', op: 'eq', value: 'USER_CREATE_START' } });
    expect(all.events.map((event) => event.requestId)).toEqual(['durable-create']);

    second.child.kill('SIGTERM');
    expect((await second.exit).code).toBe(0);
  }, 60_000);

  it('writes the read events still in memory into the audit store on SIGTERM, before the store closes', async () => {
    const storeFile = join(directory, 'shutdown.db');
    const own = createSqliteStore({ path: storeFile, registry: loadBuiltinRegistry() });
    try {
      const tenantId = 'tenant-shutdown';
      await own.tenants.createTenant({ id: tenantId, name: 'shutdown', profile: 'standard', created: new Date().toISOString() });
      const reader = issueToken({ tenantId, label: 'reader', scopes: [Scope.read], now: new Date() });
      await own.tenants.createToken(reader.record);

      // No workers: nothing but the shutdown can write the buffered events.
      const server = await startServer(storeFile, 'server C', { SCIM_WORKERS: 'off' });
      servers.push(server);
      const res = await fetch(`http://127.0.0.1:${server.port}/scim/v2/Users/someone`, { headers: { Authorization: `Bearer ${reader.token}`, 'X-Request-Id': 'read-before-stop' } });
      expect(res.status).toBe(404);
      server.child.kill('SIGTERM');
      expect((await server.exit).code).toBe(0);

      const trail = await own.auditEvents.list(tenantId, { count: 10 });
      expect(trail.events.map((event) => [event.type, event.requestId]).sort()).toEqual([
        ['USER_RETRIEVE_FAIL', 'read-before-stop'],
        ['USER_RETRIEVE_START', 'read-before-stop'],
      ]);
      // Straight into the audit store: no webhook wants them, so the outbox holds nothing for them.
      expect(await own.outbox.list(tenantId, { limit: 10 })).toEqual([]);
    } finally {
      await own.close();
    }
  }, 60_000);
});
