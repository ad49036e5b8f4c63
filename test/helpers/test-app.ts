// Builds the real app on a fresh in-memory embedded store, with helpers to create tenants and tokens.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { buildApp, createReadAudit } from '../../src/app';
import type { AuditBuffer } from '../../src/extensions/audit/audit-buffer';
import type { Resolver } from '../../src/extensions/webhooks/address-policy';
import { createSecretBox, type SecretBox } from '../../src/extensions/webhooks/secret-box';
import type { WorkerHost } from '../../src/jobs/worker-host';
import type { AuditEventRecord } from '../../src/store/audit-event-store';
import { buildWorkers } from '../../src/workers';
import { webhookPolicy } from '../../src/app';
import { randomBytes } from 'node:crypto';
import { issueToken } from '../../src/auth/tokens';
import { loadConfig } from '../../src/config/load-config';
import { createHttpServer } from '../../src/http/http-server';
import { createLogger } from '../../src/logger';
import { loadRegistry } from '../../src/config/schemas-dir';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { type Store, type Tenant } from '../../src/store/tenant-store';
import { Scope } from '../../src/auth/scopes';
import type { Profile } from '../../src/auth/profile';
import type { Passwords } from '../../src/resources/users/password';
import type { KdfParameters } from '../../src/extensions/transfer/sealed-hash';

export interface TestTenant {
  readonly tenant: Tenant;
  readonly token: string;
  readonly auth: { Authorization: string };
}

export interface TestApp {
  /** One listening server per test app, so that absolute URLs (meta.location) stay the same across requests. */
  readonly app: Server;
  readonly express: Express;
  readonly store: Store;
  tenant(options?: { name?: string; profile?: Profile; scopes?: Scope[] }): Promise<TestTenant>;
  tokenFor(tenant: Tenant, scopes: Scope[]): Promise<string>;
  /** The app's buffer of audit events that describe no change (reads, failures). */
  readonly auditBuffer: AuditBuffer;
  /** The key that seals the app's webhook secrets. */
  readonly webhookSecrets: SecretBox;
  /**
   * Background work as a server runs it (audit delivery, webhook fan-out and deliveries, sweeps), on the app's store
   * with a clock of its own: an hour ahead of the wall clock (so that held messages of a writer that stopped midway
   * are settled), and moved on with `advanceWorkers` (retries, deadlines) instead of waiting.
   */
  runWorkers(): Promise<void>;
  advanceWorkers(ms: number): void;
  /**
   * The tenant's audit trail as GET /AuditEvents would read it once delivered, oldest first: flushes the buffer and
   * delivers the audit messages of the outbox to the audit store, as a worker host does.
   */
  auditEvents(tenantId: string): Promise<AuditEventRecord[]>;
  close(): Promise<void>;
}

export const SCIM = '/scim/v2';
const RATE_LIMITS_OFF = { SCIM_RATE_LIMIT_TOKEN: '0', SCIM_RATE_LIMIT_TENANT: '0', SCIM_RATE_LIMIT_AUTH_FAILURES: '0' };
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface TestAppOptions {
  /** SQLite file; an in-memory database when absent. */
  readonly path?: string;
  readonly logger?: Logger;
  /** The store under the app (default: SQLite at `path`); closed with the app. */
  readonly store?: Store;
  /** The app's clock (lastModified, created, cursor expiry): tests move time with it instead of sleeping. */
  readonly clock?: () => Date;
  /** The most holders of a role a request moves itself (README "Roles"); lowered to reach the job path. */
  readonly inlineHolders?: number;
  /** Password hashing (default: the app's own, real scrypt behind its fair queue; test/helpers/lifecycle.ts has cheap parameters for tests that sign in many times). */
  readonly passwords?: Passwords;
  /** How webhook URLs resolve (default: the system's resolver). */
  readonly resolve?: Resolver;
  /** The KDF cost of exports (default: the server's, EXPORT_KDF); test/http/transfer.test.ts lowers it. */
  readonly exportKdf?: KdfParameters;
}

export async function createTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  // Rate limits are off unless a test turns them on: a test may send hundreds of requests in a second on one token,
  // which the default limits (README "Rate limits") would rightly refuse. test/http/rate-limits.test.ts sets them.
  const config = loadConfig({ SCIM_LOG_LEVEL: 'silent', ...RATE_LIMITS_OFF, ...env });
  const registry = loadRegistry(config.schemasDir);
  const store =
    options.store ?? createSqliteStore({ path: options.path ?? ':memory:', registry, reads: { workers: config.readWorkers, timeoutMs: config.queryTimeoutMs } });
  const logger = options.logger ?? createLogger('silent');
  const readAudit = createReadAudit(store, { clock: options.clock, logger });
  const auditBuffer = readAudit.buffer;
  const webhookSecrets = createSecretBox(randomBytes(32));
  const app = buildApp({
    config,
    store,
    registry,
    logger,
    clock: options.clock,
    inlineHolders: options.inlineHolders,
    passwords: options.passwords,
    readAudit,
    webhooks: { secrets: webhookSecrets, resolve: options.resolve },
    exportKdf: options.exportKdf,
  });
  let workerOffsetMs = 3_600_000;
  const workers: WorkerHost = buildWorkers({
    store,
    registry,
    logger,
    clock: () => new Date(Date.now() + workerOffsetMs),
    webhooks: { secrets: webhookSecrets, policy: webhookPolicy(config, options.resolve) },
  });
  const runWorkers = async () => {
    await auditBuffer.flush();
    while (await workers.runOnce());
  };

  // The server main.ts runs: its timeouts, and SCIM error bodies for what Node's HTTP layer refuses.
  const server = createHttpServer(app, config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const tokenFor = async (tenant: Tenant, scopes: Scope[]) => {
    const { token, record } = issueToken({ tenantId: tenant.id, label: 'test', scopes, now: new Date() });
    await store.tenants.createToken(record);
    return token;
  };

  return {
    app: server,
    express: app,
    store,
    tokenFor,
    async tenant(opts = {}) {
      const tenant: Tenant = { id: randomUUID(), name: opts.name ?? 'test', profile: opts.profile ?? 'standard', created: new Date().toISOString() };
      await store.tenants.createTenant(tenant);
      const token = await tokenFor(tenant, opts.scopes ?? [Scope.read, Scope.write]);
      return { tenant, token, auth: { Authorization: `Bearer ${token}` } };
    },
    auditBuffer,
    webhookSecrets,
    runWorkers,
    advanceWorkers(ms) {
      workerOffsetMs += ms;
    },
    async auditEvents(tenantId) {
      await runWorkers();
      const events: AuditEventRecord[] = [];
      let after: { time: string; id: string } | undefined;
      for (;;) {
        const page = await store.auditEvents.list(tenantId, { count: 500, ...(after ? { after } : {}) });
        events.push(...page.events);
        if (!page.next) break;
        after = page.next;
      }
      return events.reverse();
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await workers.stop();
      await auditBuffer.close();
      await store.close();
    },
  };
}

/** A clock that moves `stepMs` forward on every reading, from `start`: every write gets a later instant. */
export function steppingClock(start = '2025-01-01T00:00:00.000Z', stepMs = 1000): () => Date {
  let next = Date.parse(start);
  return () => {
    const now = new Date(next);
    next += stepMs;
    return now;
  };
}

/** A User body that lists, as RFC 7643 §3 asks, the core schema and every extension whose attributes it carries. */
export function user(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const extensions = Object.keys(extra).filter((key) => key.toLowerCase().startsWith('urn:'));
  return { schemas: [USER_SCHEMA, ...extensions], userName, ...extra };
}

/** A logger that keeps every line it writes, parsed, for tests that read the log. */
export function capturingLogger(
  level = 'info',
  format: 'json' | 'pretty' = 'json',
): { logger: Logger; lines: Record<string, unknown>[]; text: () => string; clear: () => void } {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      raw.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(level, { format, destination });
  return {
    logger,
    get lines() {
      return raw.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => (format === 'json' ? (JSON.parse(line) as Record<string, unknown>) : { line }));
    },
    text: () => raw.join(''),
    clear: () => {
      raw.length = 0;
    },
  };
}
