// Acknowledged writes survive `kill -9` of the process that made them: a child process runs the real store on a
// file, acknowledges each committed write on stdout, and is SIGKILLed mid-stream; the file is then reopened.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import { filterBuilder } from '../../contract/filter-builder';

const registry = loadBuiltinRegistry();
const WRITER = join(__dirname, '..', '..', 'fixtures', 'sqlite-kill-writer.js');
const ACKS_BEFORE_KILL = 150;

interface Outcome {
  readonly acked: Map<string, number>;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

function runAndKill(file: string, mode = 'default', acksBeforeKill = ACKS_BEFORE_KILL): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, file, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Map<string, number>();
    let buffered = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^ack (\S+) (\d+)$/.exec(line);
        if (match) acked.set(match[1], Number(match[2]));
      }
      if (!killed && acked.size >= acksBeforeKill) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve({ acked, signal, stderr }));
  });
}

describe('sqlite store durability', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'scim-sqlite-kill-'));
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('keeps every acknowledged write after the writer is killed with SIGKILL', async () => {
    const file = join(directory, 'scim.db');
    const { acked, signal, stderr } = await runAndKill(file);
    expect(stderr).toBe('');
    expect(signal).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
    // The writes were still in the write-ahead log (no clean close checkpointed them): reopening must recover them.
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);

    const store = createSqliteStore({ path: file, registry });
    try {
      for (const [id, version] of acked) {
        const row = await store.resources.get('t1', 'User', id);
        expect(row).toMatchObject({ id, version, attributes: { title: 'replaced' } });
      }
      // Nothing half-written: every row that made it (acknowledged or not) is whole, with its indexed values.
      const all = await store.resources.list('t1', { resourceType: 'User', page: { kind: 'index', startIndex: 1, count: 100000 } });
      expect(all.totalResults).toBeGreaterThanOrEqual(acked.size);
      expect(all.totalResults).toBeLessThanOrEqual(acked.size + 1);
      const users = filterBuilder(registry, 'User');
      const lastId = `u-${acked.size - 1}`;
      const found = await store.resources.list('t1', {
        resourceType: 'User',
        filter: users.and(users.eq('userName', `USER${acked.size - 1}`), users.eq('emails.value', `user${acked.size - 1}@example.com`)),
        page: { kind: 'index', startIndex: 1, count: 10 },
      });
      expect(found.resources.map((row) => row.id)).toEqual([lastId]);
      // And the file still takes writes.
      await store.resources.create('t1', { resourceType: 'User', id: 'after', created: '2025-01-01T00:00:00.000Z', attributes: { userName: 'after' }, internal: {} });
    } finally {
      await store.close();
    }
  });

  it('keeps every acknowledged write when the writer is killed among checkpoints on their own thread', async () => {
    const file = join(directory, 'scim.db');
    const { acked, signal, stderr } = await runAndKill(file, 'checkpoint-often', 400);
    expect(stderr).toBe('');
    expect(signal).toBe('SIGKILL');
    // The thread had copied writes into the database file itself before the kill (the writing connection never does in
    // this mode): the database file alone, without its log, already holds users.
    const copy = join(directory, 'alone.db');
    copyFileSync(file, copy);
    const alone = new Database(copy, { readonly: true });
    const inFile = (alone.prepare("SELECT count(*) AS n FROM resources WHERE resource_type = 'User'").get() as { n: number }).n;
    alone.close();
    expect(inFile).toBeGreaterThan(0);

    const store = createSqliteStore({ path: file, registry });
    try {
      for (const [id, version] of acked) {
        expect(await store.resources.get('t1', 'User', id)).toMatchObject({ id, version, attributes: { title: 'replaced' } });
      }
      const all = await store.resources.list('t1', { resourceType: 'User', page: { kind: 'index', startIndex: 1, count: 100000 } });
      expect(all.totalResults).toBeGreaterThanOrEqual(acked.size);
      expect(all.totalResults).toBeLessThanOrEqual(acked.size + 1);
    } finally {
      await store.close();
    }
  });
});
