// Retry-safe requests (README "Idempotency-Key"): a client that sends `Idempotency-Key` with a create may send the
// same request again, after a timeout or a dropped connection, and get the first answer back instead of a second
// write. The semantics follow the IETF HTTPAPI draft "The Idempotency-Key HTTP Header Field": the same key with
// another request is 422, and a key whose first request is still running is 409.
//
// What is stored, per (tenant, token, key), for 24 hours: an id and a fingerprint of the request, both HMACs under a
// key derived from the client's Idempotency-Key, and the response (status, Location, ETag, body) encrypted with
// AES-256-GCM under another key derived from it. The server keeps neither the Idempotency-Key nor the derived keys:
// the stored response (which holds the created resource, personal data) can only be read by a request that presents
// the same key again, on the same token, and a copy of the database reveals no request body and no response. A key
// that is easy to guess protects less; clients should send random ones (a UUID), as the draft asks.
//
// Scope: the token, not only the tenant. Two clients of one tenant (Entra ID and an HR connector) can never collide or
// replay each other's answers, and a push-only token never receives a body that a read token's request produced.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { ScimError, scimErrors } from '../scim/errors';
import type { IdempotencyStore } from '../store/idempotency-store';

/** How long a key's first answer is replayed. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How long a claim holds while its request runs; a request still unanswered after it (its process died) loses it. */
export const IDEMPOTENCY_LOCK_MS = 10 * 60 * 1000;
const MAX_KEY_LENGTH = 255;
/** Visible ASCII and spaces inside: what a UUID, a ULID or a client's own scheme produce. */
const KEY_SHAPE = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;

export interface RecordedResponse {
  readonly status: number;
  /** Only the headers a replay repeats (lower-case names): Content-Type, Location, ETag. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface IdempotentRequest {
  readonly tenantId: string;
  /** The token of the request (null for a caller without one, which never reaches HTTP routes). */
  readonly tokenId: string | null;
  /** The Idempotency-Key header as sent. */
  readonly key: string;
  readonly method: string;
  /** Path and query: a retry must ask for the same resource with the same parameters. */
  readonly url: string;
  /** The parsed body; compared as canonical JSON, so key order and spacing do not matter. */
  readonly body: unknown;
}

export type IdempotencyStart =
  /** The first request with this key: run it, then hand its response to finish (null: keep nothing, e.g. a 5xx). */
  | { readonly kind: 'run'; finish(response: RecordedResponse | null): Promise<void> }
  /** A retry of a request that answered: send this response again. */
  | { readonly kind: 'replay'; readonly response: RecordedResponse };

export interface Idempotency {
  /** Throws ScimError 400 (bad key), 409 (the first request still runs) or 422 (the key was used for another request). */
  start(request: IdempotentRequest): Promise<IdempotencyStart>;
}

export interface IdempotencyDeps {
  readonly store: IdempotencyStore;
  readonly clock?: () => Date;
  readonly retentionMs?: number;
  readonly lockMs?: number;
}

/** The key as the client meant it: RFC 8941 sf-string quotes (the draft's form) removed, or the bare value. */
export function parseIdempotencyKey(header: string): string {
  const trimmed = header.trim();
  const key = trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !KEY_SHAPE.test(key)) {
    throw scimErrors.badRequest(`Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} visible ASCII characters, e.g. a UUID`);
  }
  return key;
}

/** JSON with the keys of every object in code-point order: one text for one value, however it was written. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

interface DerivedKeys {
  readonly id: string;
  readonly macKey: Buffer;
  readonly encryptionKey: Buffer;
}

/** Everything secret is derived from the client's key, bound to the tenant and token it was used with. */
function derive(request: Pick<IdempotentRequest, 'tenantId' | 'tokenId' | 'key'>): DerivedKeys {
  const material = Buffer.from(hkdfSync('sha256', request.key, `${request.tenantId}\n${request.tokenId ?? ''}`, 'scim-server idempotency v1', 64));
  const macKey = material.subarray(0, 32);
  return { macKey, encryptionKey: material.subarray(32), id: createHmac('sha256', macKey).update('id').digest('base64url') };
}

const fingerprintOf = (keys: DerivedKeys, request: IdempotentRequest) =>
  createHmac('sha256', keys.macKey).update(`${request.method.toUpperCase()} ${request.url}\n${canonicalJson(request.body)}`).digest('base64url');

const FORMAT = 'v1';

function seal(keys: DerivedKeys, response: RecordedResponse): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.encryptionKey, iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(response), 'utf8'), cipher.final()]);
  return [FORMAT, iv.toString('base64url'), sealed.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

function open(keys: DerivedKeys, text: string): RecordedResponse {
  const [format, iv, sealed, tag] = text.split('.');
  if (format !== FORMAT) throw new Error(`Unknown format of a recorded response: ${format}`);
  const decipher = createDecipheriv('aes-256-gcm', keys.encryptionKey, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const plain = Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
  return JSON.parse(plain) as RecordedResponse;
}

export function createIdempotency(deps: IdempotencyDeps): Idempotency {
  const clock = deps.clock ?? (() => new Date());
  const retentionMs = deps.retentionMs ?? IDEMPOTENCY_RETENTION_MS;
  const lockMs = deps.lockMs ?? IDEMPOTENCY_LOCK_MS;

  return {
    async start(request) {
      const keys = derive({ ...request, key: parseIdempotencyKey(request.key) });
      const fingerprint = fingerprintOf(keys, request);
      const now = clock().getTime();
      const token = randomUUID();
      const claimed = await deps.store.claim({
        tenantId: request.tenantId,
        id: keys.id,
        fingerprint,
        token,
        now: new Date(now).toISOString(),
        lockedUntil: new Date(now + lockMs).toISOString(),
        expires: new Date(now + retentionMs).toISOString(),
      });
      if (claimed.claimed) {
        return {
          kind: 'run',
          async finish(response) {
            if (response === null) await deps.store.release(request.tenantId, keys.id, token);
            else await deps.store.complete(request.tenantId, keys.id, token, { response: seal(keys, response), now: clock().toISOString() });
          },
        };
      }
      const { record } = claimed;
      if (record.fingerprint !== fingerprint) {
        throw new ScimError(
          422,
          'This Idempotency-Key was used for another request (another body, path or query) in the last 24 hours; send a new key for a new request',
        );
      }
      if (record.state !== 'completed' || record.response === undefined) {
        throw new ScimError(409, 'The first request with this Idempotency-Key is still being processed; retry after it has answered', {
          headers: { 'Retry-After': '1' },
        });
      }
      return { kind: 'replay', response: open(keys, record.response) };
    },
  };
}
