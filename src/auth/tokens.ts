// Bearer tokens: their format, issuance and hashing. Pure functions; nothing here touches a store.
//
// Format of an issued token: `scim_<tokenId>_<secret>`.
//   - `scim_` makes the value recognisable (secret scanners, logs, support tickets).
//   - `<tokenId>` is the id of the stored TokenRecord (letters, digits and `-`, never `_`), so a token can be
//     listed and revoked by the id printed on it without anyone handling the secret.
//   - `<secret>` is 32 random bytes (256 bits) from the operating system's CSPRNG, base64url without padding
//     (43 characters, which may themselves contain `_` and `-`: the token splits at the first `_` after the id).
// Every character belongs to the RFC 6750 §2.1 b64token alphabet, so the token travels unquoted after `Bearer `.
//
// An operator may also choose the token of the first tenant (SCIM_BOOTSTRAP_TOKEN): any b64token of 32 to 512
// characters that does not start with `scim_` (or else a value in the issued format above). It is presented
// exactly as chosen.
//
// What is stored: SHA-256 (hex) of the whole token string, never the token. A fast unsalted hash is enough here
// because issued secrets carry 256 bits of entropy: guessing is infeasible however cheap one guess is, so a slow,
// salted password hash (scrypt, argon2) would add CPU to every request without adding security, and a salt would
// rule out finding the record by its hash through an index. Hashing the whole string (id included) binds the id
// to the secret: the secret part alone, or the secret under another id, matches nothing.
import { hash, randomBytes } from 'node:crypto';
import type { TokenRecord } from '../store/tenant-store';
import { randomIds, type IdSource } from './id-source';
import { ALL_SCOPES, isScope, type Scope } from './scopes';

export const TOKEN_PREFIX = 'scim_';
export const SECRET_BYTES = 32;
export const CHOSEN_TOKEN_MIN_LENGTH = 32;
export const CHOSEN_TOKEN_MAX_LENGTH = 512;

const TOKEN_ID = /^[A-Za-z0-9-]{1,64}$/;
const ISSUED_TOKEN = /^scim_([A-Za-z0-9-]{1,64})_([A-Za-z0-9_-]{43})$/;
// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export type ParsedToken =
  /** Issued by this server: the id names the TokenRecord. */
  | { readonly kind: 'issued'; readonly id: string }
  /** Chosen by the operator (bootstrap); it carries no id of its own. */
  | { readonly kind: 'chosen' };

/** Recognises the shape of a token without consulting any store; null when the value cannot be one of ours. */
export function parseToken(value: string): ParsedToken | null {
  if (value.startsWith(TOKEN_PREFIX)) {
    const match = ISSUED_TOKEN.exec(value);
    return match ? { kind: 'issued', id: match[1] } : null;
  }
  if (value.length < CHOSEN_TOKEN_MIN_LENGTH || value.length > CHOSEN_TOKEN_MAX_LENGTH || !B64TOKEN.test(value)) return null;
  return { kind: 'chosen' };
}

/** SHA-256 hex of the whole token string: the value stored in TokenRecord.secretHash and looked up by. */
export function hashSecret(token: string): string {
  // One-shot hash: no Hash object per request (a token is hashed on every request the token cache does not answer).
  return hash('sha256', token, 'hex');
}

export interface IssueTokenInput {
  readonly tenantId: string;
  readonly label: string;
  readonly scopes: readonly Scope[];
  readonly now: Date;
  readonly ids?: IdSource;
  /** A token chosen by the operator instead of a random one (see the format notes at the top). */
  readonly chosenToken?: string;
}

export interface IssuedToken {
  /** The plaintext token: shown once to whoever asked for it, never stored. */
  readonly token: string;
  readonly record: TokenRecord;
}

export function issueToken(input: IssueTokenInput): IssuedToken {
  const scopes = normaliseScopes(input.scopes);
  let id: string;
  let token: string;
  if (input.chosenToken !== undefined) {
    const parsed = parseToken(input.chosenToken);
    if (!parsed) {
      throw new Error(
        `A chosen token must be ${CHOSEN_TOKEN_MIN_LENGTH} to ${CHOSEN_TOKEN_MAX_LENGTH} characters of A-Z a-z 0-9 - . _ ~ + / ` +
          `(optionally ending in =), and must not start with "${TOKEN_PREFIX}" unless it is in the issued format`,
      );
    }
    id = parsed.kind === 'issued' ? parsed.id : newTokenId(input.ids ?? randomIds);
    token = input.chosenToken;
  } else {
    id = newTokenId(input.ids ?? randomIds);
    token = `${TOKEN_PREFIX}${id}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  }
  const record: TokenRecord = {
    id,
    tenantId: input.tenantId,
    label: input.label,
    scopes,
    secretHash: hashSecret(token),
    created: input.now.toISOString(),
  };
  return { token, record };
}

function newTokenId(ids: IdSource): string {
  const id = ids.uuid();
  // The id is embedded in the token and delimited by `_`, so it must stay inside this alphabet.
  if (!TOKEN_ID.test(id)) throw new Error(`Token ids must be 1-64 characters of A-Z a-z 0-9 and -, got "${id}"`);
  return id;
}

function normaliseScopes(scopes: readonly Scope[]): Scope[] {
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (unknown.length > 0) throw new Error(`Unknown scope ${unknown.join(', ')}; the scopes are ${ALL_SCOPES.join(', ')}`);
  const chosen = ALL_SCOPES.filter((scope) => scopes.includes(scope));
  if (chosen.length === 0) throw new Error(`A token needs at least one scope (${ALL_SCOPES.join(', ')})`);
  return chosen;
}
