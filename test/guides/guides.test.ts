// The connection guides in docs/, followed as a person would: a real server process on a fresh store, the guide's
// admin commands run as written (only <tenantId> filled in from the previous command's output), the identity
// provider's request sequences (test/idp/) sent over HTTP to the guide's Tenant URL path with the token the guide's
// command printed, and the guide's "What the server logs" lines found in the server's log for that tenant.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eventually } from '../helpers/eventually';
import { idpSequences, replaySequence, type Idp } from '../helpers/idp-replay';

const root = resolve(__dirname, '../..');
/** How long a server may take to get ready, the log lines of a finished sequence to arrive, and one sequence in all (a
 * server start, a replay and the wait), on a loaded machine: generous, because only what never comes is a failure. */
const READY_WAIT_MS = 30_000;
const LOG_WAIT_MS = 30_000;
const SEQUENCE_TIMEOUT_MS = 120_000;

interface Guide {
  readonly file: string;
  readonly idp: Idp;
  /** The User-Agent the replay sends, so that the log lines can be told apart as they are in production. */
  readonly userAgent: string;
}

const GUIDES: readonly Guide[] = [
  { file: 'docs/entra-id.md', idp: 'entra', userAgent: 'guide-replay (Entra ID sequence)' },
  { file: 'docs/okta.md', idp: 'okta', userAgent: 'guide-replay (Okta sequence)' },
];

/** `npm run admin -- …` lines of the guide's shell blocks, as argument lists. */
function adminCommands(markdown: string): string[][] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
  return blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line.startsWith('npm run admin -- '))
    .map((line) => line.slice('npm run admin -- '.length).split(/\s+/));
}

/** The path of the Tenant URL / base URL the guide tells the administrator to enter. */
function baseUrlPath(markdown: string): string {
  const url = /\*\*(?:Tenant URL|SCIM connector base URL)\*\*: `([^`]+)`/.exec(markdown)?.[1];
  if (!url) throw new Error('The guide names no Tenant URL / SCIM connector base URL');
  return new URL(url).pathname;
}

/** The `METHOD /route STATUS` lines of the guide's "What the server logs" table. */
function loggedLines(markdown: string): { method: string; route: string; status: number }[] {
  const section = markdown.slice(markdown.indexOf('## What the server logs'));
  return [...section.slice(0, section.indexOf('\n## ', 5) === -1 ? undefined : section.indexOf('\n## ', 5)).matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/\S+) (\d{3})`/g)].map(
    (match) => ({ method: match[1], route: match[2], status: Number(match[3]) }),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

interface RunningServer {
  readonly origin: string;
  readonly store: string;
  readonly lines: () => Record<string, unknown>[];
  stop(): Promise<void>;
}

async function startServer(directory: string): Promise<RunningServer> {
  const port = await freePort();
  const store = `sqlite:${join(directory, 'scim.db')}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [join(root, 'dist/src/main.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SCIM_STORE: store, SCIM_LOG_LEVEL: 'info', SCIM_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => output.push(String(chunk)));
  child.stderr!.on('data', (chunk) => output.push(String(chunk)));
  const origin = `http://127.0.0.1:${port}`;
  const ready = async () => {
    if (child.exitCode !== null) throw new Error(`the server exited: ${output.join('')}`);
    try {
      return (await fetch(`${origin}/ready`)).ok;
    } catch {
      return false; // not listening yet
    }
  };
  await eventually('the server to answer /ready', ready, READY_WAIT_MS).catch((error: Error) => {
    child.kill('SIGTERM');
    throw new Error(`${error.message}: ${output.join('')}`);
  });
  return {
    origin,
    store,
    lines: () => {
      // Only whole lines: the pipe may have delivered half of the last one so far.
      const text = output.join('');
      return text
        .slice(0, text.lastIndexOf('\n') + 1)
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
      }),
  };
}

function admin(store: string, args: string[]): string[] {
  return execFileSync(process.execPath, [join(root, 'dist/src/admin/cli.js'), ...args], { env: { ...process.env, SCIM_STORE: store }, encoding: 'utf8' }).split('\n');
}

beforeAll(() => {
  // The guides run the built server, as `npm start` does.
  execFileSync(process.execPath, [join(root, 'scripts/build-if-needed.js')], { cwd: root, stdio: 'inherit' });
}, 240_000);

describe.each(GUIDES)('$file', (guide) => {
  const markdown = readFileSync(join(root, guide.file), 'utf8');
  const sequences = idpSequences([guide.idp]);

  it('is written so that this test can follow it', () => {
    const commands = adminCommands(markdown);
    expect(commands.map((args) => args.slice(0, 2).join(' '))).toEqual(['tenant create', 'token create']);
    expect(commands[1]).toContain('<tenantId>');
    expect(baseUrlPath(markdown)).toBe('/scim/v2');
    expect(loggedLines(markdown).length).toBeGreaterThanOrEqual(6);
    expect(sequences.length).toBeGreaterThanOrEqual(3);
  });

  it.each(sequences)('%s: set up as the guide says, the requests of the identity provider succeed and log what the guide lists', async (_name, sequence) => {
    const directory = mkdtempSync(join(tmpdir(), 'scim-guide-'));
    const server = await startServer(directory);
    try {
      const [createTenant, createToken] = adminCommands(markdown);
      // The profile the guide chooses is the one the identity provider's expected answers need.
      expect(createTenant[createTenant.indexOf('--profile') + 1]).toBe(sequence.profile);
      const tenantId = admin(server.store, createTenant)[0].trim();
      const tokenOutput = admin(
        server.store,
        createToken.map((arg) => (arg === '<tenantId>' ? tenantId : arg)),
      );
      const token = tokenOutput.find((line) => /^\s+scim_\S+$/.test(line))?.trim();
      expect(token).toBeDefined();

      const base = `${server.origin}${baseUrlPath(markdown)}`;
      await replaySequence(sequence, async (method, path, headers, body) => {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: { Authorization: `Bearer ${token}`, 'User-Agent': guide.userAgent, ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
      });

      // Every request was logged for this tenant and token, with the identity provider's user agent. The server writes
      // a request's line after it has sent the answer, through a pipe: wait for the lines to arrive, however slowly.
      const requestLines = () => server.lines().filter((line) => line.msg === 'request' && line.userAgent === guide.userAgent);
      await eventually(`${sequence.steps.length} request log lines`, () => requestLines().length >= sequence.steps.length, LOG_WAIT_MS);
      const requests = requestLines();
      expect(requests).toHaveLength(sequence.steps.length);
      for (const line of requests) expect(line).toMatchObject({ tenantId, tokenId: token!.split('_')[1] });
      for (const line of requests.filter((entry) => Number(entry.status) >= 400 && entry.status !== 404)) {
        expect(line).toMatchObject({ scimType: expect.any(String), detail: expect.any(String) });
      }
      // The lines this sequence produced are among those the guide lists (nothing the guide does not explain).
      const listed = loggedLines(markdown).map((entry) => `${entry.method} ${entry.route} ${entry.status}`);
      const unexplained = requests.map((line) => `${line.method} ${line.route} ${line.status}`).filter((line) => !listed.includes(line) && !line.endsWith(' 404'));
      expect(unexplained).toEqual([]);
    } finally {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  }, SEQUENCE_TIMEOUT_MS);

  it("lists only log lines that the identity provider's requests produce", () => {
    const produced = new Set(
      sequences.flatMap(([, sequence]) =>
        sequence.steps.map((step) => {
          const path = step.request.path.split('?')[0].replace(/\{\{\w+\}\}/g, ':id');
          return `${step.request.method} /scim/v2${path} ${step.response.status}`;
        }),
      ),
    );
    for (const entry of loggedLines(markdown)) {
      const line = `${entry.method} ${entry.route} ${entry.status}`;
      expect({ line, produced: produced.has(line) }).toEqual({ line, produced: true });
    }
  });
});
