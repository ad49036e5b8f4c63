// User passwords (RFC 7643 §4.1.1: writeOnly, returned never), kept only as hashes in the PHC string format
// (`$scrypt$ln=15,r=8,p=3$<salt>$<hash>`). Every hash and verification waits its turn in the fair queue, keyed by
// tenant and request, so that one tenant's batch of passwords cannot starve another tenant (fair-queue.ts).
import type { RequestContext } from '../../auth/request-context';
import { scimErrors } from '../../scim/errors';
import type { FairQueue } from '../fair-queue';
import { passwordAlgorithms, readStoredHash, scryptAlgorithm, type ForeignDerivations, type ScryptDerive, type ScryptParameters } from './password-algorithms';
import { formatPhc } from './phc-string';
import { UnusableHashError, type CheckedHash } from './stored-hash';

export const MAX_PASSWORD_LENGTH = 1024;

/** The outcome of checking a password against a stored hash. */
export type PasswordCheck =
  /** `upgraded`: a new hash to store in place of the old one, whose format or parameters are outdated. */
  | { readonly outcome: 'match'; readonly upgraded?: string }
  | { readonly outcome: 'mismatch' }
  /** The stored value cannot be verified (malformed, unknown algorithm, parameters out of bounds): treat as no match. */
  | { readonly outcome: 'unusable'; readonly reason: string };

export interface Passwords {
  /** A new hash; throws a ScimError invalidValue when `password` is not a usable password. */
  hash(context: Pick<RequestContext, 'tenantId' | 'requestId'>, password: unknown): Promise<string>;
  verify(context: Pick<RequestContext, 'tenantId' | 'requestId'>, password: string, stored: string): Promise<PasswordCheck>;
}

export interface PasswordsDeps {
  readonly queue: FairQueue;
  /** Tests inject a cheaper or counting derivation; the server uses Node's scrypt. */
  readonly derive?: ScryptDerive;
  readonly policy?: ScryptParameters;
  /** Tests count (or forbid) the derivations of imported hashes; the server uses bcrypt, @node-rs/argon2 and Node's PBKDF2. */
  readonly foreign?: ForeignDerivations;
}

export function createPasswords(deps: PasswordsDeps): Passwords {
  const scrypt = scryptAlgorithm(deps.derive, deps.policy);
  // Imported hashes of other algorithms (bcrypt, Argon2, PBKDF2) read as outdated, so that each is replaced by a scrypt
  // hash at its first successful verification.
  const algorithms = passwordAlgorithms(scrypt, deps.foreign);
  const inTurn = <T>(context: Pick<RequestContext, 'tenantId' | 'requestId'>, work: () => Promise<T>) =>
    deps.queue.run({ group: context.tenantId, member: context.requestId }, work);

  return {
    async hash(context, password) {
      if (typeof password !== 'string' || password === '') throw scimErrors.invalidValue("Attribute 'password' must be a non-empty string");
      if (password.length > MAX_PASSWORD_LENGTH) throw scimErrors.invalidValue(`Attribute 'password' must be at most ${MAX_PASSWORD_LENGTH} characters`);
      return formatPhc(await inTurn(context, () => scrypt.hash(password)));
    },

    async verify(context, password, stored) {
      let read: CheckedHash;
      try {
        // Checked before any work: parameters out of bounds make the hash unusable, not a long computation.
        read = readStoredHash(stored, algorithms);
      } catch (error) {
        if (error instanceof UnusableHashError) return { outcome: 'unusable', reason: error.message };
        throw error;
      }
      if (!(await inTurn(context, () => read.verify(password)))) return { outcome: 'mismatch' };
      if (!read.outdated) return { outcome: 'match' };
      return { outcome: 'match', upgraded: formatPhc(await inTurn(context, () => scrypt.hash(password))) };
    },
  };
}
