// Password hashes (issue 14, item 13): PHC strings, the current OWASP scrypt parameters, bounds on every parameter
// of a stored hash checked before any work, re-hashing of outdated hashes after a successful verification, and the
// hashes written before the PHC format still verifying.
import { scryptSync } from 'node:crypto';
import { createFairQueue, type FairQueue } from '../../../../src/resources/fair-queue';
import { createPasswords, type Passwords } from '../../../../src/resources/users/password';
import { SCRYPT_POLICY, type ScryptDerive, type ScryptParameters } from '../../../../src/resources/users/password-algorithms';
import { formatPhc, parsePhc } from '../../../../src/resources/users/phc-string';
import { ScimError } from '../../../../src/scim/errors';
import { recordingDerive } from '../../../helpers/passwords';

const CONTEXT = { tenantId: 't1', requestId: 'r1' };
/** Cheap parameters for the tests that need real derivations (the policy's cost is in the HTTP tests). */
const TEST_POLICY: ScryptParameters = { ln: 10, r: 8, p: 1 };

function passwordsWith(options: { policy?: ScryptParameters; derive?: ScryptDerive; queue?: FairQueue } = {}): Passwords {
  return createPasswords({ queue: options.queue ?? createFairQueue({ concurrency: 2 }), policy: options.policy ?? TEST_POLICY, derive: options.derive });
}

/** A PHC scrypt hash of `password` made independently of the module under test. */
function phcScrypt(password: string, { ln, r, p }: ScryptParameters, keyLength = 32): string {
  const salt = Buffer.from('0123456789abcdef');
  const hash = scryptSync(password, salt, keyLength, { N: 2 ** ln, r, p, maxmem: 512 * 1024 * 1024 });
  return formatPhc({ id: 'scrypt', params: { ln: String(ln), r: String(r), p: String(p) }, salt, hash });
}

describe('PHC strings', () => {
  it('round-trips id, version, parameters, salt and hash (base64 without padding)', () => {
    const text = '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG';
    const parsed = parsePhc(text);
    expect(parsed).toMatchObject({ id: 'argon2id', version: 19, params: { m: '65536', t: '3', p: '4' } });
    expect(parsed?.salt.toString()).toBe('somesalt');
    expect(formatPhc(parsed!)).toBe(text);
  });

  it.each([
    ['no leading $', 'scrypt$ln=15,r=8,p=3$c2FsdA$aGFzaA'],
    ['no hash', '$scrypt$ln=15,r=8,p=3$c2FsdA'],
    ['a bad id', '$SCRYPT$ln=15$c2FsdA$aGFzaA'],
    ['a repeated parameter', '$scrypt$ln=15,ln=16$c2FsdA$aGFzaA'],
    ['a parameter without a value', '$scrypt$ln$c2FsdA$aGFzaA'],
    ['padding', '$scrypt$ln=15$c2FsdA==$aGFzaA'],
    ['an impossible base64 length', '$scrypt$ln=15$c2FsdAxyz$aGFzaA'],
    ['too many fields', '$scrypt$v=1$ln=15$c2FsdA$aGFzaA$extra'],
  ])('refuses %s', (_name, text) => {
    expect(parsePhc(text)).toBeUndefined();
  });
});

describe('hashing', () => {
  it('writes PHC scrypt strings with the policy parameters, 16 bytes of salt and a 32-byte hash', async () => {
    const stored = await createPasswords({ queue: createFairQueue({ concurrency: 1 }), derive: async () => Buffer.alloc(32, 7) }).hash(CONTEXT, 'secret');
    expect(SCRYPT_POLICY).toEqual({ ln: 15, r: 8, p: 3 });
    const parsed = parsePhc(stored);
    expect(parsed).toMatchObject({ id: 'scrypt', params: { ln: '15', r: '8', p: '3' } });
    expect(parsed?.salt).toHaveLength(16);
    expect(parsed?.hash).toHaveLength(32);
  });

  it('uses a fresh salt every time', async () => {
    const passwords = passwordsWith();
    expect(await passwords.hash(CONTEXT, 'same')).not.toBe(await passwords.hash(CONTEXT, 'same'));
  });

  it.each([
    ['an empty string', ''],
    ['a number', 42],
    ['over 1024 characters', 'x'.repeat(1025)],
  ])('refuses %s with invalidValue, before any work', async (_name, value) => {
    const derive = recordingDerive();
    await expect(passwordsWith({ derive }).hash(CONTEXT, value)).rejects.toMatchObject({ status: 400, scimType: 'invalidValue' });
    await expect(passwordsWith({ derive }).hash(CONTEXT, value)).rejects.toBeInstanceOf(ScimError);
    expect(derive.calls).toEqual([]);
  });

  it('hashes and verifies through the fair queue, keyed by tenant and request', async () => {
    const keys: unknown[] = [];
    const queue = createFairQueue({ concurrency: 1 });
    const spy: FairQueue = { run: (key, task) => (keys.push(key), queue.run(key, task)), load: queue.load };
    const passwords = passwordsWith({ queue: spy });
    const stored = await passwords.hash({ tenantId: 'A', requestId: 'bulk-1' }, 'secret');
    await passwords.verify({ tenantId: 'B', requestId: 'login-9' }, 'secret', stored);
    expect(keys).toEqual([
      { group: 'A', member: 'bulk-1' },
      { group: 'B', member: 'login-9' },
    ]);
  });
});

describe('verifying', () => {
  it('matches the right password and not another, without re-hashing a current hash', async () => {
    const passwords = passwordsWith();
    const stored = await passwords.hash(CONTEXT, 'correct horse');
    expect(await passwords.verify(CONTEXT, 'correct horse', stored)).toEqual({ outcome: 'match' });
    expect(await passwords.verify(CONTEXT, 'wrong horse', stored)).toEqual({ outcome: 'mismatch' });
  });

  it('verifies a hash made elsewhere with other parameters, and re-hashes it with the current ones', async () => {
    const stored = phcScrypt('imported', { ln: 11, r: 8, p: 2 });
    const check = await passwordsWith().verify(CONTEXT, 'imported', stored);
    expect(check).toEqual({ outcome: 'match', upgraded: expect.stringMatching(/^\$scrypt\$ln=10,r=8,p=1\$/) });
    if (check.outcome !== 'match') throw new Error('expected a match');
    expect(await passwordsWith().verify(CONTEXT, 'imported', check.upgraded as string)).toEqual({ outcome: 'match' });
    expect(await passwordsWith().verify(CONTEXT, 'other', stored)).toEqual({ outcome: 'mismatch' });
  });

  it('keeps verifying hashes of the format before PHC (scrypt$N$r$p$salt$hash), and upgrades them', async () => {
    // Written exactly as the earlier version of this module did: N=2^15, r=8, p=1, padded base64.
    const salt = Buffer.from('legacy-salt-1234');
    const key = scryptSync('old password', salt, 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const legacy = ['scrypt', 32768, 8, 1, salt.toString('base64'), key.toString('base64')].join('$');
    const check = await passwordsWith().verify(CONTEXT, 'old password', legacy);
    expect(check).toEqual({ outcome: 'match', upgraded: expect.stringMatching(/^\$scrypt\$ln=10,r=8,p=1\$/) });
    expect(await passwordsWith().verify(CONTEXT, 'other password', legacy)).toEqual({ outcome: 'mismatch' });
  });

  it.each([
    ['N = 2^30', '$scrypt$ln=30,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$' + 'A'.repeat(43)],
    ['r = 1000', '$scrypt$ln=10,r=1000,p=1$MDEyMzQ1Njc4OWFiY2RlZg$' + 'A'.repeat(43)],
    ['p = 100000', '$scrypt$ln=10,r=8,p=100000$MDEyMzQ1Njc4OWFiY2RlZg$' + 'A'.repeat(43)],
    ['1 GiB of memory (N = 2^20, r = 8)', '$scrypt$ln=20,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$' + 'A'.repeat(43)],
    ['sixteen times the current work', '$scrypt$ln=17,r=8,p=12$MDEyMzQ1Njc4OWFiY2RlZg$' + 'A'.repeat(43)],
    ['a missing parameter', '$scrypt$ln=15,r=8$MDEyMzQ1Njc4OWFiY2RlZg$' + 'A'.repeat(43)],
    ['a 4-byte salt', '$scrypt$ln=15,r=8,p=3$MDEyMw$' + 'A'.repeat(43)],
    ['a legacy hash with N = 2^31', `scrypt$2147483648$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$${'A'.repeat(43)}=`],
  ])('refuses a stored hash with %s as unusable, without deriving anything', async (_name, stored) => {
    const derive = recordingDerive();
    const check = await passwordsWith({ derive }).verify(CONTEXT, 'anything', stored);
    expect(check).toEqual({ outcome: 'unusable', reason: expect.any(String) });
    expect(derive.calls).toEqual([]);
  });

  it('says which stored values it cannot read: an algorithm it has no verifier for, or not a hash at all', async () => {
    const passwords = passwordsWith();
    expect(await passwords.verify(CONTEXT, 'x', '$sha256-crypt$rounds=5000$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG')).toEqual({
      outcome: 'unusable',
      reason: expect.stringMatching(/^the algorithm "sha256-crypt" is not one this server verifies: scrypt, bcrypt/),
    });
    expect(await passwords.verify(CONTEXT, 'x', 'plaintext')).toMatchObject({ outcome: 'unusable' });
  });
});
