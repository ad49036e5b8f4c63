// Group commit across a kill -9: a real server process on a file store takes a burst of concurrent creates and PATCHes
// (16 clients at once, so that the writes share transactions: src/store/sqlite/group-commit.ts) and is killed with
// SIGKILL the moment enough answers have arrived, while other writes of the same transactions are still queued or being
// committed. A second server on the same file must show every write that was answered as done: a write is answered only
// after the COMMIT of the transaction that holds it, so no acknowledged write can be in a transaction that was lost.
//
// Each client writes its own users one request at a time: at the kill it has at most one write unanswered, and for that
// write both outcomes are accepted. Answers come in batches, so a kill can fall between two of them, with nothing queued
// or committing: such a burst is run again on a fresh file (burstAndKill), and the store checked is one killed mid-write.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scope } from '../../src/auth/scopes';
import { issueToken } from '../../src/auth/tokens';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { startServer, stopAll, type ServerProcess } from '../helpers/server-process';

const TENANT = 'tenant-burst';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const CLIENTS = 16;
const ACKS_BEFORE_KILL = 200;
/** Bursts tried before giving up on killing one while writes are unanswered (one almost always does). */
const MAX_ATTEMPTS = 4;

interface ClientState {
  /** The title of each of the client's users, as its last acknowledged write left it. */
  readonly titles: Map<string, string>;
  /** The write sent and never answered: a create (no id yet) or a PATCH of one user. */
  inFlight?: { readonly id?: string; readonly title: string };
}

describe('group commit across a kill -9', () => {
  let directory: string;
  const servers: ServerProcess[] = [];

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'scim-kill-group-commit-'));
  });
  afterAll(async () => {
    await stopAll(servers);
    rmSync(directory, { recursive: true, force: true });
  });

  const send = async (server: ServerProcess, headers: Record<string, string>, method: string, path: string, body?: unknown) => {
    const response = await fetch(`http://127.0.0.1:${server.port}/scim/v2${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
  };

  /**
   * One burst on a fresh store file, killed once ACKS_BEFORE_KILL answers have arrived. Returns the file and what each
   * client knows. Answers come in batches (a group transaction's writes are answered together once its log is synced),
   * so the kill can fall just after a batch that held every client's write: nothing is then queued or committing.
   */
  const burstAndKill = async (attempt: number) => {
    const storeFile = join(directory, `scim-${attempt}.db`);
    const setup = createSqliteStore({ path: storeFile, registry: loadBuiltinRegistry() });
    await setup.tenants.createTenant({ id: TENANT, name: 'burst', profile: 'standard', created: new Date().toISOString() });
    const issued = issueToken({ tenantId: TENANT, label: 'idp', scopes: [Scope.read, Scope.write], now: new Date() });
    await setup.tenants.createToken(issued.record);
    await setup.close();

    const first = await startServer(storeFile, `server A${attempt}`, { SCIM_WORKERS: 'off', SCIM_RATE_LIMIT_TOKEN: '0', SCIM_RATE_LIMIT_TENANT: '0' });
    servers.push(first);
    const headers = { Authorization: `Bearer ${issued.token}`, 'Content-Type': 'application/scim+json' };
    let killed = false;
    let acks = 0;
    const states: ClientState[] = Array.from({ length: CLIENTS }, () => ({ titles: new Map() }));
    const runClient = async (client: number, state: ClientState) => {
      for (let step = 1; !killed; step++) {
        const title = `c${client}-s${step}`;
        const ids = [...state.titles.keys()];
        // Creates until the client has three users, then two PATCHes for each create.
        const patchOf = ids.length >= 3 && step % 3 !== 0 ? ids[step % ids.length] : undefined;
        state.inFlight = { ...(patchOf ? { id: patchOf } : {}), title };
        let answer: { status: number; body?: Record<string, unknown> };
        try {
          answer = patchOf
            ? await send(first, headers, 'PATCH', `/Users/${patchOf}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: title }] })
            : await send(first, headers, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: `${title}@example.com`, title });
        } catch {
          return; // the server is gone: this write stays in flight
        }
        if (answer.status !== (patchOf ? 200 : 201)) {
          killed = true;
          first.child.kill('SIGKILL');
          throw new Error(`${patchOf ? 'PATCH' : 'POST'} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        }
        state.inFlight = undefined;
        state.titles.set(patchOf ?? String(answer.body!.id), title);
        acks += 1;
        if (!killed && acks >= ACKS_BEFORE_KILL) {
          // At once, in the callback of this answer: the other clients' writes are queued or committing right now.
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(states.map((state, client) => runClient(client, state)));
    expect(await first.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acks).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
    return { storeFile, headers, states };
  };

  it('keeps every write answered before the kill, in a burst of concurrent creates and PATCHes', async () => {
    // A kill that fell between two batches tests nothing of interest: the burst is run again on a fresh file, so that
    // the store checked below is one killed while writes were still unanswered.
    let burst = await burstAndKill(1);
    for (let attempt = 2; attempt <= MAX_ATTEMPTS && !burst.states.some((state) => state.inFlight); attempt++) burst = await burstAndKill(attempt);
    const { storeFile, headers, states } = burst;
    // The kill came while writes were still unanswered.
    expect(states.filter((state) => state.inFlight).length).toBeGreaterThan(0);

    const second = await startServer(storeFile, 'server B', { SCIM_WORKERS: 'off' });
    servers.push(second);
    for (const state of states) {
      for (const [id, title] of state.titles) {
        const found = await send(second, headers, 'GET', `/Users/${id}`);
        expect([id, found.status]).toEqual([id, 200]);
        const allowed = state.inFlight?.id === id ? [title, state.inFlight.title] : [title];
        expect(allowed).toContain(found.body!.title);
      }
    }
    // Every user is whole: the users listed are the acknowledged ones, plus at most one unanswered create per client.
    const listed = await send(second, headers, 'GET', '/Users?count=1000&attributes=userName,title');
    const created = states.reduce((sum, state) => sum + state.titles.size, 0);
    const unansweredCreates = states.filter((state) => state.inFlight && state.inFlight.id === undefined).length;
    expect(listed.body!.totalResults).toBeGreaterThanOrEqual(created);
    expect(listed.body!.totalResults).toBeLessThanOrEqual(created + unansweredCreates);
    for (const resource of listed.body!.Resources as Array<{ userName: string; title: string }>) {
      expect(resource).toEqual({ schemas: [USER_SCHEMA], id: expect.any(String), userName: expect.stringMatching(/^c\d+-s\d+@example\.com$/), title: expect.stringMatching(/^c\d+-s\d+$/) });
    }
  }, 180_000);
});
