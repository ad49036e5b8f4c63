// bcrypt hashes in the modular crypt format `$2b$<cost>$<22 characters of salt><31 of hash>` (bcrypt's own base64
// alphabet `./A-Za-z0-9`), as OpenBSD, PHP, Spring Security, Apache and most web frameworks write them. `$2a$` and
// `$2b$` are verified as written. `$2y$` (PHP's crypt_blowfish after its 2011 fix) is the same algorithm as `$2b$`
// and is verified as one, since the library reads only `$2a$` and `$2b$`. `$2x$` marks hashes of the flawed
// crypt_blowfish before that fix, which no maintained library reproduces.
//
// The derivation is the `bcrypt` package's: native code shipped prebuilt inside the package, run in libuv's thread
// pool, so that a sign-in does not hold the event loop. Like every bcrypt, it reads at most 72 bytes of a password.
import { compare } from 'bcrypt';
import { boundedInteger, UnusableHashError, type Bounds, type PasswordAlgorithm } from './stored-hash';

/** Compares a password with a `$2a$`/`$2b$` hash; injectable so that tests can count the work. */
export type BcryptCompare = (password: string, hash: string) => Promise<boolean>;

export const nativeBcrypt: BcryptCompare = (password, hash) => compare(password, hash);

/**
 * Each step of the cost doubles the work: 12 costs about what one of today's scrypt hashes does (measured beside it on
 * two cores), so 14 is four times that, the ceiling scrypt's own bounds set. 4 is bcrypt's own minimum.
 */
const COST: Bounds = [4, 14];
const PREFIX = /^\$2[a-z]?\$/;
const SHAPE = /^\$2([aby])\$(\d\d)\$([./A-Za-z0-9]{53})$/;

export function bcryptAlgorithm(compareWith: BcryptCompare = nativeBcrypt): PasswordAlgorithm {
  return {
    read(stored) {
      if (!PREFIX.test(stored)) return undefined;
      if (stored.startsWith('$2x$')) throw new UnusableHashError('bcrypt $2x$ hashes come from a flawed implementation that no maintained library reproduces');
      const match = SHAPE.exec(stored);
      if (!match) throw new UnusableHashError('the bcrypt hash is malformed: expected $2a$, $2b$ or $2y$, a two-digit cost, $ and 53 characters of salt and hash');
      const [, variant, cost, saltAndHash] = match;
      boundedInteger('bcrypt', 'cost', cost, COST);
      const readable = `$2${variant === 'y' ? 'b' : variant}$${cost}$${saltAndHash}`;
      return { algorithm: 'bcrypt', outdated: true, verify: (password) => compareWith(password, readable) };
    },
  };
}
