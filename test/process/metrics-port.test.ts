// The real server (src/main.ts, as `npm start` runs it) with SCIM_METRICS=<port>: /metrics answers on that port
// after real requests, times the store operations of the requests and of the background workers, and is not served
// on the SCIM port; SIGTERM closes both listeners and the process ends.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVER = join(__dirname, '..', 'fixtures', 'run-server.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('serves /metrics on a port of its own', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'scim-metrics-port-'));
  const metricsPort = await freePort();
  const child = fork(SERVER, [], {
    env: { ...process.env, SCIM_STORE: `sqlite:${join(directory, 'scim.db')}`, PORT: '0', HOST: '127.0.0.1', SCIM_LOG_LEVEL: 'info', SCIM_METRICS: String(metricsPort) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const port = await eventually(`the server to listen (stderr: ${stderr})`, () => {
      const line = stdout.split('\n').find((candidate) => candidate.includes('"port":'));
      return line ? (JSON.parse(line) as { port: number }).port : undefined;
    });
    const token = await eventually('the bootstrap token', () => /^\s+(scim_\S+)$/m.exec(stdout)?.[1]);
    const users = await fetch(`http://127.0.0.1:${port}/scim/v2/Users`, { headers: { Authorization: `Bearer ${token}` } });
    expect(users.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);

    const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    expect(text).toContain('scim_http_requests_total{method="GET",route="/scim/v2/Users",status="200"} 1');
    expect(text).toMatch(/^scim_store_operation_duration_seconds_count\{port="resources",operation="list",outcome="ok"\} \d+/m);
    // The workers' claims go through the same instrumented store.
    await eventually('a worker claim to be timed', async () => {
      const again = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return /^scim_store_operation_duration_seconds_count\{port="jobs",operation="claim",outcome="ok"\} [1-9]/m.test(again) ? true : undefined;
    });
    expect(text).toMatch(/^scim_jobs\{status="queued"\} \d+/m);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
}, 60_000);
