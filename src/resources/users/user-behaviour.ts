import type { RequestContext } from '../../auth/request-context';
import type { ResourceTypeBehaviour } from '../resource-type-behaviour';
import { MAX_PASSWORD_LENGTH, type Passwords } from './password';

/**
 * A rule a new password must keep (a tenant's password policy: src/extensions/lifecycle/password-policy.ts): throws a
 * ScimError naming the rule, before any hash is made. `currentHash` is the user's stored hash (none on create).
 */
export type PasswordRule = (context: Pick<RequestContext, 'tenantId' | 'requestId'>, password: string, currentHash: string | undefined) => Promise<void>;

export interface UserBehaviourDeps {
  readonly passwords: Pick<Passwords, 'hash'>;
  readonly passwordRule?: PasswordRule;
}

/**
 * Users keep a password hash. A write without `password` keeps the old one (clients cannot read it back to resend
 * it); an explicit unassignment (PUT `"password": null`, PATCH `remove` or a null value; RFC 7644 §3.5.2.2) removes
 * it, so that the user has no password. A new password must keep the password rule, if any, checked before hashing.
 */
export function createUserBehaviour(deps: UserBehaviourDeps): ResourceTypeBehaviour {
  return {
    prepareWrite: async (context, { writeOnly, current, once }, draft) => {
      const password = writeOnly.password;
      if (password === undefined) return draft;
      if (password === null) {
        const { passwordHash: _removed, ...internal } = draft.internal;
        return { ...draft, internal };
      }
      // A value that is no usable password at all is refused by hash() below, before the rule spends anything on it.
      if (typeof password === 'string' && password !== '' && password.length <= MAX_PASSWORD_LENGTH && deps.passwordRule) {
        const currentHash = current?.internal.passwordHash;
        await deps.passwordRule(context, password, typeof currentHash === 'string' ? currentHash : undefined);
      }
      // Hashed once per request: a retried compare-and-set reuses the hash instead of queueing for another.
      const passwordHash = await once(`password:${String(password)}`, () => deps.passwords.hash(context, password));
      return { ...draft, internal: { ...draft.internal, passwordHash } };
    },
  };
}
