// `npm run migrate` between two real servers: two server processes (src/main.ts, as `npm start` runs it), each on its
// own embedded store file, the source seeded over HTTP (roles, groups, users with passwords, a locked and a disabled
// account), and the migrate CLI run as a child process against both, exactly as a person runs it. What arrived is read
// back from the target over HTTP: the same users under new ids with their originalId, memberships, roles, lifecycle
// states, and sign-in with the old passwords. Then: a re-run, a run killed while an import request is out and resumed,
// and the mistakes a person makes (a wrong token, a short secret, a server that is not there).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scope } from '../../src/auth/scopes';
import { issueToken } from '../../src/auth/tokens';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { eventually, startServer, stopAll, type ServerProcess } from '../helpers/server-process';

const REGISTER = join(__dirname, '..', 'fixtures', 'register-typescript.js');
const CLI = join(__dirname, '..', '..', 'src', 'migrate', 'cli.ts');
const SECRET = 'the migration secret, kept out of every output';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ROLE = 'urn:scim-server:params:scim:schemas:roles:2.0:Role';
const LC = 'urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User';

interface Tenant {
  readonly base: string;
  /** Tokens by what they are for. */
  readonly tokens: Record<string, string>;
}

/** A tenant of the store file with one token per entry of `scopes`. */
async function tenantWithTokens(storeFile: string, tenantId: string, scopes: Record<string, Scope[]>): Promise<Record<string, string>> {
  const store = createSqliteStore({ path: storeFile, registry: loadBuiltinRegistry() });
  try {
    await store.tenants.createTenant({ id: tenantId, name: tenantId, profile: 'standard', created: new Date().toISOString() });
    const tokens: Record<string, string> = {};
    for (const [label, granted] of Object.entries(scopes)) {
      const issued = issueToken({ tenantId, label, scopes: granted, now: new Date() });
      await store.tenants.createToken(issued.record);
      tokens[label] = issued.token;
    }
    return tokens;
  } finally {
    await store.close();
  }
}

async function call(tenant: Tenant, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${tenant.base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${tenant.tokens[token]}`, ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

async function ok(tenant: Tenant, token: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const answer = await call(tenant, token, method, path, body);
  if (answer.status >= 300) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function startCli(args: readonly string[], env: Record<string, string> = { MIGRATE_SECRET: SECRET }): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, ['-r', REGISTER, CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  const done = once(child, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, done };
}

const runCli = (args: readonly string[], env?: Record<string, string>) => startCli(args, env).done;

interface SeededUser {
  readonly userName: string;
  readonly password?: string;
  readonly roles: string[];
}

const SEEDED: SeededUser[] = [
  { userName: 'alice@example.com', password: 'Alice-old-passw0rd', roles: ['Admin'] },
  { userName: 'bob@example.com', password: 'Bob-old-passw0rd', roles: ['Admin', 'Auditor'] },
  { userName: 'carol@example.com', password: 'Carol-old-passw0rd', roles: [] },
  { userName: 'dave@example.com', password: 'Dave-old-passw0rd', roles: ['Auditor'] },
  { userName: 'erin@example.com', password: 'Erin-old-passw0rd', roles: [] },
  { userName: 'frank@example.com', roles: [] },
];

/** What a tenant holds, in terms that survive a migration (names, not ids). */
async function directoryOf(tenant: Tenant) {
  const users = ((await ok(tenant, 'reader', 'GET', `/Users?count=100&sortBy=userName`)).Resources as Record<string, unknown>[]).map((user) => {
    const lifecycle = (user[LC] ?? {}) as Record<string, unknown>;
    return {
      id: user.id as string,
      userName: user.userName as string,
      roles: ((user.roles ?? []) as { value: string }[]).map((role) => role.value).sort(),
      state: lifecycle.state,
      stateReason: lifecycle.stateReason,
      originalId: lifecycle.originalId,
    };
  });
  const nameOf = new Map(users.map((user) => [user.id, user.userName]));
  const groups = ((await ok(tenant, 'reader', 'GET', `/Groups?count=100&sortBy=displayName`)).Resources as Record<string, unknown>[]).map((group) => ({
    displayName: group.displayName as string,
    members: ((group.members ?? []) as { value: string }[]).map((member) => nameOf.get(member.value) ?? `unknown ${member.value}`).sort(),
  }));
  const roles = ((await ok(tenant, 'reader', 'GET', `/Roles?count=100`)).Resources as { name: string }[]).map((role) => role.name).sort();
  return { users, groups, roles };
}

async function signIn(tenant: Tenant, userName: string, password: string) {
  return call(tenant, 'signIn', 'POST', '/Users/.verify-credentials', { userName, password });
}

/**
 * A pass-through proxy in front of a server that can hold back the answer of one import request (the request reaches
 * the server and is written; the client never hears back), so that a test can kill the CLI at that very moment.
 */
async function startProxy(target: string) {
  let imports = 0;
  let holdImport: number | undefined;
  let held: () => void = () => undefined;
  const heldOne = new Promise<void>((resolve) => (held = resolve));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const isImport = req.method === 'POST' && req.url!.includes('/Users/.import') && !body.toString().includes('"records":[]');
        const number = isImport ? ++imports : 0;
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => ['authorization', 'content-type', 'accept', 'idempotency-key'].includes(name))) as Record<string, string>;
        const answer = await fetch(`${target}${req.url!}`, { method: req.method, headers, body: body.length > 0 ? body : undefined });
        const text = await answer.text();
        if (holdImport !== undefined && number === holdImport) {
          held();
          return;
        }
        res.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(text);
      })();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`,
    hold(number: number) {
      holdImport = number;
      return heldOne;
    },
    passThrough() {
      holdImport = undefined;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('npm run migrate between two server processes', () => {
  let directory: string;
  const servers: ServerProcess[] = [];
  let source: Tenant;
  let target: Tenant;
  let resumeTarget: Tenant;
  const sourceIds = new Map<string, string>();

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'scim-migrate-'));
    const sourceFile = join(directory, 'source.db');
    const targetFile = join(directory, 'target.db');
    const sourceTokens = await tenantWithTokens(sourceFile, 'source-tenant', { migrate: [Scope.read, Scope.export], writer: [Scope.read, Scope.write], reader: [Scope.read], exportOnly: [Scope.export] });
    const targetAccess = { migrate: [Scope.write], reader: [Scope.read], signIn: [Scope.credentials] };
    const targetTokens = await tenantWithTokens(targetFile, 'target-tenant', targetAccess);
    const resumeTokens = await tenantWithTokens(targetFile, 'resume-tenant', targetAccess);
    const [sourceServer, targetServer] = await Promise.all([
      startServer(sourceFile, 'source server', { SCIM_WORKERS: 'off' }),
      startServer(targetFile, 'target server', { SCIM_WORKERS: 'off' }),
    ]);
    servers.push(sourceServer, targetServer);
    source = { base: `http://127.0.0.1:${sourceServer.port}/scim/v2`, tokens: sourceTokens };
    target = { base: `http://127.0.0.1:${targetServer.port}/scim/v2`, tokens: targetTokens };
    resumeTarget = { base: target.base, tokens: resumeTokens };

    // The source directory, seeded as a client would.
    for (const name of ['Admin', 'Auditor']) await ok(source, 'writer', 'POST', '/Roles', { schemas: [ROLE], name, description: `The ${name} role` });
    for (const user of SEEDED) {
      const created = await ok(source, 'writer', 'POST', '/Users', {
        schemas: [USER],
        userName: user.userName,
        ...(user.password ? { password: user.password } : {}),
        roles: user.roles.map((value) => ({ value })),
      });
      sourceIds.set(user.userName, created.id as string);
    }
    const members = (...names: string[]) => names.map((name) => ({ value: sourceIds.get(`${name}@example.com`) }));
    await ok(source, 'writer', 'POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering', members: members('alice', 'bob') });
    await ok(source, 'writer', 'POST', '/Groups', { schemas: [GROUP], displayName: 'Sales', members: members('carol', 'dave', 'frank') });
    await ok(source, 'writer', 'POST', '/Groups', { schemas: [GROUP], displayName: 'Alumni' });
    await ok(source, 'writer', 'POST', `/Users/${sourceIds.get('dave@example.com')}/lock`, { reason: 'Reported phishing' });
    await ok(source, 'writer', 'POST', `/Users/${sourceIds.get('erin@example.com')}/disable`, { reason: 'Left the company' });
  }, 120_000);

  afterAll(async () => {
    await stopAll(servers);
    rmSync(directory, { recursive: true, force: true });
  });

  const argsFor = (to: Tenant, stateFile: string, ...more: string[]) => [
    '--from',
    source.base,
    '--from-token',
    source.tokens.migrate,
    '--to',
    to.base,
    '--to-token',
    to.tokens.migrate,
    '--state',
    join(directory, stateFile),
    '--page-size',
    '4',
    '--batch-size',
    '2',
    ...more,
  ];

  /** Nothing a person must not see: no secret, no token, no stack trace. */
  const expectNothingSecret = (run: CliRun) => {
    const output = run.stdout + run.stderr;
    expect(output).not.toContain(SECRET);
    for (const token of [...Object.values(source.tokens), ...Object.values(target.tokens)]) expect(output).not.toContain(token);
    expect(output).not.toMatch(/^\s+at /m);
  };

  it('moves users, groups, roles, lifecycle states and passwords, with new ids and the old ones kept', async () => {
    const run = await runCli(argsFor(target, 'first.json'));
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual(['Exported 6, imported 6 (6 created, 0 updated), skipped 0, failed 0.']);
    expect(run.stderr).toContain('Roles: 2 created on the target, 0 there already');
    expect(run.stderr).toContain('Groups: 3 created on the target, 0 there already');
    expect(run.stderr).toContain('6/6 users: 6 created, 0 updated, 0 skipped, 0 failed');
    expectNothingSecret(run);
    const state = JSON.parse(readFileSync(join(directory, 'first.json'), 'utf8')) as Record<string, unknown>;
    expect(state).toMatchObject({ finished: true, counts: { exported: 6, created: 6, failed: 0 } });

    const before = await directoryOf({ base: source.base, tokens: { reader: source.tokens.reader } });
    const after = await directoryOf(target);
    expect(after.roles).toEqual(['Admin', 'Auditor']);
    expect(after.groups).toEqual(before.groups);
    expect(after.groups).toEqual([
      { displayName: 'Alumni', members: [] },
      { displayName: 'Engineering', members: ['alice@example.com', 'bob@example.com'] },
      { displayName: 'Sales', members: ['carol@example.com', 'dave@example.com', 'frank@example.com'] },
    ]);
    expect(after.users.map(({ userName, roles, state: lifecycleState, stateReason }) => ({ userName, roles, state: lifecycleState, stateReason }))).toEqual(
      before.users.map(({ userName, roles, state: lifecycleState, stateReason }) => ({ userName, roles, state: lifecycleState, stateReason })),
    );
    expect(after.users.find((user) => user.userName === 'dave@example.com')).toMatchObject({ state: 'locked', stateReason: 'Reported phishing' });
    expect(after.users.find((user) => user.userName === 'erin@example.com')).toMatchObject({ state: 'disabled', stateReason: 'Left the company' });
    for (const user of after.users) {
      expect(user.originalId).toBe(sourceIds.get(user.userName));
      expect(user.id).not.toBe(user.originalId);
    }

    // The old passwords sign in on the target; the states still decide.
    expect(await signIn(target, 'alice@example.com', 'Alice-old-passw0rd')).toMatchObject({ status: 200, body: { userName: 'alice@example.com', state: 'active' } });
    expect(await signIn(target, 'bob@example.com', 'Bob-old-passw0rd')).toMatchObject({ status: 200 });
    expect((await signIn(target, 'alice@example.com', 'not her password')).status).toBe(401);
    expect(await signIn(target, 'dave@example.com', 'Dave-old-passw0rd')).toMatchObject({ status: 423, body: { reason: 'locked' } });
    expect(await signIn(target, 'erin@example.com', 'Erin-old-passw0rd')).toMatchObject({ status: 403, body: { reason: 'disabled' } });
    expect((await signIn(target, 'frank@example.com', 'anything at all')).status).toBe(401);
  });

  it('runs again safely: with --on-conflict skip nothing changes, without it each user fails with 409 and a reason', async () => {
    const before = await directoryOf(target);
    const skipped = await runCli(argsFor(target, 'again.json', '--on-conflict', 'skip'));
    expect(skipped.code).toBe(0);
    expect(skipped.stdout.trim().split('\n')).toEqual(['Exported 6, imported 0 (0 created, 0 updated), skipped 6, failed 0.']);
    expect(skipped.stderr).toContain('Roles: 0 created on the target, 2 there already');
    expect(skipped.stderr).toContain('Groups: 0 created on the target, 3 there already');
    expect(await directoryOf(target)).toEqual(before);

    const failed = await runCli(argsFor(target, 'third.json'));
    expect(failed.code).toBe(2);
    const lines = failed.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(['Exported 6, imported 0 (0 created, 0 updated), skipped 0, failed 6.', 'Failed:']);
    expect(lines.slice(2)).toHaveLength(6);
    expect(lines[2]).toMatch(/^ {2}\S+@example\.com \(originalId [^)]+\): 409 /);
    expectNothingSecret(failed);
    expect(await directoryOf(target)).toEqual(before);
  });

  it('resumes a run killed while an import request was out: every user once, none failed', async () => {
    const proxy = await startProxy(resumeTarget.base.replace(/\/scim\/v2$/, ''));
    try {
      const via: Tenant = { base: proxy.base, tokens: resumeTarget.tokens };
      const stateFile = join(directory, 'killed.json');
      const held = proxy.hold(2);
      const first = startCli(argsFor(via, 'killed.json'));
      await held;
      // The second import request reached the target, and its users were written; the CLI never heard back.
      first.child.kill('SIGKILL');
      expect((await first.done).code).toBeNull();
      const stopped = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
      expect(stopped).toMatchObject({ finished: false, inFlight: true, doneInPage: 2, counts: { exported: 2, created: 2 } });
      await eventually('the held request to be written', async () => (await directoryOf(resumeTarget)).users.length === 4);

      proxy.passThrough();
      const resumed = await runCli(argsFor(via, 'killed.json', '--resume'));
      expect(resumed.code).toBe(0);
      // The two users of the request that was out are found there and skipped; the rest is created.
      expect(resumed.stdout.trim().split('\n')).toEqual(['Exported 6, imported 4 (4 created, 0 updated), skipped 2, failed 0.']);
      expectNothingSecret(resumed);
      const after = await directoryOf(resumeTarget);
      expect(after.users.map((user) => user.userName)).toEqual(SEEDED.map((user) => user.userName).sort());
      expect(new Set(after.users.map((user) => user.originalId)).size).toBe(6);
      expect(after.groups.map((group) => group.displayName)).toEqual(['Alumni', 'Engineering', 'Sales']);
      expect(await signIn(resumeTarget, 'carol@example.com', 'Carol-old-passw0rd')).toMatchObject({ status: 200 });

      // A finished migration resumed again does nothing more.
      const again = await runCli(argsFor(via, 'killed.json', '--resume'));
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('records a finished migration; nothing to do');
      expect((await directoryOf(resumeTarget)).users).toHaveLength(6);
    } finally {
      await proxy.close();
    }
  });

  describe('mistakes are said plainly, with a non-zero exit, before anything is written', () => {
    let countBefore: number;
    beforeAll(async () => {
      countBefore = (await directoryOf(target)).users.length;
    });
    afterAll(async () => {
      expect((await directoryOf(target)).users).toHaveLength(countBefore);
    });

    const replace = (args: string[], option: string, value: string) => args.map((arg, i) => (args[i - 1] === option ? value : arg));

    it('a wrong --from-token or --to-token', async () => {
      const wrongFrom = await runCli(replace(argsFor(target, 'wrong.json'), '--from-token', 'scim_not-a-token-of-this-server'));
      expect(wrongFrom.code).toBe(1);
      expect(wrongFrom.stderr).toContain(`--from-token is refused by the source server ${source.base} (--from) (401)`);
      expect(wrongFrom.stderr).not.toContain('--resume');
      expectNothingSecret(wrongFrom);

      const wrongTo = await runCli(replace(argsFor(target, 'wrong.json'), '--to-token', target.tokens.reader));
      expect(wrongTo.code).toBe(1);
      expect(wrongTo.stderr).toContain(`--to-token may not do this on the target server ${target.base} (--to) (403): it needs the scope scim:write`);
      expectNothingSecret(wrongTo);
    });

    it('a secret the servers refuse, and none at all', async () => {
      const short = await runCli(argsFor(target, 'short.json'), { MIGRATE_SECRET: 'too short' });
      expect(short.code).toBe(1);
      expect(short.stderr).toContain(`The encryption secret is refused by the source server ${source.base} (--from): 'encryptionSecret' is required: a string of 16 to 1024 characters`);
      expect(short.stdout + short.stderr).not.toContain('too short');

      const none = await runCli(argsFor(target, 'none.json'), { MIGRATE_SECRET: '' });
      expect(none.code).toBe(64);
      expect(none.stderr).toContain('No encryption secret: give it in MIGRATE_SECRET');
    });

    it('a server that is not there', async () => {
      const closed = createServer();
      closed.listen(0, '127.0.0.1');
      await once(closed, 'listening');
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const unreachable = await runCli(replace(argsFor(target, 'gone.json'), '--to', `http://127.0.0.1:${port}/scim/v2`));
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toContain(`Cannot reach the target server http://127.0.0.1:${port}/scim/v2 (--to)`);
      expect(unreachable.stderr).toContain('ECONNREFUSED');
      expectNothingSecret(unreachable);
    });
  });
});
