// The real server (src/main.ts, as `npm start` runs it) as a child process of a test, configured by its environment,
// with its JSON log lines collected and an IPC channel to the test hooks it may load (SCIM_TEST_HOOKS).
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from './eventually';

const SERVER = join(__dirname, '..', 'fixtures', 'run-server.js');

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly logs: Record<string, unknown>[];
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a message to the test hooks and resolves once they applied it. */
  send(message: Record<string, unknown>): Promise<void>;
}

export { eventually };

let messages = 0;

/**
 * Starts the server on the store file with workers on (unless `env` says otherwise) and resolves once it listens (and,
 * with workers, once they started).
 */
export async function startServer(storeFile: string, name: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const fullEnv = { SCIM_STORE: `sqlite:${storeFile}`, PORT: '0', HOST: '127.0.0.1', SCIM_LOG_LEVEL: 'info', SCIM_LOG_FORMAT: 'json', SCIM_WORKERS: 'on', ...env };
  const child = fork(SERVER, [], { env: { ...process.env, ...fullEnv }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const logs: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout!.on('data', (data: Buffer) => {
    buffered += data.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const acks = new Map<number, () => void>();
  child.on('message', (message: { ack?: number }) => {
    if (message.ack !== undefined) acks.get(message.ack)?.();
  });
  const workers = fullEnv.SCIM_WORKERS === 'on';
  await eventually(
    `${name} to listen${workers ? ' and start its workers' : ''} (stderr: ${stderr})`,
    () => (!workers || logs.some((log) => log.msg === 'background workers started')) && logs.some((log) => typeof log.port === 'number'),
  );
  const port = logs.find((log) => typeof log.port === 'number')!.port as number;
  return {
    child,
    pid: child.pid!,
    port,
    logs,
    exit,
    send(message) {
      const id = ++messages;
      return new Promise<void>((resolve) => {
        acks.set(id, resolve);
        child.send({ ...message, id });
      });
    },
  };
}

/** Kills what is still running (SIGKILL) and waits for it to end. */
export async function stopAll(servers: readonly ServerProcess[]): Promise<void> {
  for (const server of servers) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exit;
    }
  }
}
