// User passwords (RFC 7643 §4.1.1: writeOnly, returned never) are kept only as salted scrypt hashes.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { scimErrors } from '../../scim/errors';

const KEY_LENGTH = 32;
// N=2^15, r=8, p=1: the OWASP-recommended minimum for scrypt; ~100 ms of CPU, acceptable for rare password writes.
const PARAMETERS: ScryptOptions = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const MAX_PASSWORD_LENGTH = 1024;

function scrypt(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(secret, salt, KEY_LENGTH, PARAMETERS, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** Format: `scrypt$N$r$p$<salt b64>$<hash b64>`, so that parameters can be raised later without losing old hashes. */
export async function hashPassword(password: unknown): Promise<string> {
  if (typeof password !== 'string' || password === '') throw scimErrors.invalidValue("Attribute 'password' must be a non-empty string");
  if (password.length > MAX_PASSWORD_LENGTH) throw scimErrors.invalidValue(`Attribute 'password' must be at most ${MAX_PASSWORD_LENGTH} characters`);
  const salt = randomBytes(16);
  const key = await scrypt(password, salt);
  return ['scrypt', PARAMETERS.N, PARAMETERS.r, PARAMETERS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 }, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}
