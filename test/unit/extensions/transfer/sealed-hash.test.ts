// Sealed password hashes (src/extensions/transfer/sealed-hash.ts): a round trip, the binding to the record, and the
// bounds a sealed record's KDF parameters are held to before any key is derived.
import { createOpener, createSealer, newExportSalt, SealError, type SealedHash } from '../../../../src/extensions/transfer/sealed-hash';

const SECRET = 'a long and private export secret';
const KDF = { N: 1024, r: 8, p: 1 };
const HASH = '$scrypt$ln=15,r=8,p=3$c2FsdHNhbHQ$aGFzaA';

async function sealed(originalId = 'u1', salt = newExportSalt()): Promise<SealedHash> {
  return (await createSealer(SECRET, salt, KDF)).seal(HASH, originalId);
}

const opener = () => createOpener(SECRET, { maxKeys: 2 });
const refusal = async (value: unknown, originalId = 'u1') => {
  const error = await opener().open(value, originalId).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(SealError);
  return (error as Error).message;
};

describe('sealed password hashes', () => {
  it('open with the same secret for the same record, with a fresh nonce each time', async () => {
    const salt = newExportSalt();
    const [one, two] = [await sealed('u1', salt), await sealed('u1', salt)];
    expect(one.iv).not.toBe(two.iv);
    expect(one.kdf).toEqual({ name: 'scrypt', N: 1024, r: 8, p: 1, salt });
    expect(await opener().open(one, 'u1')).toBe(HASH);
  });

  it('refuse a wrong secret, another record, and any altered field, with one message', async () => {
    const hash = await sealed();
    const message = 'it cannot be opened: the encryptionSecret is not the one it was exported with, or the record was altered (its passwordHash or originalId)';
    expect(await createOpener('another long secret here', { maxKeys: 1 }).open(hash, 'u1').catch((error: Error) => error.message)).toBe(message);
    expect(await refusal(hash, 'u2')).toBe(message);
    const flip = (text: string) => {
      const bytes = Buffer.from(text, 'base64');
      bytes[bytes.length - 1] ^= 1;
      return bytes.toString('base64');
    };
    for (const field of ['iv', 'ciphertext', 'tag'] as const) expect(await refusal({ ...hash, [field]: flip(hash[field]) })).toBe(message);
    expect(await refusal({ ...hash, kdf: { ...hash.kdf, salt: flip(hash.kdf.salt) } })).toBe(message);
  });

  it('hold KDF parameters and field sizes to bounds before deriving anything', async () => {
    const hash = await sealed();
    const kdf = (change: Record<string, unknown>) => ({ ...hash, kdf: { ...hash.kdf, ...change } });
    expect(await refusal(kdf({ N: 2 ** 30 }))).toContain('kdf.N must be a power of 2 up to 131072');
    expect(await refusal(kdf({ N: 1000 }))).toContain('power of 2');
    expect(await refusal(kdf({ r: 64 }))).toContain('kdf.r must be within 1..32');
    expect(await refusal(kdf({ p: 0 }))).toContain('kdf.p within 1..16');
    expect(await refusal(kdf({ N: 2 ** 17, r: 16 }))).toContain('MiB of memory');
    expect(await refusal(kdf({ N: 2 ** 17, r: 8, p: 16 }))).toContain('cost more than 16 times');
    expect(await refusal(kdf({ name: 'pbkdf2' }))).toContain('"kdf" must be');
    expect(await refusal(kdf({ salt: 'c2FsdA' }))).toContain('kdf.salt must be 16..64 bytes');
    expect(await refusal({ ...hash, alg: 'A128GCM' })).toContain('"alg" must be "A256GCM"');
    expect(await refusal({ ...hash, iv: 'AAAA' })).toContain('iv must be 12 bytes');
    expect(await refusal({ ...hash, ciphertext: 'not base64!' })).toContain('ciphertext must be a base64 string');
    expect(await refusal('a string')).toContain('must be an object');
  });

  it('derive at most maxKeys keys per opener: records of more exports are refused', async () => {
    const open = opener();
    expect(await open.open(await sealed('a'), 'a')).toBe(HASH);
    expect(await open.open(await sealed('b'), 'b')).toBe(HASH);
    await expect(open.open(await sealed('c'), 'c')).rejects.toThrow('the records come from more than 2 exports');
  });
});
