// The embedded store's blob files: where they live, that nothing is left behind by a failed write, the sweep of
// leftovers a crash can leave, and the temporary directory of an in-memory store.
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { blobDirectoryOf } from '../../../src/store/sqlite/sqlite-blob-store';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';

const registry = loadBuiltinRegistry();
const T0 = '2024-05-01T00:00:00.000Z';

async function* bytes(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

async function readAll(content: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of content) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString();
}

describe('sqlite blob files', () => {
  let directory: string;
  let file: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'scim-sqlite-blobs-'));
    file = join(directory, 'scim.db');
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('keeps content in a directory beside the database file, which outlives the process', async () => {
    const store = createSqliteStore({ path: file, registry });
    await store.blobs.write({ id: 'export-1', tenantId: 't1', contentType: 'text/plain', created: T0 }, bytes('hello ', 'world'));
    await store.close();
    expect(blobDirectoryOf(file)).toBe(`${file}.blobs`);
    expect(readdirSync(blobDirectoryOf(file))).toHaveLength(1);

    const reopened = createSqliteStore({ path: file, registry });
    try {
      expect(await readAll((await reopened.blobs.read('t1', 'export-1', T0))!.content)).toBe('hello world');
    } finally {
      await reopened.close();
    }
  });

  it('leaves no file behind when the source fails', async () => {
    const store = createSqliteStore({ path: file, registry });
    try {
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield Buffer.alloc(100_000, 1);
        throw new Error('source failed');
      }
      await expect(store.blobs.write({ id: 'b1', tenantId: 't1', contentType: 'text/plain', created: T0 }, failing())).rejects.toThrow('source failed');
      expect(readdirSync(blobDirectoryOf(file))).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('lets a reader that opened the content finish it after a delete', async () => {
    const store = createSqliteStore({ path: file, registry });
    try {
      await store.blobs.write({ id: 'b1', tenantId: 't1', contentType: 'text/plain', created: T0 }, bytes('still here'));
      const open = await store.blobs.read('t1', 'b1', T0);
      expect(await store.blobs.delete('t1', 'b1')).toBe(true);
      expect(readdirSync(blobDirectoryOf(file))).toEqual([]);
      expect(await readAll(open!.content)).toBe('still here');
    } finally {
      await store.close();
    }
  });

  it('sweeps temporary and unreferenced files once they are an hour old, and leaves younger ones', async () => {
    const store = createSqliteStore({ path: file, registry });
    try {
      await store.blobs.write({ id: 'kept', tenantId: 't1', contentType: 'text/plain', created: T0 }, bytes('kept'));
      const blobs = blobDirectoryOf(file);
      // What a crash can leave: a write that never finished, and a file whose row never came.
      for (const name of ['.tmp-crashed', 'no-row', '.tmp-young', 'young-no-row']) writeFileSync(join(blobs, name), 'x');
      const now = Date.now();
      const twoHoursAgo = new Date(now - 2 * 3600_000);
      for (const name of ['.tmp-crashed', 'no-row']) utimesSync(join(blobs, name), twoHoursAgo, twoHoursAgo);
      expect(await store.blobs.deleteExpired(new Date(now).toISOString(), 10)).toBe(0);
      const remaining = readdirSync(blobs);
      expect(remaining).not.toContain('.tmp-crashed');
      expect(remaining).not.toContain('no-row');
      // The young leftovers, and the file of the blob that has a row.
      expect(remaining).toEqual(expect.arrayContaining(['.tmp-young', 'young-no-row']));
      expect(remaining).toHaveLength(3);
      expect(await readAll((await store.blobs.read('t1', 'kept', T0))!.content)).toBe('kept');
    } finally {
      await store.close();
    }
  });

  it('removes files with their tenant', async () => {
    const store = createSqliteStore({ path: file, registry });
    try {
      await store.tenants.createTenant({ id: 't1', name: 't1', profile: 'standard', created: T0 });
      await store.blobs.write({ id: 'b1', tenantId: 't1', contentType: 'text/plain', created: T0 }, bytes('x'));
      expect(readdirSync(blobDirectoryOf(file))).toHaveLength(1);
      await store.deleteTenant('t1');
      expect(readdirSync(blobDirectoryOf(file))).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('gives an in-memory store a temporary directory, removed on close', async () => {
    const store = createSqliteStore({ path: ':memory:', registry });
    const before = new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('scim-blobs-')));
    await store.blobs.write({ id: 'b1', tenantId: 't1', contentType: 'text/plain', created: T0 }, bytes('x'));
    const made = readdirSync(tmpdir()).filter((name) => name.startsWith('scim-blobs-') && !before.has(name));
    expect(made).toHaveLength(1);
    await store.close();
    expect(existsSync(join(tmpdir(), made[0]))).toBe(false);
  });
});
