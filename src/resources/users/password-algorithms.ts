// The password hash algorithms this server can verify. New hashes are always scrypt with the current parameters
// (SCRYPT_POLICY); hashes imported from elsewhere may be bcrypt, Argon2 or PBKDF2-SHA256 (one module each, beside this
// one) or scrypt with other parameters. Each is verified as it is, and is outdated: a successful verification
// re-hashes the password into the current scrypt, so that foreign hashes disappear as their users sign in.
//
// A stored hash is input: once hashes can be imported, whoever writes them chooses the parameters. Reading a hash
// therefore refuses parameters outside fixed bounds before deriving anything (stored-hash.ts); trusting N, r and p
// from the string would let one stored hash take seconds of CPU and gigabytes of memory on every attempt.
import { randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { argon2Algorithm, nativeArgon2, type Argon2Derive } from './argon2-hash';
import { bcryptAlgorithm, nativeBcrypt, type BcryptCompare } from './bcrypt-hash';
import { nodePbkdf2, pbkdf2Algorithm, type Pbkdf2Derive } from './pbkdf2-hash';
import { parsePhc, type PhcHash } from './phc-string';
import { boundedBytes, boundedInteger, onlyParameters, sameBytes, UnusableHashError, type CheckedHash, type PasswordAlgorithm } from './stored-hash';

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

/** The scrypt key derivation, injectable so that tests can count or stub the work. */
export type ScryptDerive = (password: string, salt: Buffer, keyLength: number, parameters: ScryptParameters) => Promise<Buffer>;

export const nodeScrypt: ScryptDerive = (password, salt, keyLength, { ln, r, p }) => {
  const N = 2 ** ln;
  // OpenSSL needs 128·r·(N + p + 2) bytes; Node's default limit (32 MiB) is below the policy's need.
  const options: ScryptOptions = { N, r, p, maxmem: 128 * r * (N + p + 2) + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCallback(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));
};

/** The scrypt parameters of a stored hash, within bounds; throws UnusableHashError otherwise. */
export function scryptParametersOf(stored: PhcHash): ScryptParameters {
  onlyParameters('scrypt', stored.params, ['ln', 'r', 'p']);
  const parameters = {
    ln: boundedInteger('scrypt', 'ln', stored.params.ln, BOUNDS.ln),
    r: boundedInteger('scrypt', 'r', stored.params.r, BOUNDS.r),
    p: boundedInteger('scrypt', 'p', stored.params.p, BOUNDS.p),
  };
  const memory = 128 * parameters.r * 2 ** parameters.ln;
  if (memory > BOUNDS.maxMemoryBytes) throw new UnusableHashError(`scrypt parameters need ${memory} bytes of memory, over the ${BOUNDS.maxMemoryBytes} this server allows`);
  const work = (params: ScryptParameters) => 2 ** params.ln * params.r * params.p;
  if (work(parameters) > BOUNDS.maxWorkFactor * work(SCRYPT_POLICY)) {
    throw new UnusableHashError(`scrypt parameters ln=${parameters.ln},r=${parameters.r},p=${parameters.p} cost over ${BOUNDS.maxWorkFactor} times the current ones, the most this server verifies`);
  }
  boundedBytes('scrypt', 'salt', stored.salt, BOUNDS.saltBytes);
  boundedBytes('scrypt', 'hash', stored.hash, BOUNDS.hashBytes);
  return parameters;
}

export function scryptAlgorithm(derive: ScryptDerive = nodeScrypt, policy: ScryptParameters = SCRYPT_POLICY) {
  const checked = (stored: PhcHash, legacy: boolean): CheckedHash => {
    const parameters = scryptParametersOf(stored);
    const { ln, r, p } = parameters;
    return {
      algorithm: 'scrypt',
      outdated: legacy || ln !== policy.ln || r !== policy.r || p !== policy.p || stored.hash.length !== KEY_LENGTH,
      verify: async (password) => sameBytes(await derive(password, stored.salt, stored.hash.length, parameters), stored.hash),
    };
  };
  return {
    /** A new hash of `password` with the policy's parameters and a fresh random salt. */
    async hash(password: string): Promise<PhcHash> {
      const salt = randomBytes(SALT_LENGTH);
      const hash = await derive(password, salt, KEY_LENGTH, policy);
      return { id: 'scrypt', params: { ln: String(policy.ln), r: String(policy.r), p: String(policy.p) }, salt, hash };
    },
    read(stored: string): CheckedHash | undefined {
      if (stored.startsWith('$scrypt$')) {
        const phc = parsePhc(stored);
        if (!phc) throw new UnusableHashError('the scrypt hash is malformed: expected $scrypt$ln=…,r=…,p=…$<salt>$<hash> in base64 without padding');
        return checked(phc, false);
      }
      const legacy = parseLegacyScrypt(stored);
      return legacy ? checked(legacy, true) : undefined;
    },
  } satisfies PasswordAlgorithm & { hash(password: string): Promise<PhcHash> };
}

/**
 * Hashes written before the PHC format: `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`. Read as the PHC scrypt hash they
 * are (N as ln), so that they keep verifying; `legacy` marks them outdated, so that the next successful verification
 * re-hashes them into the current format and parameters.
 */
export function parseLegacyScrypt(text: string): PhcHash | undefined {
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
  };
}

/** The derivations behind the imported algorithms, injectable so that tests can count the work (or see that none is done). */
export interface ForeignDerivations {
  readonly bcrypt: BcryptCompare;
  readonly argon2: Argon2Derive;
  readonly pbkdf2: Pbkdf2Derive;
}

export const NATIVE_FOREIGN_DERIVATIONS: ForeignDerivations = Object.freeze({ bcrypt: nativeBcrypt, argon2: nativeArgon2, pbkdf2: nodePbkdf2 });

/** Longer than any hash of any algorithm here (bounded salts and hashes): refused before any pattern reads it. */
const MAX_STORED_LENGTH = 512;

/** What a person reads when a stored value names no algorithm here. */
const ACCEPTED =
  'this server verifies: scrypt, bcrypt ($2a$, $2b$, $2y$), argon2id (and argon2i, argon2d) and pbkdf2-sha256 in PHC strings, pbkdf2-sha256 as passlib and Django write it, and its own earlier scrypt format';

/**
 * Reads a stored hash with the first algorithm that recognises its spelling, its parameters checked against that
 * algorithm's bounds; throws UnusableHashError, without any work, when none does or its parameters are out of bounds.
 */
export function readStoredHash(stored: string, algorithms: readonly PasswordAlgorithm[]): CheckedHash {
  if (stored.length > MAX_STORED_LENGTH) throw new UnusableHashError(`the stored value is ${stored.length} characters long, longer than any password hash (${MAX_STORED_LENGTH})`);
  for (const algorithm of algorithms) {
    const read = algorithm.read(stored);
    if (read) return read;
  }
  const id = /^\$([a-z0-9-]{1,32})\$/.exec(stored)?.[1];
  throw new UnusableHashError(id ? `the algorithm "${id}" is not one ${ACCEPTED}` : `the stored value is not a password hash in a format ${ACCEPTED}`);
}

/** Every algorithm this server verifies, scrypt (the current one) first. */
export function passwordAlgorithms(scrypt: PasswordAlgorithm, foreign: ForeignDerivations = NATIVE_FOREIGN_DERIVATIONS): readonly PasswordAlgorithm[] {
  return [scrypt, bcryptAlgorithm(foreign.bcrypt), argon2Algorithm(foreign.argon2), pbkdf2Algorithm(foreign.pbkdf2)];
}

const DEFAULT_ALGORITHMS = passwordAlgorithms(scryptAlgorithm());

/**
 * Whether this server can verify `stored` (for an import, before it stores a hash): undefined when it can; otherwise
 * why not, as a sentence a person can act on (an unknown algorithm, parameters out of bounds, a malformed string).
 * Reads only: no derivation runs.
 */
export function whyUnverifiable(stored: string): string | undefined {
  try {
    readStoredHash(stored, DEFAULT_ALGORITHMS);
    return undefined;
  } catch (error) {
    if (!(error instanceof UnusableHashError)) throw error;
    return `The password hash cannot be verified by this server: ${error.message}. Leave it out and have the user set a new password.`;
  }
}
