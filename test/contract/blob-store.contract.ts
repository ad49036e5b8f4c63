// The blobs contract every store must pass: content streamed in and out (several megabytes in many chunks, never as
// one buffer), visible only once written completely (a failing source leaves nothing), tenant isolation, delete,
// expiry and its sweep. Time is whatever the test says it is: nothing here waits.
import { createHash } from 'node:crypto';
import type { BlobStore, NewBlob } from '../../src/store/blob-store';
import { StoreError } from '../../src/store/store-error';
import type { StoreUnderTest } from './resource-store.contract';

const BASE = Date.parse('2024-05-01T00:00:00.000Z');
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

const blob = (id: string, extra: Partial<NewBlob> = {}): NewBlob => ({ id, tenantId: 't1', contentType: 'application/x-ndjson', created: at(0), ...extra });

/** Deterministic bytes: `count` chunks of `size`, produced one at a time as they are asked for. */
async function* generated(count: number, size: number, produced: { chunks: number } = { chunks: 0 }): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    const chunk = new Uint8Array(size);
    for (let j = 0; j < size; j++) chunk[j] = (i * 31 + j * 7) & 0xff;
    produced.chunks += 1;
    yield chunk;
  }
}

async function* text(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield Buffer.from(part, 'utf8');
}

async function collect(content: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; chunks: number; largest: number }> {
  const parts: Buffer[] = [];
  let largest = 0;
  for await (const chunk of content) {
    parts.push(Buffer.from(chunk));
    largest = Math.max(largest, chunk.byteLength);
  }
  return { bytes: Buffer.concat(parts), chunks: parts.length, largest };
}

const sha256 = async (content: AsyncIterable<Uint8Array>) => {
  const hash = createHash('sha256');
  for await (const chunk of content) hash.update(chunk);
  return hash.digest('hex');
};

export function describeBlobStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name}: blobs contract`, () => {
    let subject: StoreUnderTest;
    let blobs: BlobStore;

    beforeEach(async () => {
      subject = await makeStore();
      blobs = subject.store.blobs;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('writes a stream and reads it back, for its tenant only', async () => {
      const info = await blobs.write(blob('b1', { expires: at(3600) }), text('{"userName":"a"}\n', '{"userName":"ü"}\n'));
      expect(info).toEqual({ id: 'b1', tenantId: 't1', size: 35, contentType: 'application/x-ndjson', created: at(0), expires: at(3600) });
      expect(await blobs.stat('t1', 'b1', at(1))).toEqual(info);
      const stored = await blobs.read('t1', 'b1', at(1));
      expect(stored?.info).toEqual(info);
      expect((await collect(stored!.content)).bytes.toString('utf8')).toBe('{"userName":"a"}\n{"userName":"ü"}\n');

      expect(await blobs.stat('t2', 'b1', at(1))).toBeNull();
      expect(await blobs.read('t2', 'b1', at(1))).toBeNull();
      expect(await blobs.delete('t2', 'b1')).toBe(false);
      expect(await blobs.stat('t1', 'b1', at(1))).toEqual(info);
    });

    it('streams megabytes in many chunks both ways, byte for byte', async () => {
      const produced = { chunks: 0 };
      const info = await blobs.write(blob('big'), generated(48, 64 * 1024, produced));
      expect(produced.chunks).toBe(48);
      expect(info.size).toBe(48 * 64 * 1024);
      const stored = await blobs.read('t1', 'big', at(1));
      const read = await collect(stored!.content);
      expect(read.bytes.length).toBe(info.size);
      expect(createHash('sha256').update(read.bytes).digest('hex')).toBe(await sha256(generated(48, 64 * 1024)));
      // Read back in pieces, not as one buffer.
      expect(read.chunks).toBeGreaterThan(5);
      expect(read.largest).toBeLessThanOrEqual(512 * 1024);
    });

    it('keeps an empty blob', async () => {
      expect((await blobs.write(blob('empty'), text())).size).toBe(0);
      expect((await collect((await blobs.read('t1', 'empty', at(1)))!.content)).bytes.length).toBe(0);
    });

    it('leaves nothing when the source fails mid-way, and the id stays free', async () => {
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield* generated(6, 64 * 1024);
        throw new Error('the export query failed');
      }
      await expect(blobs.write(blob('broken'), failing())).rejects.toThrow('the export query failed');
      expect(await blobs.stat('t1', 'broken', at(1))).toBeNull();
      expect(await blobs.read('t1', 'broken', at(1))).toBeNull();
      const again = await blobs.write(blob('broken'), text('complete'));
      expect((await collect((await blobs.read('t1', 'broken', at(1)))!.content)).bytes.toString()).toBe('complete');
      expect(again.size).toBe(8);
    });

    it('refuses a second blob with the same id, and ids that are not safe names', async () => {
      await blobs.write(blob('b1'), text('first'));
      const error = await blobs.write(blob('b1', { tenantId: 't2' }), text('second')).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ code: 'conflict', attribute: 'id' });
      expect((await collect((await blobs.read('t1', 'b1', at(1)))!.content)).bytes.toString()).toBe('first');
      for (const id of ['../escape', 'a/b', '', 'x'.repeat(129), 'dot.dot']) {
        await expect(blobs.write(blob(id), text('x'))).rejects.toThrow('A blob id is 1 to 128 letters');
      }
    });

    it('deletes a blob once', async () => {
      await blobs.write(blob('b1'), text('x'));
      expect(await blobs.delete('t1', 'b1')).toBe(true);
      expect(await blobs.stat('t1', 'b1', at(1))).toBeNull();
      expect(await blobs.read('t1', 'b1', at(1))).toBeNull();
      expect(await blobs.delete('t1', 'b1')).toBe(false);
    });

    it('hides a blob once it expired, and the sweep removes expired blobs, a limited number at a time', async () => {
      await blobs.write(blob('soon', { expires: at(100) }), text('a'));
      await blobs.write(blob('later', { expires: at(200) }), text('b'));
      await blobs.write(blob('other-tenant', { tenantId: 't2', expires: at(50) }), text('c'));
      await blobs.write(blob('kept'), text('d'));
      expect(await blobs.stat('t1', 'soon', at(99))).not.toBeNull();
      expect(await blobs.stat('t1', 'soon', at(100))).toBeNull();
      expect(await blobs.read('t1', 'soon', at(100))).toBeNull();

      expect(await blobs.deleteExpired(at(150), 1)).toBe(1);
      expect(await blobs.deleteExpired(at(150), 10)).toBe(1);
      expect(await blobs.deleteExpired(at(150), 10)).toBe(0);
      // Gone even for a reader whose clock is behind.
      expect(await blobs.stat('t1', 'soon', at(0))).toBeNull();
      expect(await blobs.stat('t2', 'other-tenant', at(0))).toBeNull();
      expect(await blobs.stat('t1', 'later', at(150))).not.toBeNull();
      expect(await blobs.stat('t1', 'kept', at(1_000_000))).not.toBeNull();
    });

    it('goes with its tenant when the tenant is deleted', async () => {
      for (const id of ['t1', 't2']) await subject.store.tenants.createTenant({ id, name: id, profile: 'standard', created: at(0) });
      await blobs.write(blob('b1'), generated(3, 1024));
      await blobs.write(blob('b2', { tenantId: 't2' }), text('kept'));
      await subject.store.deleteTenant('t1');
      expect(await blobs.stat('t1', 'b1', at(1))).toBeNull();
      expect(await blobs.stat('t2', 'b2', at(1))).not.toBeNull();
      if (subject.remainingOf) expect(await subject.remainingOf('t1')).toEqual({});
    });
  });
}
