// The server process itself (src/main.ts, run from its TypeScript sources in a child process): start-up failures
// end it with a non-zero exit code and a message that names what to fix.
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const REGISTER_TYPESCRIPT = join(ROOT, 'test', 'fixtures', 'register-typescript.js');
const MAIN = join(ROOT, 'src', 'main.ts');

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** How long a server that should stop by itself may run before the test stops it (and fails: code null). */
const DEADLINE_MS = 20_000;

/** Runs the server with `env` until it exits by itself, or kills it after DEADLINE_MS. */
function runServer(env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', REGISTER_TYPESCRIPT, MAIN], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', SCIM_STORE: 'sqlite::memory:', SCIM_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('server start-up', () => {
  jest.setTimeout(DEADLINE_MS + 10_000);

  let taken: Server;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it('exits non-zero, naming the port, when the port is already taken', async () => {
    const port = (taken.address() as AddressInfo).port;
    const exit = await runServer({ PORT: String(port), HOST: '127.0.0.1' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(exit.stdout).not.toContain('listening');
    // Nothing was bootstrapped: no token was printed for a server that never served.
    expect(exit.stdout).not.toContain('scim_');
  });

  it('refuses to start on MongoDB without SCIM_CURSOR_SECRET, saying why', async () => {
    const exit = await runServer({ SCIM_STORE: 'mongodb://127.0.0.1:1/scim' });
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain('SCIM_CURSOR_SECRET must be set when the store is MongoDB');
  });
});
