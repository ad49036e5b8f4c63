// The password hashing the server uses (real scrypt, real queue), for tests that check a stored hash.
import { createFairQueue } from '../../src/resources/fair-queue';
import { createPasswords } from '../../src/resources/users/password';
import { NATIVE_FOREIGN_DERIVATIONS, nodeScrypt, type ForeignDerivations, type ScryptDerive, type ScryptParameters } from '../../src/resources/users/password-algorithms';

export const passwords = createPasswords({ queue: createFairQueue({ concurrency: 2 }) });

const CHECKER = { tenantId: 'test', requestId: 'password-check' };

/** True when `password` matches the stored hash. */
export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  return (await passwords.verify(CHECKER, password, stored)).outcome === 'match';
}

/** A derivation that records the parameters of every call (the work a check does), and runs it for real. */
export function recordingDerive(): ScryptDerive & { readonly calls: ScryptParameters[] } {
  const calls: ScryptParameters[] = [];
  const derive = (async (password, salt, keyLength, parameters) => {
    calls.push(parameters);
    return nodeScrypt(password, salt, keyLength, parameters);
  }) as ScryptDerive & { calls: ScryptParameters[] };
  derive.calls = calls;
  return derive;
}

/**
 * Derivations of imported hashes that record which algorithm each call was for. With `run: false` they do no work and
 * answer "no match": for hashes whose parameters must be refused before any work (a bcrypt cost of 31 would run for
 * days), so that a missing bound shows as a recorded call instead of a hung test.
 */
export function recordingForeign(options: { readonly run: boolean }): ForeignDerivations & { readonly calls: string[] } {
  const calls: string[] = [];
  const record =
    <A extends unknown[], R>(name: string, real: (...args: A) => Promise<R>, idle: R) =>
    async (...args: A): Promise<R> => {
      calls.push(name);
      return options.run ? real(...args) : idle;
    };
  const native = NATIVE_FOREIGN_DERIVATIONS;
  return {
    calls,
    bcrypt: record('bcrypt', native.bcrypt, false),
    argon2: record('argon2', native.argon2, Buffer.alloc(0)),
    pbkdf2: record('pbkdf2', native.pbkdf2, Buffer.alloc(0)),
  };
}
