// Token commands of the admin CLI on a real embedded store: `--scopes audit:read` issues an audit reader, and creating,
// rotating and revoking a token record TOKEN_<ACTION>_START and _SUCCESS in the token's tenant, with actor `cli`,
// written around the change and available to the worker at once (not held).
import { runAdmin } from '../../../src/admin/commands';
import { auditTopic } from '../../../src/extensions/audit/audit-topic';
import { createConditionCheck } from '../../../src/extensions/audit/confirm-condition';
import { createWorkerHost } from '../../../src/jobs/worker-host';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../src/store/tenant-store';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
let store: Store;
beforeEach(async () => {
  store = createSqliteStore({ path: ':memory:', registry: loadBuiltinRegistry() });
  await store.tenants.createTenant({ id: 'acme', name: 'acme', profile: 'standard', created: new Date().toISOString() });
});
afterEach(() => store.close());

async function admin(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  // The command closes the store it opened; the test keeps using it, so closing is left to afterEach.
  const code = await runAdmin(argv, { store: async () => ({ ...store, close: async () => undefined }), out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

async function trail() {
  const host = createWorkerHost({ jobs: store.jobs, outbox: store.outbox, logger: quiet });
  host.registerOutboxTopic(auditTopic({ auditEvents: store.auditEvents, holds: createConditionCheck({ resources: store.resources, tenants: store.tenants, auditEvents: store.auditEvents }), logger: quiet }));
  while (await host.runOnce());
  return (await store.auditEvents.list('acme', { count: 100 })).events.reverse();
}

describe('admin token commands in the audit trail', () => {
  it('creates an audit:read token, and records TOKEN_CREATE with actor cli', async () => {
    const created = await admin('token', 'create', 'acme', '--label', 'siem', '--scopes', 'audit:read');
    expect(created.code).toBe(0);
    const [record] = await store.tenants.listTokens('acme');
    expect(record.scopes).toEqual(['audit:read']);
    // Sorted by type: events of the same millisecond have no order of their own.
    const events = (await trail()).sort((a, b) => a.type.localeCompare(b.type));
    expect(events.map((event) => [event.type, event.outcome])).toEqual([
      ['TOKEN_CREATE_START', 'started'],
      ['TOKEN_CREATE_SUCCESS', 'success'],
    ]);
    expect(events[1]).toMatchObject({ tenantId: 'acme', actor: { kind: 'cli', tokenId: null, label: 'cli' }, clientAddress: null, resource: { type: 'Token', id: record.id } });
    expect(events[0].requestId).toBe(events[1].requestId);
    // The secret printed once is nowhere in the trail.
    const printed = created.out.find((line) => line.trim().startsWith('scim_'))!.trim();
    expect(JSON.stringify(events)).not.toContain(printed);
  });

  it('records TOKEN_ROTATE for the rotated token and TOKEN_REVOKE with actor cli', async () => {
    await admin('token', 'create', 'acme', '--label', 'okta');
    const [old] = await store.tenants.listTokens('acme');
    expect((await admin('token', 'rotate', old.id)).code).toBe(0);
    expect((await admin('token', 'revoke', old.id)).code).toBe(0);
    // Revoking again changes nothing and records nothing more.
    expect((await admin('token', 'revoke', old.id)).out).toEqual([expect.stringContaining('was already revoked')]);
    const events = (await trail()).filter((event) => event.outcome !== 'started').sort((a, b) => a.type.localeCompare(b.type));
    expect(events.map((event) => [event.type, event.resource?.id])).toEqual([
      ['TOKEN_CREATE_SUCCESS', old.id],
      ['TOKEN_REVOKE_SUCCESS', old.id],
      ['TOKEN_ROTATE_SUCCESS', old.id],
    ]);
    expect(events.every((event) => event.actor.kind === 'cli')).toBe(true);
    // Released at once: nothing is left held in the outbox.
    expect((await store.outbox.list('acme', { limit: 100 })).filter((message) => message.condition !== undefined)).toEqual([]);
  });
});
