import type { ResourceTypeBehaviour } from '../resource-type-behaviour';
import { hashPassword } from './password';

/** Users keep a password hash; a write without a password keeps the old one (clients cannot read it back). */
export const userBehaviour: ResourceTypeBehaviour = {
  prepareWrite: async (_context, { writeOnly }, draft) => {
    if (writeOnly.password === undefined) return draft;
    return { ...draft, internal: { ...draft.internal, passwordHash: await hashPassword(writeOnly.password) } };
  },
};
