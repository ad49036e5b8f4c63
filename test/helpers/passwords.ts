// The password hashing the server uses (real scrypt, real queue), for tests that check a stored hash.
import { createFairQueue } from '../../src/resources/fair-queue';
import { createPasswords } from '../../src/resources/users/password';

export const passwords = createPasswords({ queue: createFairQueue({ concurrency: 2 }) });

const CHECKER = { tenantId: 'test', requestId: 'password-check' };

/** True when `password` matches the stored hash. */
export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  return (await passwords.verify(CHECKER, password, stored)).outcome === 'match';
}
