// The PHC string format for password hashes (github.com/P-H-C/phc-string-format), the form argon2, scrypt and bcrypt
// libraries write: `$<id>[$v=<version>][$<param>=<value>(,<param>=<value>)*][$<salt>[$<hash>]]`, salt and hash in
// standard base64 without padding. Only the shape is checked here; what the parameters mean and which values are
// acceptable is each algorithm's business (password-algorithms.ts).

export interface PhcHash {
  /** The algorithm, e.g. `scrypt`. */
  readonly id: string;
  readonly version?: number;
  /** Parameters in the order written, e.g. `{ ln: '15', r: '8', p: '3' }`. */
  readonly params: Readonly<Record<string, string>>;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const NAME = /^[a-z0-9-]{1,32}$/;
const VALUE = /^[A-Za-z0-9/+.-]{1,64}$/;
const B64 = /^[A-Za-z0-9+/]+$/;

/** Standard base64 without padding; undefined for other text (a length of 1 modulo 4 cannot come from any byte string). */
export function fromB64(text: string): Buffer | undefined {
  if (!B64.test(text) || text.length % 4 === 1) return undefined;
  return Buffer.from(text, 'base64');
}

const toB64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

/** Parses a PHC string with a salt and a hash; undefined when the text does not have that shape. */
export function parsePhc(text: string): PhcHash | undefined {
  const fields = text.split('$');
  if (fields[0] !== '' || fields.length < 4 || fields.length > 6) return undefined;
  const [, id, ...rest] = fields;
  if (!NAME.test(id)) return undefined;
  let version: number | undefined;
  if (rest[0]?.startsWith('v=')) {
    const digits = (rest.shift() as string).slice(2);
    if (!/^\d{1,10}$/.test(digits)) return undefined;
    version = Number(digits);
  }
  if (rest.length < 2 || rest.length > 3) return undefined;
  const params: Record<string, string> = {};
  if (rest.length === 3) {
    for (const pair of (rest.shift() as string).split(',')) {
      const [name, value, extra] = pair.split('=');
      if (extra !== undefined || !NAME.test(name) || value === undefined || !VALUE.test(value) || name in params) return undefined;
      params[name] = value;
    }
  }
  const salt = fromB64(rest[0]);
  const hash = fromB64(rest[1]);
  if (!salt || !hash) return undefined;
  return { id, ...(version === undefined ? {} : { version }), params, salt, hash };
}

export function formatPhc(phc: PhcHash): string {
  const parts = ['', phc.id];
  if (phc.version !== undefined) parts.push(`v=${phc.version}`);
  const params = Object.entries(phc.params);
  if (params.length > 0) parts.push(params.map(([name, value]) => `${name}=${value}`).join(','));
  parts.push(toB64(phc.salt), toB64(phc.hash));
  return parts.join('$');
}
