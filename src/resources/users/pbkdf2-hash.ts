// PBKDF2 with HMAC-SHA256 (RFC 8018 §5.2) in the three spellings that carry it between systems:
//   PHC      `$pbkdf2-sha256$i=<iterations>,l=<bytes>$<salt>$<hash>`   standard base64 without padding; `l` optional
//   passlib  `$pbkdf2-sha256$<iterations>$<salt>$<hash>`             passlib's base64, `.` in place of `+`
//   Django   `pbkdf2_sha256$<iterations>$<salt>$<hash>`              the salt is text (its UTF-8 bytes are the salt),
//                                                                     the hash standard base64 with padding
// Node's own crypto derives it (libuv's thread pool, off the event loop).
import { pbkdf2 } from 'node:crypto';
import { fromB64, parsePhc } from './phc-string';
import { boundedBytes, boundedInteger, onlyParameters, sameBytes, UnusableHashError, type Bounds, type PasswordAlgorithm } from './stored-hash';

/** The PBKDF2-HMAC-SHA256 derivation, injectable so that tests can count the work (or see that none is done). */
export type Pbkdf2Derive = (password: string, salt: Buffer, iterations: number, keyLength: number) => Promise<Buffer>;

export const nodePbkdf2: Pbkdf2Derive = (password, salt, iterations, keyLength) =>
  new Promise((resolve, reject) => pbkdf2(password, salt, iterations, keyLength, 'sha256', (error, key) => (error ? reject(error) : resolve(key))));

/**
 * A million iterations cost about one of today's scrypt hashes (measured beside it on two cores); four million is the
 * four-times ceiling scrypt's bounds set, above Django's 1,200,000 (2025) and OWASP's 600,000.
 */
const BOUNDS = {
  iterations: [1, 4_000_000],
  saltBytes: [8, 64],
  hashBytes: [16, 64],
} as const satisfies Record<string, Bounds>;

const ALGORITHM = 'pbkdf2-sha256';
const PASSLIB = /^\$pbkdf2-sha256\$(\d{1,10})\$([./A-Za-z0-9]+)\$([./A-Za-z0-9]+)$/;
const DJANGO = /^pbkdf2_sha256\$(\d{1,10})\$([^$]{1,64})\$([A-Za-z0-9+/]+={0,2})$/;

interface Pbkdf2Hash {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const fromPasslibB64 = (text: string) => fromB64(text.replaceAll('.', '+'));

function readSpelling(stored: string): { iterations: string | undefined; salt: Buffer | undefined; hash: Buffer | undefined } | undefined {
  const phc = parsePhc(stored);
  if (phc?.id === ALGORITHM) {
    onlyParameters(ALGORITHM, phc.params, ['i', 'l']);
    if (phc.params.l !== undefined && phc.params.l !== String(phc.hash.length)) {
      throw new UnusableHashError(`${ALGORITHM} length l=${phc.params.l} does not match its hash of ${phc.hash.length} bytes`);
    }
    return { iterations: phc.params.i, salt: phc.salt, hash: phc.hash };
  }
  const passlib = PASSLIB.exec(stored);
  if (passlib) return { iterations: passlib[1], salt: fromPasslibB64(passlib[2]), hash: fromPasslibB64(passlib[3]) };
  const django = DJANGO.exec(stored);
  if (django) return { iterations: django[1], salt: Buffer.from(django[2], 'utf8'), hash: Buffer.from(django[3], 'base64') };
  return undefined;
}

/** The bounded iterations, salt and hash of a PBKDF2-SHA256 hash; throws UnusableHashError otherwise, before any work. */
function pbkdf2HashOf(stored: string): Pbkdf2Hash {
  const spelled = readSpelling(stored);
  if (!spelled || !spelled.salt || !spelled.hash) {
    throw new UnusableHashError(`the ${ALGORITHM} hash is malformed: expected $pbkdf2-sha256$i=<iterations>,l=<length>$<salt>$<hash> in base64 without padding`);
  }
  return {
    iterations: boundedInteger(ALGORITHM, 'i', spelled.iterations, BOUNDS.iterations),
    salt: boundedBytes(ALGORITHM, 'salt', spelled.salt, BOUNDS.saltBytes),
    hash: boundedBytes(ALGORITHM, 'hash', spelled.hash, BOUNDS.hashBytes),
  };
}

export function pbkdf2Algorithm(derive: Pbkdf2Derive = nodePbkdf2): PasswordAlgorithm {
  return {
    read(stored) {
      if (!stored.startsWith('$pbkdf2-sha256$') && !stored.startsWith('pbkdf2_sha256$')) return undefined;
      const { iterations, salt, hash } = pbkdf2HashOf(stored);
      return { algorithm: ALGORITHM, outdated: true, verify: async (password) => sameBytes(await derive(password, salt, iterations, hash.length), hash) };
    },
  };
}
