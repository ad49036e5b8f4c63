// Whether an imported password hash will verify on this server: a hash that cannot would lock its user out for good,
// so its record fails instead, with the reason (README "Export and import").
import { parseLegacyScrypt, scryptParametersOf, UnusableHashError } from '../../resources/users/password-algorithms';
import { parsePhc } from '../../resources/users/phc-string';

/** undefined when this server can verify `stored`; otherwise a sentence saying why it cannot. */
export function unverifiableReason(stored: string): string | undefined {
  const parsed = parsePhc(stored) ?? parseLegacyScrypt(stored);
  if (!parsed) return 'it is not a password hash in the PHC string format ($<algorithm>$<parameters>$<salt>$<hash>)';
  if (parsed.id !== 'scrypt') return `this server cannot verify "${parsed.id}" hashes`;
  try {
    scryptParametersOf(parsed);
    return undefined;
  } catch (error) {
    if (error instanceof UnusableHashError) return error.message;
    throw error;
  }
}
