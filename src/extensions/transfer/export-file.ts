// The export file (README "Export and import"): gzip-compressed NDJSON, one JSON value per line. The first line is a
// header with the format, its version and the KDF of the sealed hashes; every other line is one record
// (transfer-record.ts). An export job writes it in parts, each a complete gzip member (RFC 1952 §2.2: a gzip file is a
// series of members, and gunzip reads them as one stream), so that a resumed job appends parts instead of starting over.
import { createGunzip, createGzip, type Gunzip, type Gzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { SealedKdf } from './sealed-hash';

export const EXPORT_FORMAT = 'scim-server/users';
export const EXPORT_FORMAT_VERSION = 1;
export const EXPORT_CONTENT_TYPE = 'application/gzip';

export interface ExportHeader {
  readonly format: typeof EXPORT_FORMAT;
  readonly version: typeof EXPORT_FORMAT_VERSION;
  readonly kdf: SealedKdf;
  readonly created: string;
}

/** The longest line a reader accepts: a record of a user with 1,000-value attributes stays well below it. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

/** Lines of text, gzip-compressed, as a stream a blob store can consume. */
export function gzipLines(lines: AsyncIterable<string>): AsyncIterable<Uint8Array> {
  return piped(Readable.from(lines), createGzip());
}

/** `source` through `transform`; a failure of either ends the output with that error (a plain pipe would hang). */
function piped(source: Readable, transform: Gzip | Gunzip): AsyncIterable<Uint8Array> {
  pipeline(source, transform).catch(() => undefined);
  return transform;
}

/** True when `head` (the first bytes of a file) start a gzip member (RFC 1952 §2.3.1: ID1 ID2). */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

export type FileLine = { readonly kind: 'line'; readonly text: string; readonly number: number } | { readonly kind: 'tooLong'; readonly number: number };

/**
 * The lines of an export file (gzip or plain NDJSON), numbered from 0 (the header), each at most MAX_LINE_BYTES: a
 * longer one is reported as such and skipped, so that memory stays bounded whatever the file holds. A file that is
 * truncated or whose compressed data is altered ends with the decompressor's error, thrown to the caller.
 */
export async function* fileLines(content: AsyncIterable<Uint8Array>): AsyncGenerator<FileLine> {
  const source = content[Symbol.asyncIterator]();
  const first = await source.next();
  if (first.done) return;
  const rest: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => source };
  const chunks = (async function* () {
    yield first.value;
    yield* rest;
  })();
  const bytes: AsyncIterable<Uint8Array> = isGzip(first.value) ? piped(Readable.from(chunks), createGunzip()) : chunks;

  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  let number = 0;
  const take = (): FileLine => {
    const line: FileLine = skipping ? { kind: 'tooLong', number } : { kind: 'line', text: Buffer.concat(pending).toString('utf8'), number };
    pending = [];
    pendingBytes = 0;
    skipping = false;
    number += 1;
    return line;
  };
  for await (const chunk of bytes) {
    let buffer = Buffer.from(chunk);
    for (let newline = buffer.indexOf(0x0a); newline >= 0; newline = buffer.indexOf(0x0a)) {
      if (!skipping) pending.push(buffer.subarray(0, newline));
      buffer = buffer.subarray(newline + 1);
      yield take();
    }
    if (skipping || buffer.length === 0) continue;
    pendingBytes += buffer.length;
    if (pendingBytes > MAX_LINE_BYTES) {
      skipping = true;
      pending = [];
    } else pending.push(buffer);
  }
  if (skipping || pendingBytes > 0) yield take();
}

/**
 * The first line of an export file (gzip or plain), read without reading the rest; undefined when there is none. What
 * follows it is not checked here: a damaged later part is for the import job to find and report.
 */
const HEAD_SLICE = 256;

export async function firstLine(content: AsyncIterable<Uint8Array>): Promise<string | undefined> {
  let text = '';
  let line: string | undefined;
  let broken = false;
  let gunzip: Gunzip | undefined;
  const take = (chunk: Buffer) => {
    if (line !== undefined) return;
    text += chunk.toString('utf8');
    const newline = text.indexOf('\n');
    if (newline >= 0) line = text.slice(0, newline);
  };
  const iterator = content[Symbol.asyncIterator]();
  try {
    for (let next = await iterator.next(), first = true; !next.done; next = await iterator.next(), first = false) {
      const chunk = Buffer.from(next.value);
      if (first && isGzip(chunk)) {
        gunzip = createGunzip();
        gunzip.on('data', take).on('error', () => (broken = true));
      }
      if (gunzip) {
        const inflating = gunzip;
        // In small slices, so that the first line comes out before the decompressor reaches anything further on.
        for (let start = 0; start < chunk.length && line === undefined && !broken; start += HEAD_SLICE) {
          // A write that breaks the decompressor never calls back: its error ends the wait instead.
          await new Promise<void>((resolve) => {
            inflating.once('error', () => resolve());
            inflating.write(chunk.subarray(start, start + HEAD_SLICE), () => resolve());
          });
          await new Promise((resolve) => setImmediate(resolve));
        }
      } else take(chunk);
      if (line !== undefined || broken || text.length > MAX_LINE_BYTES) break;
    }
  } finally {
    gunzip?.destroy();
    await iterator.return?.();
  }
  if (line !== undefined) return line;
  return broken || text.length > MAX_LINE_BYTES || text === '' ? undefined : text;
}

/**
 * The first line of a file still arriving as `content`, read without losing any of it: the `content` answered gives the
 * whole file again (the bytes read for the line, then the rest), and ending the line's read does not end the arrival.
 */
export async function peekFirstLine(content: AsyncIterable<Uint8Array>): Promise<{ readonly line: string | undefined; readonly content: AsyncIterable<Uint8Array> }> {
  const source = content[Symbol.asyncIterator]();
  let read: Uint8Array[] = [];
  const recording: AsyncIterator<Uint8Array> = {
    async next() {
      const next = await source.next();
      if (!next.done) read.push(next.value);
      return next;
    },
    // firstLine stops reading once it has the line: the rest is still to come.
    async return() {
      return { done: true, value: undefined };
    },
  };
  const line = await firstLine({ [Symbol.asyncIterator]: () => recording });
  const whole = async function* () {
    const head = read;
    read = [];
    yield* head;
    yield* { [Symbol.asyncIterator]: () => source };
  };
  return { line, content: whole() };
}

/** The header line of an export file; undefined when the line is not one. */
export function parseHeader(text: string): ExportHeader | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const header = value as Partial<ExportHeader>;
  if (header.format !== EXPORT_FORMAT || header.version !== EXPORT_FORMAT_VERSION || typeof header.kdf !== 'object' || header.kdf === null) return undefined;
  return header as ExportHeader;
}
