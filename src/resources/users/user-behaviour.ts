import type { ResourceTypeBehaviour } from '../resource-type-behaviour';
import { hashPassword } from './password';

/** Users keep a password hash; a replace without a password keeps the old one (clients cannot read it back). */
export const userBehaviour: ResourceTypeBehaviour = {
  internalState: async (writeOnly, previous) => {
    if (writeOnly.password === undefined) return { ...previous };
    return { ...previous, passwordHash: await hashPassword(writeOnly.password) };
  },
};
