// Argon2 hashes (RFC 9106) in PHC strings: `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`, as the
// reference implementation, libsodium, PHP's password_hash, argon2-cffi, Spring Security and Keycloak write them.
// argon2id is the one to expect; argon2i and argon2d are read too, being the same function with another addressing.
// A missing `v=` means version 16 (0x10), as in the reference implementation.
//
// The derivation is `@node-rs/argon2`'s: native code shipped prebuilt in per-platform npm packages, run in libuv's
// thread pool, so that a sign-in does not hold the event loop. Only the raw derivation is asked of it: the parameters
// are read and bounded here, and the comparison is ours.
import { hashRaw, type Algorithm, type Version } from '@node-rs/argon2';
import { parsePhc } from './phc-string';
import { boundedBytes, boundedInteger, onlyParameters, sameBytes, UnusableHashError, type Bounds, type PasswordAlgorithm } from './stored-hash';

export type Argon2Type = 'argon2id' | 'argon2i' | 'argon2d';

export interface Argon2Parameters {
  readonly type: Argon2Type;
  readonly version: 16 | 19;
  /** Memory in KiB. */
  readonly m: number;
  /** Passes over the memory. */
  readonly t: number;
  /** Lanes. */
  readonly p: number;
}

/** The raw Argon2 derivation, injectable so that tests can count the work (or see that none is done). */
export type Argon2Derive = (password: string, salt: Buffer, keyLength: number, parameters: Argon2Parameters) => Promise<Buffer>;

// The library's enums are `const enum`s, which an isolated-modules build cannot read; their values are fixed by its API.
const ALGORITHM: Readonly<Record<Argon2Type, number>> = { argon2d: 0, argon2i: 1, argon2id: 2 };
const VERSION: Readonly<Record<16 | 19, number>> = { 16: 0, 19: 1 };

export const nativeArgon2: Argon2Derive = (password, salt, keyLength, { type, version, m, t, p }) =>
  hashRaw(password, { salt, outputLen: keyLength, memoryCost: m, timeCost: t, parallelism: p, algorithm: ALGORITHM[type] as Algorithm, version: VERSION[version] as Version });

/**
 * The same ceilings as scrypt's: at most 256 MiB per derivation, and about four times the work of one of today's scrypt
 * hashes, which is 1 GiB of memory passes (256 MiB × 4 passes measured at about that). Everything common fits: OWASP's
 * 19 MiB × 2 and 46 MiB × 1, RFC 9106's 64 MiB × 3; RFC 9106's 2 GiB option does not, on purpose.
 */
const BOUNDS = {
  m: [8, 256 * 1024],
  t: [1, 16],
  p: [1, 16],
  maxMemoryPasses: 1024 * 1024,
  saltBytes: [8, 64],
  hashBytes: [16, 64],
} as const satisfies Record<string, Bounds | number>;

const PREFIX = /^\$argon2(id|i|d)\$/;

/** The bounded parameters of a PHC Argon2 string; throws UnusableHashError otherwise, before any work. */
function parametersOf(stored: string): { parameters: Argon2Parameters; salt: Buffer; hash: Buffer } {
  const phc = parsePhc(stored);
  if (!phc) throw new UnusableHashError('the argon2 hash is malformed: expected $argon2id$v=19$m=…,t=…,p=…$<salt>$<hash> in base64 without padding');
  const type = phc.id as Argon2Type;
  if (phc.version !== undefined && phc.version !== 16 && phc.version !== 19) throw new UnusableHashError(`argon2 version v=${phc.version} is not 16 or 19`);
  onlyParameters(type, phc.params, ['m', 't', 'p']);
  const m = boundedInteger(type, 'm', phc.params.m, BOUNDS.m);
  const t = boundedInteger(type, 't', phc.params.t, BOUNDS.t);
  const p = boundedInteger(type, 'p', phc.params.p, BOUNDS.p);
  if (m < 8 * p) throw new UnusableHashError(`${type} memory m=${m} KiB is below 8 KiB per lane (p=${p})`);
  if (m * t > BOUNDS.maxMemoryPasses) throw new UnusableHashError(`${type} parameters m=${m},t=${t} cost ${m * t} KiB of memory passes, over the ${BOUNDS.maxMemoryPasses} this server verifies`);
  return {
    parameters: { type, version: phc.version === 19 ? 19 : 16, m, t, p },
    salt: boundedBytes(type, 'salt', phc.salt, BOUNDS.saltBytes),
    hash: boundedBytes(type, 'hash', phc.hash, BOUNDS.hashBytes),
  };
}

export function argon2Algorithm(derive: Argon2Derive = nativeArgon2): PasswordAlgorithm {
  return {
    read(stored) {
      if (!PREFIX.test(stored)) return undefined;
      const { parameters, salt, hash } = parametersOf(stored);
      return {
        algorithm: parameters.type,
        outdated: true,
        verify: async (password) => sameBytes(await derive(password, salt, hash.length, parameters), hash),
      };
    },
  };
}
