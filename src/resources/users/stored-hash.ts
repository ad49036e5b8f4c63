// What each password hash algorithm provides (password-algorithms.ts lists them): reading a stored hash in the
// spellings it accepts, and checking its parameters against fixed bounds BEFORE any work. A stored hash is input —
// imports write it, and whoever wrote it chose its parameters — so trusting them would let one record cost seconds of
// CPU and gigabytes of memory on every sign-in attempt.
import { timingSafeEqual } from 'node:crypto';

/** A stored hash that cannot be verified: a malformed string, an unknown algorithm or parameters out of bounds. */
export class UnusableHashError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnusableHashError';
  }
}

/** A stored hash read and checked: verifying it does a bounded amount of work. */
export interface CheckedHash {
  /** The algorithm's name, for messages (never the hash itself). */
  readonly algorithm: string;
  /**
   * True when a hash made now would be stronger (another algorithm, other parameters, an older spelling): the password
   * is re-hashed with the current scrypt after it is verified.
   */
  readonly outdated: boolean;
  /** Derives from `password` with the stored parameters and compares with the stored hash in constant time. */
  verify(password: string): Promise<boolean>;
}

export interface PasswordAlgorithm {
  /**
   * Reads `stored` when it is written in one of this algorithm's spellings: undefined when it is not; throws
   * UnusableHashError, without any work, when it is but is malformed or asks for parameters out of bounds.
   */
  read(stored: string): CheckedHash | undefined;
}

export type Bounds = readonly [min: number, max: number];

/** A whole-number parameter within its bounds; UnusableHashError naming the algorithm, the parameter and the bounds. */
export function boundedInteger(algorithm: string, name: string, text: string | undefined, [min, max]: Bounds): number {
  if (text === undefined || !/^\d{1,10}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UnusableHashError(`${algorithm} parameter ${name}=${text ?? '(missing)'} is outside ${min}..${max}, the range this server verifies`);
  }
  return Number(text);
}

/** A salt or hash of a plausible length (bytes); UnusableHashError otherwise. */
export function boundedBytes(algorithm: string, what: 'salt' | 'hash', bytes: Buffer, [min, max]: Bounds): Buffer {
  if (bytes.length < min || bytes.length > max) throw new UnusableHashError(`${algorithm} ${what} of ${bytes.length} bytes is outside ${min}..${max} bytes`);
  return bytes;
}

/** Refuses parameters other than `known`: one we do not understand could change what the hash means (a key id, a secret). */
export function onlyParameters(algorithm: string, params: Readonly<Record<string, string>>, known: readonly string[]): void {
  const unknown = Object.keys(params).filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new UnusableHashError(`${algorithm} parameter ${unknown.join(', ')} is not one this server reads (only ${known.join(', ')})`);
}

/** Compares a derived key with the stored one in constant time (their lengths are not secret). */
export function sameBytes(derived: Buffer, stored: Buffer): boolean {
  return derived.length === stored.length && timingSafeEqual(derived, stored);
}
