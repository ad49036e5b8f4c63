import type { ResourceTypeBehaviour } from '../resource-type-behaviour';
import type { Passwords } from './password';

/**
 * Users keep a password hash. A write without `password` keeps the old one (clients cannot read it back to resend
 * it); an explicit unassignment (PUT `"password": null`, PATCH `remove` or a null value; RFC 7644 §3.5.2.2) removes
 * it, so that the user has no password.
 */
export function createUserBehaviour(deps: { readonly passwords: Pick<Passwords, 'hash'> }): ResourceTypeBehaviour {
  return {
    prepareWrite: async (context, { writeOnly }, draft) => {
      const password = writeOnly.password;
      if (password === undefined) return draft;
      if (password === null) {
        const { passwordHash: _removed, ...internal } = draft.internal;
        return { ...draft, internal };
      }
      return { ...draft, internal: { ...draft.internal, passwordHash: await deps.passwords.hash(context, password) } };
    },
  };
}
