// The password hashing the server uses (real scrypt, real queue), for tests that check a stored hash.
import { createFairQueue } from '../../src/resources/fair-queue';
import { createPasswords } from '../../src/resources/users/password';
import { nodeScrypt, type ScryptDerive, type ScryptParameters } from '../../src/resources/users/password-algorithms';

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
