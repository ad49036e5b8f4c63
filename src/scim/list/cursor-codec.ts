// RFC 9865 cursors: a keyset position (the sort key and id of the last row served), sealed with AES-256-GCM.
//
//   - Opaque (RFC 9865: clients make no assumptions about cursors): the position is encrypted, so a cursor reveals
//     nothing, not even the sort value of a row.
//   - Tamper-evident: GCM authenticates it; any changed character makes it invalid.
//   - Bound to its query: the tenant, the resource type (or the root search), the filter and the sort are the
//     additional authenticated data, so a cursor replayed by another tenant or with another filter or sort fails to
//     open (RFC 9865, Security Considerations: a cursor grants no access beyond what the current request may see).
//   - Url-safe: base64url without padding, only characters of RFC 3986 §2.3 "unreserved", as RFC 9865 requires.
//   - Stateless: nothing is stored per cursor (RFC 9865, Security Considerations, availability); it expires
//     `timeoutSeconds` after it was issued, the `cursorTimeout` advertised in ServiceProviderConfig.
// A malformed, forged or misbound cursor is 400 invalidCursor; an expired one 400 expiredCursor (RFC 9865,
// "Pagination Errors").
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { scimErrors } from '../errors';
import { queryFingerprint, type QueryShape } from './query-fingerprint';

/** Where the next page starts. */
export interface CursorPosition {
  /** Root searches (RFC 7644 §3.4.3) walk the resource types in turn: the type this position is in. */
  readonly resourceType?: string;
  /** The last row served (its sort key and id); absent at the start of `resourceType`. */
  readonly after?: { readonly sortValue: string | number | boolean | null; readonly id: string };
  /**
   * A value the issuer keeps for the whole walk, sealed with the position so that the client cannot change it (an
   * export's KDF salt: every page of one export seals with the same key, README "Export and import").
   */
  readonly carry?: string;
  /**
   * totalResults as the walk's first page counted it, reported again by every later page instead of counting anew: a
   * count over a large match costs as much as reading it, and RFC 9865 lets a walk's pages report one total.
   */
  readonly total?: number;
}

/** What a cursor is bound to. */
export interface CursorBinding extends QueryShape {
  readonly tenantId: string;
  /** The resource type name, or a name for the root search that no resource type has. */
  readonly scope: string;
}

export interface CursorCodec {
  /** RFC 9865 ServiceProviderConfig cursorTimeout: how long a cursor stays valid, in seconds. */
  readonly timeoutSeconds: number;
  seal(binding: CursorBinding, position: CursorPosition): string;
  /** The position of a cursor issued for this binding; throws invalidCursor or expiredCursor. */
  open(binding: CursorBinding, cursor: string): CursorPosition;
}

export interface CursorCodecOptions {
  /** At least 32 bytes of secret; the AES key is derived from it. */
  readonly secret: string | Uint8Array;
  readonly timeoutSeconds: number;
  readonly clock?: () => Date;
}

const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Longest cursor accepted: more than any position needs, and it bounds the work spent on a hostile value. */
export const MAX_CURSOR_LENGTH = 4096;
/** Clocks of several instances may differ a little: a cursor "from the future" by less than this is accepted. */
const CLOCK_SKEW_SECONDS = 60;

interface SealedPayload {
  /** Issued at, in whole seconds since the epoch. */
  readonly t: number;
  readonly r?: string;
  readonly a?: readonly [string | number | boolean | null, string];
  readonly c?: string;
  readonly n?: number;
}

export function createCursorCodec(options: CursorCodecOptions): CursorCodec {
  const secret = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret);
  if (secret.length < 32) throw new Error('The cursor secret must be at least 32 bytes long');
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'scim cursor v1', 32));
  const clock = options.clock ?? (() => new Date());
  const now = () => Math.floor(clock().getTime() / 1000);
  const aad = (binding: CursorBinding) =>
    Buffer.from(JSON.stringify([FORMAT, binding.tenantId, binding.scope.toLowerCase(), queryFingerprint(binding)]), 'utf8');

  return {
    timeoutSeconds: options.timeoutSeconds,

    seal(binding, position) {
      const payload: SealedPayload = {
        t: now(),
        ...(position.resourceType !== undefined ? { r: position.resourceType } : {}),
        ...(position.after ? { a: [position.after.sortValue, position.after.id] as const } : {}),
        ...(position.carry !== undefined ? { c: position.carry } : {}),
        ...(position.total !== undefined ? { n: position.total } : {}),
      };
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(binding));
      const sealed = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([FORMAT]), iv, sealed, cipher.getAuthTag()]).toString('base64url');
    },

    open(binding, cursor) {
      const invalid = (why: string) =>
        scimErrors.invalidCursor(
          `The cursor is not valid for this query (${why}). Send an empty cursor for the first page, then the nextCursor of the previous ` +
            'response, with every other query parameter unchanged.',
        );
      if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid('it is not a cursor this server issued');
      const bytes = Buffer.from(cursor, 'base64url');
      // Only the canonical encoding: otherwise the unused low bits of the last character could change unnoticed.
      if (bytes.toString('base64url') !== cursor) throw invalid('it is not a cursor this server issued');
      if (bytes.length < 1 + IV_BYTES + TAG_BYTES + 2 || bytes[0] !== FORMAT) throw invalid('it is not a cursor this server issued');
      let plain: string;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 1 + IV_BYTES));
        decipher.setAAD(aad(binding));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        plain = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        // One answer for forged, altered, misbound or foreign cursors: RFC 9865 (Security Considerations) asks not to tell
        // them apart.
        throw invalid('it was altered, or issued for another filter, sort, resource type or tenant');
      }
      const payload = parsePayload(plain);
      if (!payload) throw invalid('it is not a cursor this server issued');
      const age = now() - payload.t;
      if (age < -CLOCK_SKEW_SECONDS) throw invalid('it was issued in the future');
      if (age > options.timeoutSeconds) {
        throw scimErrors.expiredCursor(
          `The cursor expired: it was issued ${age} seconds ago and cursors are valid for ${options.timeoutSeconds} seconds (cursorTimeout). ` +
            'Start again with an empty cursor.',
        );
      }
      return {
        ...(payload.r !== undefined ? { resourceType: payload.r } : {}),
        ...(payload.a ? { after: { sortValue: payload.a[0], id: payload.a[1] } } : {}),
        ...(payload.c !== undefined ? { carry: payload.c } : {}),
        ...(payload.n !== undefined ? { total: payload.n } : {}),
      };
    },
  };
}

/** Only an authenticated payload gets here; the shape is still checked rather than trusted. */
function parsePayload(text: string): SealedPayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { t, r, a, c, n } = value as Record<string, unknown>;
  if (typeof t !== 'number' || !Number.isInteger(t)) return undefined;
  if (n !== undefined && (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)) return undefined;
  if (r !== undefined && typeof r !== 'string') return undefined;
  if (c !== undefined && typeof c !== 'string') return undefined;
  if (a !== undefined) {
    if (!Array.isArray(a) || a.length !== 2 || typeof a[1] !== 'string') return undefined;
    const sortValue: unknown = a[0];
    if (sortValue !== null && !['string', 'number', 'boolean'].includes(typeof sortValue)) return undefined;
  }
  return value as SealedPayload;
}
