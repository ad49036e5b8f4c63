// Imported password hashes (issue 18): bcrypt, Argon2, scrypt and PBKDF2-SHA256 made by other implementations verify
// with the right password and not with a wrong one, are re-hashed into the current scrypt on success, and are refused
// with a reason a person can act on, before any work, when their parameters are out of bounds or their format unknown.
import { createFairQueue } from '../../../../src/resources/fair-queue';
import { createPasswords, type Passwords } from '../../../../src/resources/users/password';
import { whyUnverifiable, type ForeignDerivations } from '../../../../src/resources/users/password-algorithms';
import { FOREIGN_HASHES, PASSWORD, UNKNOWN_HASHES } from '../../../fixtures/foreign-password-hashes';
import { recordingDerive, recordingForeign } from '../../../helpers/passwords';

const CONTEXT = { tenantId: 't1', requestId: 'r1' };
const TEST_POLICY = { ln: 10, r: 8, p: 1 };

function passwordsWith(foreign?: ForeignDerivations, derive = recordingDerive()): Passwords {
  return createPasswords({ queue: createFairQueue({ concurrency: 2 }), policy: TEST_POLICY, derive, foreign });
}

describe.each(FOREIGN_HASHES)('$name', ({ password, stored }) => {
  it('is verifiable: whyUnverifiable says nothing', () => {
    expect(whyUnverifiable(stored)).toBeUndefined();
  });

  it('matches its password, is re-hashed into the current scrypt, and the new hash matches the same password', async () => {
    const passwords = passwordsWith();
    const check = await passwords.verify(CONTEXT, password, stored);
    expect(check).toEqual({ outcome: 'match', upgraded: expect.stringMatching(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/) });
    const upgraded = (check as { upgraded: string }).upgraded;
    expect(await passwords.verify(CONTEXT, password, upgraded)).toEqual({ outcome: 'match' });
    expect(await passwords.verify(CONTEXT, `${password}!`, upgraded)).toEqual({ outcome: 'mismatch' });
  });

  it('does not match another password, nor the password in another case', async () => {
    const passwords = passwordsWith();
    expect(await passwords.verify(CONTEXT, 'Tr0ub4dor&3', stored)).toEqual({ outcome: 'mismatch' });
    expect(await passwords.verify(CONTEXT, password.toUpperCase(), stored)).toEqual({ outcome: 'mismatch' });
  });
});

describe('the work of a verification', () => {
  it('runs the derivation of the algorithm the hash names, once', async () => {
    const foreign = recordingForeign({ run: true });
    const byName = (part: string) => FOREIGN_HASHES.find(({ name }) => name.startsWith(part))!;
    for (const part of ['bcrypt $2y$', 'argon2id 19 MiB', 'pbkdf2_sha256 (Django)']) {
      await passwordsWith(foreign).verify(CONTEXT, 'wrong', byName(part).stored);
    }
    expect(foreign.calls).toEqual(['bcrypt', 'argon2', 'pbkdf2']);
  });

  it('reads $2y$ as $2b$: the same algorithm, which the library reads only under that name', async () => {
    const compared: string[] = [];
    const foreign = { ...recordingForeign({ run: true }), bcrypt: async (_password: string, hash: string) => (compared.push(hash), false) };
    await passwordsWith(foreign).verify(CONTEXT, PASSWORD, '$2y$10$urFWvPnTuLE7L9aWm5.yueXLqi8NlvSBUi1XcvZOEAyiiSzmEo2s.');
    expect(compared).toEqual(['$2b$10$urFWvPnTuLE7L9aWm5.yueXLqi8NlvSBUi1XcvZOEAyiiSzmEo2s.']);
  });
});

const SALT16 = 'c2FsdHNhbHRzYWx0c2FsdA';
const HASH32 = 'opK/12lewr2z5YpUKucJCUXASikIGYN+qjR3vL2e8go';
const BCRYPT_BODY = 'urFWvPnTuLE7L9aWm5.yueXLqi8NlvSBUi1XcvZOEAyiiSzmEo2s.';

describe.each([
  ['bcrypt cost 31', `$2b$31$${BCRYPT_BODY}`, 'bcrypt parameter cost=31 is outside 4..14'],
  ['bcrypt cost 15', `$2y$15$${BCRYPT_BODY}`, 'bcrypt parameter cost=15 is outside 4..14'],
  ['argon2id with 4 GiB of memory', `$argon2id$v=19$m=4194304,t=1,p=1$${SALT16}$${HASH32}`, 'argon2id parameter m=4194304 is outside 8..262144'],
  ['argon2id with 256 MiB and 8 passes', `$argon2id$v=19$m=262144,t=8,p=1$${SALT16}$${HASH32}`, 'cost 2097152 KiB of memory passes, over the 1048576'],
  ['argon2id with 1000 passes', `$argon2id$v=19$m=1024,t=1000,p=1$${SALT16}$${HASH32}`, 'argon2id parameter t=1000 is outside 1..16'],
  ['argon2id with 255 lanes', `$argon2id$v=19$m=65536,t=1,p=255$${SALT16}$${HASH32}`, 'argon2id parameter p=255 is outside 1..16'],
  ['argon2id with a secret key id', `$argon2id$v=19$m=65536,t=1,p=1,keyid=c2VjcmV0$${SALT16}$${HASH32}`, 'parameter keyid is not one this server reads'],
  ['argon2id of version 18', `$argon2id$v=18$m=65536,t=1,p=1$${SALT16}$${HASH32}`, 'argon2 version v=18 is not 16 or 19'],
  ['argon2id with a 4-byte salt', `$argon2id$v=19$m=65536,t=1,p=1$c2FsdA$${HASH32}`, 'argon2id salt of 4 bytes is outside 8..64 bytes'],
  ['pbkdf2-sha256 with a billion iterations', `$pbkdf2-sha256$i=1000000000,l=32$${SALT16}$${HASH32}`, 'pbkdf2-sha256 parameter i=1000000000 is outside 1..4000000'],
  ['pbkdf2-sha256 (Django) with ten million iterations', 'pbkdf2_sha256$10000000$django-salt-x9Qw2$b78YjxNjyuHbEjMM04a9O/u+e/VkIhB6gFvdMGnEMKg=', 'i=10000000 is outside'],
  ['pbkdf2-sha256 whose l does not match its hash', `$pbkdf2-sha256$i=1000,l=64$${SALT16}$${HASH32}`, 'length l=64 does not match its hash of 32 bytes'],
  ['scrypt with 1 GiB of memory', `$scrypt$ln=20,r=8,p=1$${SALT16}$${HASH32}`, 'scrypt parameters need 1073741824 bytes of memory'],
])('%s', (_name, stored, reason) => {
  it('is refused with the reason, before any work', async () => {
    expect(whyUnverifiable(stored)).toMatch(/^The password hash cannot be verified by this server: .+\. Leave it out and have the user set a new password\.$/);
    expect(whyUnverifiable(stored)).toContain(reason);
    const foreign = recordingForeign({ run: false });
    const derive = recordingDerive();
    expect(await passwordsWith(foreign, derive).verify(CONTEXT, PASSWORD, stored)).toEqual({ outcome: 'unusable', reason: expect.stringContaining(reason) });
    expect(foreign.calls).toEqual([]);
    expect(derive.calls).toEqual([]);
  });
});

describe('formats this server does not read', () => {
  it.each([
    ['yescrypt (/etc/shadow)', UNKNOWN_HASHES.yescrypt, 'the algorithm "y" is not one this server verifies'],
    ['md5crypt', UNKNOWN_HASHES.md5crypt, 'the algorithm "1" is not one this server verifies'],
    ['a PHC string of another algorithm', `$sha512$rounds=5000$${SALT16}$${HASH32}`, 'the algorithm "sha512" is not one this server verifies'],
    ['bcrypt $2x$ (flawed crypt_blowfish)', `$2x$10$${BCRYPT_BODY}`, 'bcrypt $2x$ hashes come from a flawed implementation'],
    ['a truncated bcrypt hash', '$2b$10$urFWvPnTuLE7L9aWm5.yueXLqi8', 'the bcrypt hash is malformed'],
    ['a truncated argon2id hash', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA', 'the argon2 hash is malformed'],
    ['pbkdf2-sha256 with padding', `$pbkdf2-sha256$i=1000$${SALT16}==$${HASH32}=`, 'the pbkdf2-sha256 hash is malformed'],
    ['plain text', 'correct horse battery staple', 'the stored value is not a password hash in a format this server verifies'],
    ['a very long value', `$2b$10$${'a'.repeat(600)}`, 'longer than any password hash'],
  ])('%s: refused with a reason that names what is accepted', async (_name, stored, reason) => {
    const why = whyUnverifiable(stored);
    expect(why).toContain(reason);
    if (reason.includes('is not one') || reason.includes('not a password hash')) expect(why).toContain('bcrypt ($2a$, $2b$, $2y$), argon2id');
    const foreign = recordingForeign({ run: false });
    expect(await passwordsWith(foreign).verify(CONTEXT, PASSWORD, stored)).toEqual({ outcome: 'unusable', reason: expect.stringContaining(reason) });
    expect(foreign.calls).toEqual([]);
  });

  it('our own current hashes are verifiable too', async () => {
    expect(whyUnverifiable(await passwordsWith().hash(CONTEXT, PASSWORD))).toBeUndefined();
  });
});
