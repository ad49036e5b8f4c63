// Password hashes on their way between servers (README "Export and import"): each sealed with a key derived from the
// caller's encryptionSecret, self-contained, so that an importer can open records from any page or file:
//
//   {"alg": "A256GCM", "kdf": {"name": "scrypt", "N", "r", "p", "salt"}, "iv", "ciphertext", "tag"}   (base64)
//
//   - scrypt (RFC 7914) turns the secret into a 256-bit key, once per export (one salt per export) and once per salt on
//     import: deriving costs tens of milliseconds and 32 MiB on purpose, so that a leaked file cannot be opened by
//     guessing secrets cheaply.
//   - AES-256-GCM (NIST SP 800-38D) seals each hash with a fresh 96-bit nonce (never repeated under one key: random,
//     and far below 2^32 records per key). The record's originalId is the additional authenticated data, so that a
//     sealed hash moved to another record fails to open instead of giving that user someone else's password.
//   - A sealed record is input: its KDF parameters are bounded BEFORE anything is derived (a record asking for N=2^30
//     would otherwise take gigabytes and minutes), and an importer derives at most a few distinct keys per request.
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback } from 'node:crypto';

export const SEAL_ALGORITHM = 'A256GCM';
export const KDF_NAME = 'scrypt';

/** scrypt's cost parameters (RFC 7914 §2): N (CPU and memory, a power of 2), r (block size), p (parallelisation). */
export interface KdfParameters {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * What an export seals with: N=2^15, r=8, p=1 (32 MiB, tens of milliseconds), the OWASP Password Storage Cheat
 * Sheet's equal-cost alternative to its first choice; paid once per export, not per record.
 */
export const EXPORT_KDF: KdfParameters = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

export interface SealedKdf extends KdfParameters {
  readonly name: typeof KDF_NAME;
  /** base64 */
  readonly salt: string;
}

export interface SealedHash {
  readonly alg: typeof SEAL_ALGORITHM;
  readonly kdf: SealedKdf;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

/** What an importer accepts: generous for any export of this server, refusing what would be a denial of service. */
const BOUNDS = {
  maxN: 2 ** 17,
  r: [1, 32],
  p: [1, 16],
  /** 128·N·r bytes of memory per derivation. */
  maxMemoryBytes: 128 * 1024 * 1024,
  /** N·r·p, against the export's own: a record may cost at most this many times the work of ours. */
  maxWorkFactor: 16,
  saltBytes: [16, 64],
  /** A PHC string of any algorithm this server verifies is well below this. */
  maxCiphertextBytes: 1024,
} as const;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

/** A sealed hash that cannot be opened: the reason is a sentence for the record's error. */
export class SealError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SealError';
  }
}

/** Binds a sealed hash to its record: the additional authenticated data of AES-GCM. */
function boundTo(originalId: string): Buffer {
  return Buffer.from(JSON.stringify(['scim-server sealed password hash', 1, originalId]), 'utf8');
}

function deriveKey(secret: string, salt: Buffer, { N, r, p }: KdfParameters): Promise<Buffer> {
  // OpenSSL needs 128·r·(N + p + 2) bytes; Node's default limit (32 MiB) is just below what N=2^15, r=8 needs.
  const maxmem = 128 * r * (N + p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) => scryptCallback(secret, salt, KEY_BYTES, { N, r, p, maxmem }, (error, key) => (error ? reject(error) : resolve(key))));
}

export interface HashSealer {
  /** The KDF of this export, the same in every record it seals. */
  readonly kdf: SealedKdf;
  seal(hash: string, originalId: string): SealedHash;
}

/** A new random salt for an export, base64. */
export function newExportSalt(): string {
  return randomBytes(SALT_BYTES).toString('base64');
}

/** Derives the key of a KDF (an export's, or a file header's) from the secret, after checking its parameters. */
export async function deriveKeyFor(secret: string, kdf: unknown, reference: KdfParameters = EXPORT_KDF): Promise<{ readonly key: Buffer; readonly kdf: SealedKdf }> {
  const checked = checkKdf(kdf, reference);
  const sealedKdf: SealedKdf = { name: KDF_NAME, N: checked.N, r: checked.r, p: checked.p, salt: checked.salt };
  return { key: await deriveKey(secret, checked.saltBytes, checked), kdf: sealedKdf };
}

/** Derives the export's key once; every record is then sealed with it and a fresh nonce. */
export async function createSealer(secret: string, salt: string, parameters: KdfParameters = EXPORT_KDF): Promise<HashSealer> {
  const kdf: SealedKdf = { name: KDF_NAME, N: parameters.N, r: parameters.r, p: parameters.p, salt };
  return sealerWithKey(await deriveKey(secret, Buffer.from(salt, 'base64'), parameters), kdf);
}

/** A sealer with a key derived before (an export job's, derived when the export was requested). */
export function sealerWithKey(key: Buffer, kdf: SealedKdf): HashSealer {
  return {
    kdf,
    seal(hash, originalId) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(boundTo(originalId));
      const ciphertext = Buffer.concat([cipher.update(hash, 'utf8'), cipher.final()]);
      return { alg: SEAL_ALGORITHM, kdf, iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
    },
  };
}

export interface HashOpener {
  /** The hash a record sealed for `originalId`; throws SealError with a sentence saying why it cannot. */
  open(sealed: unknown, originalId: string): Promise<string>;
}

export interface OpenerOptions {
  /** The most distinct keys (salts and parameters) one opener derives: records of at most this many exports. */
  readonly maxKeys: number;
  /** The work a record's KDF may ask for is bounded against these (the export's own). */
  readonly reference?: KdfParameters;
}

/** Opens sealed hashes with keys derived from `secret`, each derived once per salt and kept for the opener's life. */
export function createOpener(secret: string, options: OpenerOptions): HashOpener {
  const keys = new Map<string, Promise<Buffer>>();
  const reference = options.reference ?? EXPORT_KDF;
  return {
    async open(sealed, originalId) {
      const parsed = parseSealed(sealed, reference);
      const id = keyId(parsed.kdf);
      let key = keys.get(id);
      if (!key) {
        if (keys.size >= options.maxKeys) {
          throw new SealError(`the records come from more than ${options.maxKeys} exports (different KDF salts); import the records of each export in requests of their own`);
        }
        key = deriveKey(secret, parsed.kdf.saltBytes, parsed.kdf);
        keys.set(id, key);
      }
      return decrypt(await key, parsed, originalId);
    },
  };
}

/**
 * Opens the hashes of one export file with the key derived (when the file was uploaded) for the KDF of its header; a
 * record sealed under another salt does not belong to the file.
 */
export function openerWithKey(key: Buffer, kdf: SealedKdf): HashOpener {
  const expected = keyId({ ...kdf, saltBytes: Buffer.alloc(0) });
  return {
    async open(sealed, originalId) {
      const parsed = parseSealed(sealed, EXPORT_KDF);
      if (keyId(parsed.kdf) !== expected) throw new SealError("it was sealed with another export's KDF salt or parameters than the file's header names");
      return decrypt(key, parsed, originalId);
    },
  };
}

function keyId(kdf: CheckedKdf): string {
  return `${kdf.N}:${kdf.r}:${kdf.p}:${kdf.salt}`;
}

function decrypt(key: Buffer, parsed: ParsedSealed, originalId: string): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, parsed.iv);
    decipher.setAAD(boundTo(originalId));
    decipher.setAuthTag(parsed.tag);
    return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    // GCM tells a wrong key from altered data no more than it tells which byte changed: one answer for both.
    throw new SealError('it cannot be opened: the encryptionSecret is not the one it was exported with, or the record was altered (its passwordHash or originalId)');
  }
}

interface CheckedKdf extends KdfParameters {
  readonly salt: string;
  readonly saltBytes: Buffer;
}

interface ParsedSealed {
  readonly kdf: CheckedKdf;
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

/** The KDF of a sealed hash or an export file's header, within bounds (checked before anything is derived). */
export function checkKdf(kdf: unknown, reference: KdfParameters = EXPORT_KDF): CheckedKdf {
  if (!isObject(kdf) || kdf.name !== KDF_NAME) throw new SealError(`its "kdf" must be {"name": "${KDF_NAME}", "N", "r", "p", "salt"}`);
  const N = kdf.N;
  const r = kdf.r;
  const p = kdf.p;
  if (!Number.isInteger(N) || (N as number) < 2 || (N as number) > BOUNDS.maxN || ((N as number) & ((N as number) - 1)) !== 0) {
    throw new SealError(`its kdf.N must be a power of 2 up to ${BOUNDS.maxN}`);
  }
  const inRange = (x: unknown, [min, max]: readonly [number, number]) => Number.isInteger(x) && (x as number) >= min && (x as number) <= max;
  if (!inRange(r, BOUNDS.r) || !inRange(p, BOUNDS.p)) throw new SealError(`its kdf.r must be within ${BOUNDS.r.join('..')} and kdf.p within ${BOUNDS.p.join('..')}`);
  const parameters = { N: N as number, r: r as number, p: p as number };
  if (128 * parameters.N * parameters.r > BOUNDS.maxMemoryBytes) throw new SealError(`its KDF parameters need more than ${BOUNDS.maxMemoryBytes / 1024 / 1024} MiB of memory`);
  const work = (kdfParameters: KdfParameters) => kdfParameters.N * kdfParameters.r * kdfParameters.p;
  if (work(parameters) > BOUNDS.maxWorkFactor * work(reference)) throw new SealError(`its KDF parameters cost more than ${BOUNDS.maxWorkFactor} times an export of this server`);
  const saltBytes = base64Field(kdf.salt, 'kdf.salt');
  if (saltBytes.length < BOUNDS.saltBytes[0] || saltBytes.length > BOUNDS.saltBytes[1]) throw new SealError(`its kdf.salt must be ${BOUNDS.saltBytes.join('..')} bytes`);
  return { ...parameters, salt: kdf.salt as string, saltBytes };
}

/** The shape and bounds of a sealed hash, checked before any work. */
function parseSealed(value: unknown, reference: KdfParameters): ParsedSealed {
  if (!isObject(value)) throw new SealError('it must be an object {"alg", "kdf", "iv", "ciphertext", "tag"}');
  if (value.alg !== SEAL_ALGORITHM) throw new SealError(`its "alg" must be "${SEAL_ALGORITHM}"`);
  const kdf = checkKdf(value.kdf, reference);
  const iv = base64Field(value.iv, 'iv');
  const tag = base64Field(value.tag, 'tag');
  const ciphertext = base64Field(value.ciphertext, 'ciphertext');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SealError(`its iv must be ${IV_BYTES} bytes and its tag ${TAG_BYTES}`);
  if (ciphertext.length === 0 || ciphertext.length > BOUNDS.maxCiphertextBytes) throw new SealError(`its ciphertext must be 1..${BOUNDS.maxCiphertextBytes} bytes`);
  return { kdf, iv, ciphertext, tag };
}

function base64Field(value: unknown, name: string): Buffer {
  if (typeof value !== 'string' || value.length > 4096 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new SealError(`its ${name} must be a base64 string`);
  return Buffer.from(value, 'base64');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
