// A real server process (src/main.ts, as `npm start` runs it) on an embedded store file, under mixed write load
// (creates, PATCHes, group creates, member adds and removes, deletes of users and groups, several clients at once), is
// killed with SIGKILL mid-stream. A second process is then started on the same file, and everything is checked over
// HTTP: every write that was acknowledged is there, with nothing of a write that was not acknowledged half-applied,
// and groups and memberships agree (each group's members and each user's `groups` describe the same relation, and no
// deleted group or user is left in it).
//
// Each client owns its users and groups, so that its writes to them are sequential: at the kill, each client has at
// most one write in flight, and for what that write touches both outcomes (applied or not) are accepted.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken } from '../../src/auth/tokens';
import { Scope } from '../../src/auth/scopes';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store';

const SERVER = join(__dirname, '..', 'fixtures', 'run-server.js');
const SCIM = '/scim/v2';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const CLIENTS = 6;
const ACKS_BEFORE_KILL = 240;

interface ServerProcess {
  readonly child: ChildProcess;
  readonly origin: string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startServer(storeFile: string): Promise<ServerProcess> {
  const child = fork(SERVER, [], {
    env: {
      ...process.env,
      SCIM_STORE: `sqlite:${storeFile}`,
      PORT: '0',
      HOST: '127.0.0.1',
      SCIM_LOG_LEVEL: 'info',
      SCIM_LOG_FORMAT: 'json',
      SCIM_WORKERS: 'off',
      // The clients write as fast as they are answered: no per-token or per-tenant rate in the way.
      SCIM_RATE_LIMIT_TOKEN: '0',
      SCIM_RATE_LIMIT_TENANT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (data: Buffer) => {
      buffered += data.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const log = JSON.parse(line) as { msg?: string; port?: number };
        if (log.msg?.startsWith('SCIM server listening') && typeof log.port === 'number') resolve(log.port);
      }
    });
    void exit.then(({ code, signal }) => reject(new Error(`the server exited (${code ?? signal}) before listening: ${stderr}`)));
  });
  return { child, origin: `http://127.0.0.1:${port}`, exit };
}

/** One write a client made: what it expects once it is acknowledged. */
type Write =
  | { kind: 'createUser'; title: string }
  | { kind: 'patchUser'; id: string; title: string }
  | { kind: 'deleteUser'; id: string }
  | { kind: 'createGroup'; members: string[] }
  | { kind: 'addMember'; group: string; member: string }
  | { kind: 'removeMember'; group: string; member: string }
  | { kind: 'deleteGroup'; id: string };

/** A client's view of its own resources, from acknowledged writes only. */
interface ClientState {
  readonly users: Map<string, { title: string }>;
  readonly groups: Map<string, Set<string>>;
  readonly deletedUsers: Set<string>;
  readonly deletedGroups: Set<string>;
  /** The write that was sent and never answered (the kill came first). */
  inFlight?: Write;
  acks: number;
}

describe('SIGKILL under mixed write load', () => {
  let directory: string;
  let storeFile: string;
  let token: string;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'scim-kill-mixed-'));
    storeFile = join(directory, 'scim.db');
    const store = createSqliteStore({ path: storeFile, registry: loadBuiltinRegistry() });
    await store.tenants.createTenant({ id: 'tenant-1', name: 'acme', profile: 'standard', created: new Date().toISOString() });
    const issued = issueToken({ tenantId: 'tenant-1', label: 'load', scopes: [Scope.read, Scope.write], now: new Date() });
    await store.tenants.createToken(issued.record);
    token = issued.token;
    await store.close();
  });

  afterAll(async () => {
    for (const server of servers) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exit;
      }
    }
    rmSync(directory, { recursive: true, force: true });
  });

  it('keeps every acknowledged write, and groups and memberships agree, after a restart', async () => {
    const first = await startServer(storeFile);
    servers.push(first);
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };
    let killed = false;
    let totalAcks = 0;

    const send = async (origin: string, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${origin}${SCIM}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
    };

    const runClient = async (client: number, state: ClientState) => {
      let step = 0;
      const pick = <T>(items: readonly T[]): T | undefined => items[(client * 7 + step * 13) % Math.max(1, items.length)];
      while (!killed) {
        step += 1;
        const users = [...state.users.keys()];
        const groups = [...state.groups.keys()];
        const roll = (client * 31 + step * 17) % 100;
        let write: Write;
        if (users.length < 3 || roll < 20) write = { kind: 'createUser', title: `c${client}-s${step}` };
        else if (roll < 40) write = { kind: 'patchUser', id: pick(users)!, title: `c${client}-s${step}` };
        else if (groups.length < 2 || roll < 52) write = { kind: 'createGroup', members: [...new Set([pick(users)!, users[step % users.length]])] };
        else if (roll < 70) write = { kind: 'addMember', group: pick(groups)!, member: users[(step * 3) % users.length] };
        else if (roll < 85) {
          const group = pick(groups)!;
          const members = [...state.groups.get(group)!];
          write = members.length > 0 ? { kind: 'removeMember', group, member: members[step % members.length] } : { kind: 'addMember', group, member: pick(users)! };
        } else if (roll < 94) write = { kind: 'deleteUser', id: pick(users)! };
        else write = { kind: 'deleteGroup', id: pick(groups)! };

        state.inFlight = write;
        let answer: { status: number; body?: Record<string, unknown> };
        try {
          answer = await perform(write);
        } catch {
          return; // The server is gone: this write stays in flight.
        }
        if (answer.status >= 300) {
          // A refused write is a failure of the test; stop the load so that the other clients stop too.
          killed = true;
          first.child.kill('SIGKILL');
          throw new Error(`${write.kind} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        }
        state.inFlight = undefined;
        apply(state, write, answer.body);
        state.acks += 1;
        totalAcks += 1;
        if (!killed && totalAcks >= ACKS_BEFORE_KILL) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };

    const perform = (write: Write) => {
      switch (write.kind) {
        case 'createUser':
          return send(first.origin, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: `${write.title}@example.com`, title: write.title });
        case 'patchUser':
          return send(first.origin, 'PATCH', `/Users/${write.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: write.title }] });
        case 'deleteUser':
          return send(first.origin, 'DELETE', `/Users/${write.id}`);
        case 'createGroup':
          return send(first.origin, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `group-${Math.random()}`, members: write.members.map((value) => ({ value })) });
        case 'addMember':
          return send(first.origin, 'PATCH', `/Groups/${write.group}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: write.member }] }] });
        case 'removeMember':
          return send(first.origin, 'PATCH', `/Groups/${write.group}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${write.member}"]` }] });
        case 'deleteGroup':
          return send(first.origin, 'DELETE', `/Groups/${write.id}`);
      }
    };

    const states: ClientState[] = Array.from({ length: CLIENTS }, () => ({ users: new Map(), groups: new Map(), deletedUsers: new Set(), deletedGroups: new Set(), acks: 0 }));
    await Promise.all(states.map((state, client) => runClient(client, state)));
    expect(await first.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(totalAcks).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);

    const second = await startServer(storeFile);
    servers.push(second);
    const get = (path: string) => send(second.origin, 'GET', path);

    // Every group of the tenant, the ones whose create was in flight included: the relation as groups see it.
    const listed = await get('/Groups?count=1000');
    expect(listed.status).toBe(200);
    const membersOf = new Map(
      ((listed.body!.Resources as Array<{ id: string; members?: Array<{ value: string }> }>) ?? []).map((group) => [group.id, new Set((group.members ?? []).map((member) => member.value))]),
    );

    for (const state of states) {
      const inFlight = state.inFlight;
      for (const [id, expected] of state.users) {
        const found = await get(`/Users/${id}`);
        if (inFlight?.kind === 'deleteUser' && inFlight.id === id && found.status === 404) continue;
        expect([id, found.status]).toEqual([id, 200]);
        const titles = inFlight?.kind === 'patchUser' && inFlight.id === id ? [expected.title, inFlight.title] : [expected.title];
        expect(titles).toContain(found.body!.title);
      }
      for (const id of state.deletedUsers) expect([id, (await get(`/Users/${id}`)).status]).toEqual([id, 404]);
      for (const id of state.deletedGroups) expect([id, (await get(`/Groups/${id}`)).status]).toEqual([id, 404]);
      for (const [id, expected] of state.groups) {
        const found = await get(`/Groups/${id}`);
        if (inFlight?.kind === 'deleteGroup' && inFlight.id === id && found.status === 404) continue;
        expect([id, found.status]).toEqual([id, 200]);
        const members = new Set(((found.body!.members as Array<{ value: string }> | undefined) ?? []).map((member) => member.value));
        expect([id, [...members].sort()]).toEqual([id, [...allowedMembers(expected, id, inFlight, members)].sort()]);
      }
    }

    // Groups and memberships agree: each live user's `groups` are exactly the groups that list it, and no group lists a
    // member that is gone.
    const userIds = new Set([...membersOf.values()].flatMap((members) => [...members]));
    for (const state of states) for (const id of state.users.keys()) userIds.add(id);
    for (const userId of userIds) {
      const found = await get(`/Users/${userId}`);
      const listedIn = [...membersOf].filter(([, members]) => members.has(userId)).map(([groupId]) => groupId).sort();
      if (found.status === 404) {
        expect([userId, listedIn]).toEqual([userId, []]);
        continue;
      }
      const groups = ((found.body!.groups as Array<{ value: string; type: string }> | undefined) ?? []).filter((group) => group.type === 'direct').map((group) => group.value);
      expect([userId, groups.sort()]).toEqual([userId, listedIn]);
    }
  }, 180_000);
});

/** What an acknowledged write leaves in the client's view. */
function apply(state: ClientState, write: Write, body: Record<string, unknown> | undefined): void {
  switch (write.kind) {
    case 'createUser':
      state.users.set(String(body!.id), { title: write.title });
      return;
    case 'patchUser':
      state.users.set(write.id, { title: write.title });
      return;
    case 'deleteUser':
      state.users.delete(write.id);
      state.deletedUsers.add(write.id);
      for (const members of state.groups.values()) members.delete(write.id);
      return;
    case 'createGroup':
      state.groups.set(String(body!.id), new Set(write.members));
      return;
    case 'addMember':
      state.groups.get(write.group)!.add(write.member);
      return;
    case 'removeMember':
      state.groups.get(write.group)!.delete(write.member);
      return;
    case 'deleteGroup':
      state.groups.delete(write.id);
      state.deletedGroups.add(write.id);
  }
}

/** The members a group may have after the restart: as acknowledged, or as the write in flight would leave it. */
function allowedMembers(acknowledged: Set<string>, groupId: string, inFlight: Write | undefined, found: Set<string>): Set<string> {
  const after = new Set(acknowledged);
  if (inFlight?.kind === 'addMember' && inFlight.group === groupId) after.add(inFlight.member);
  else if (inFlight?.kind === 'removeMember' && inFlight.group === groupId) after.delete(inFlight.member);
  else if (inFlight?.kind === 'deleteUser') after.delete(inFlight.id);
  else return acknowledged;
  // Either outcome, whole: the one the server shows must be one of the two.
  const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((value) => b.has(value));
  return same(found, after) ? after : acknowledged;
}
