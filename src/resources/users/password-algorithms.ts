// The password hash algorithms this server can verify, one entry per PHC id. New hashes are always scrypt with the
// current parameters; other entries (bcrypt, argon2, PBKDF2 for imported hashes) slot into PASSWORD_ALGORITHMS with a
// `verify` that checks their parameters before any work and an `isOutdated` that says true, so that a successful
// verification re-hashes the password into the current scrypt.
//
// A stored hash is input: once hashes can be imported, whoever writes them chooses the parameters. Verification
// therefore refuses parameters outside fixed bounds before deriving anything; trusting N, r and p from the string would
// let one stored hash take seconds of CPU and gigabytes of memory on every attempt.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PhcHash } from './phc-string';

/** scrypt's cost: N = 2^ln (CPU and memory), r (block size), p (parallelisation; Node runs the lanes one after another). */
export interface ScryptParameters {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/**
 * OWASP Password Storage Cheat Sheet (2023–): scrypt with N=2^17, r=8, p=1, or an equal-cost trade of memory for
 * passes such as N=2^15 (32 MiB), r=8, p=3. The latter is chosen: the same CPU per hash, and a quarter of the memory
 * per hash running (the hash queue runs one per core), which matters more in a shared multi-tenant server.
 */
export const SCRYPT_POLICY: ScryptParameters = Object.freeze({ ln: 15, r: 8, p: 3 });
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/** What a stored hash may ask for: generous for hashes made elsewhere, refusing what would be a denial of service. */
const BOUNDS = {
  ln: [1, 20],
  r: [1, 32],
  p: [1, 16],
  saltBytes: [8, 64],
  hashBytes: [16, 64],
  /** 128·r·N bytes of memory per derivation. */
  maxMemoryBytes: 256 * 1024 * 1024,
  /** N·r·p, against the policy's: four times today's cost at most. */
  maxWorkFactor: 4,
} as const;

/** A stored hash that cannot be verified: a malformed string, an unknown algorithm or parameters out of bounds. */
export class UnusableHashError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnusableHashError';
  }
}

export interface PasswordAlgorithm {
  /** Checks the parameters (throwing UnusableHashError before any work), then compares in constant time. */
  verify(password: string, stored: PhcHash): Promise<boolean>;
  /** True when a hash made now would be stronger: the password is re-hashed after it is verified. */
  isOutdated(stored: PhcHash): boolean;
}

/** The scrypt key derivation, injectable so that tests can count or stub the work. */
export type ScryptDerive = (password: string, salt: Buffer, keyLength: number, parameters: ScryptParameters) => Promise<Buffer>;

export const nodeScrypt: ScryptDerive = (password, salt, keyLength, { ln, r, p }) => {
  const N = 2 ** ln;
  // OpenSSL needs 128·r·(N + p + 2) bytes; Node's default limit (32 MiB) is below the policy's need.
  const options: ScryptOptions = { N, r, p, maxmem: 128 * r * (N + p + 2) + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCallback(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));
};

function integerParameter(params: Readonly<Record<string, string>>, name: 'ln' | 'r' | 'p'): number {
  const text = params[name];
  const [min, max] = BOUNDS[name];
  if (text === undefined || !/^\d{1,3}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UnusableHashError(`scrypt parameter ${name}=${text ?? '(missing)'} is outside ${min}..${max}`);
  }
  return Number(text);
}

/** The scrypt parameters of a stored hash, within bounds; throws UnusableHashError otherwise. */
export function scryptParametersOf(stored: PhcHash): ScryptParameters {
  const parameters = { ln: integerParameter(stored.params, 'ln'), r: integerParameter(stored.params, 'r'), p: integerParameter(stored.params, 'p') };
  const memory = 128 * parameters.r * 2 ** parameters.ln;
  if (memory > BOUNDS.maxMemoryBytes) throw new UnusableHashError(`scrypt parameters need ${memory} bytes of memory, over ${BOUNDS.maxMemoryBytes}`);
  const work = (params: ScryptParameters) => 2 ** params.ln * params.r * params.p;
  if (work(parameters) > BOUNDS.maxWorkFactor * work(SCRYPT_POLICY)) {
    throw new UnusableHashError(`scrypt parameters ln=${parameters.ln},r=${parameters.r},p=${parameters.p} cost over ${BOUNDS.maxWorkFactor} times the current ones`);
  }
  const within = (bytes: Buffer, [min, max]: readonly [number, number]) => bytes.length >= min && bytes.length <= max;
  if (!within(stored.salt, BOUNDS.saltBytes) || !within(stored.hash, BOUNDS.hashBytes)) throw new UnusableHashError('scrypt salt or hash has an unusual length');
  return parameters;
}

export function scryptAlgorithm(derive: ScryptDerive = nodeScrypt, policy: ScryptParameters = SCRYPT_POLICY) {
  return {
    /** A new hash of `password` with the policy's parameters and a fresh random salt. */
    async hash(password: string): Promise<PhcHash> {
      const salt = randomBytes(SALT_LENGTH);
      const hash = await derive(password, salt, KEY_LENGTH, policy);
      return { id: 'scrypt', params: { ln: String(policy.ln), r: String(policy.r), p: String(policy.p) }, salt, hash };
    },
    async verify(password: string, stored: PhcHash): Promise<boolean> {
      const parameters = scryptParametersOf(stored);
      const derived = await derive(password, stored.salt, stored.hash.length, parameters);
      return derived.length === stored.hash.length && timingSafeEqual(derived, stored.hash);
    },
    isOutdated(stored: PhcHash): boolean {
      const { ln, r, p } = scryptParametersOf(stored);
      return ln !== policy.ln || r !== policy.r || p !== policy.p || stored.hash.length !== KEY_LENGTH;
    },
  } satisfies PasswordAlgorithm & { hash(password: string): Promise<PhcHash> };
}

/**
 * Hashes written before the PHC format: `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`. Read as the PHC scrypt hash they
 * are (N as ln), so that they keep verifying; `legacy` marks them outdated, so that the next successful verification
 * re-hashes them into the current format and parameters.
 */
export function parseLegacyScrypt(text: string): (PhcHash & { readonly legacy: true }) | undefined {
  const match = /^scrypt\$(\d{1,10})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/.exec(text);
  if (!match) return undefined;
  const n = Number(match[1]);
  const ln = Math.log2(n);
  if (!Number.isInteger(ln)) return undefined;
  return {
    id: 'scrypt',
    params: { ln: String(ln), r: match[2], p: match[3] },
    salt: Buffer.from(match[4], 'base64'),
    hash: Buffer.from(match[5], 'base64'),
    legacy: true,
  };
}
