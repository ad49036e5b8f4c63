// The per-tenant password policy (settings `passwords.minLength`, `passwords.refuseCurrent`), applied to every new
// password wherever it comes from: POST, PUT, PATCH and Bulk (through the User behaviour, src/resources/users/) and
// POST /Users/{id}/password. A refused password is 400 invalidValue naming the rule, and nothing is written. The length
// is checked first and costs nothing; only "not the current one" costs a verification (one hash).
import type { RequestContext } from '../../auth/request-context';
import { scimErrors } from '../../scim/errors';
import type { Passwords } from '../../resources/users/password';
import type { PasswordRule } from '../../resources/users/user-behaviour';
import type { SettingsReader } from '../../settings/settings-reader';

export interface PasswordPolicyDeps {
  readonly settings: Pick<SettingsReader, 'forTenant'>;
  readonly passwords: Pick<Passwords, 'verify'>;
}

export function createPasswordPolicy(deps: PasswordPolicyDeps): PasswordRule {
  return async (context: Pick<RequestContext, 'tenantId' | 'requestId'>, password: string, currentHash: string | undefined) => {
    const settings = await deps.settings.forTenant(context.tenantId);
    const minLength = settings['passwords.minLength'];
    // Characters as a person counts them (code points), not UTF-16 units.
    const length = [...password].length;
    if (length < minLength) {
      throw scimErrors.invalidValue(`Attribute 'password' must be at least ${minLength} characters long (passwords.minLength); this one has ${length}`);
    }
    if (settings['passwords.refuseCurrent'] && currentHash !== undefined) {
      const check = await deps.passwords.verify(context, password, currentHash);
      if (check.outcome === 'match') throw scimErrors.invalidValue("Attribute 'password' must differ from the user's current password (passwords.refuseCurrent)");
    }
  };
}
