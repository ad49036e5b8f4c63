// Turns a presented bearer token into the tenant and scopes it grants, or null. No HTTP here.
//
// Timing: the record is found by the SHA-256 of the presented token, never by its id, so an unknown id and a
// wrong secret take the very same path (hash, one indexed lookup that misses, null); what an attacker controls
// reaches the store only as a hash unrelated to any stored one. After a hit the stored and computed hashes are
// compared again with crypto.timingSafeEqual, so correctness does not rest on how the store compares strings
// (a loose collation or a prefix match in some backend cannot let a different token through). What remains
// observable is unavoidable: a value that is not token-shaped is rejected before hashing, and a valid token does
// more work (tenant lookup) than an invalid one. A token verified less than `cacheMs` ago is answered from memory
// (token-cache.ts: successes only, so a wrong token always takes the path above).
import { timingSafeEqual } from 'node:crypto';
import type { Tenant, TenantStore, TokenRecord } from '../store/tenant-store';
import type { LastUsedRecorder } from './last-used';
import { ActorKind, type Actor } from './request-context';
import { isScope } from './scopes';
import { createTokenCache } from './token-cache';
import { hashSecret, parseToken } from './tokens';

/** Who is calling: the tenant every store call is scoped to, and the actor (the token used, its label and scopes). */
export interface AuthContext {
  readonly tenant: Tenant;
  readonly actor: Actor;
}

export type TokenVerifier = (plaintext: string) => Promise<AuthContext | null>;

/** A successful verification: the record (for its expiry and last use) and the context it grants. */
interface VerifiedToken {
  readonly record: TokenRecord;
  readonly context: AuthContext;
}

export interface TokenVerifierDeps {
  readonly tenants: Pick<TenantStore, 'findTokenBySecretHash' | 'getTenant' | 'onAccessChange'>;
  /** Decides whether a token has expired, and how old a remembered verification is. */
  readonly now?: () => Date;
  /** Told about every token that authenticated a request (see last-used.ts). */
  readonly recordUse?: LastUsedRecorder;
  /** How long a verified token is remembered, in ms (SCIM_TOKEN_CACHE_MS; see token-cache.ts); 0 or absent: never. */
  readonly cacheMs?: number;
}

export function createTokenVerifier(deps: TokenVerifierDeps): TokenVerifier {
  const { tenants } = deps;
  const now = deps.now ?? (() => new Date());
  const cache = deps.cacheMs && deps.cacheMs > 0 ? createTokenCache<VerifiedToken>({ ttlMs: deps.cacheMs }) : undefined;
  if (cache) tenants.onAccessChange(() => cache.clear());

  const lookUp = async (parsed: NonNullable<ReturnType<typeof parseToken>>, computed: string): Promise<VerifiedToken | null> => {
    const record = await tenants.findTokenBySecretHash(computed);
    if (!record || !sameHash(record.secretHash, computed)) return null;
    if (record.revoked !== undefined) return null;
    if (expired(record, now())) return null;
    // Binds the id printed on an issued token to the record (the hash already covers it; this keeps a store
    // that returned some other record from granting access under a wrong name).
    if (parsed.kind === 'issued' && record.id !== parsed.id) return null;
    const tenant = await tenants.getTenant(record.tenantId);
    if (!tenant) return null;
    // Scopes this server does not know (written by a newer version) grant nothing.
    const actor: Actor = Object.freeze({ kind: ActorKind.token, tokenId: record.id, label: record.label, scopes: Object.freeze(record.scopes.filter(isScope)) });
    return { record, context: Object.freeze({ tenant, actor }) };
  };

  return async (plaintext) => {
    const parsed = parseToken(plaintext);
    if (!parsed) return null;
    const computed = hashSecret(plaintext);
    const startedMs = now().getTime();
    let verified = cache?.get(computed, startedMs);
    if (verified) {
      // Expiry stays exact: a remembered token past its expiry is refused like a looked-up one.
      if (expired(verified.record, now())) return null;
    } else {
      const generation = cache?.generation();
      const found = await lookUp(parsed, computed);
      if (!found) return null;
      if (cache && generation !== undefined) cache.set(computed, found, startedMs, generation);
      verified = found;
    }
    deps.recordUse?.(verified.record);
    return verified.context;
  };
}

/** An expiry (optional at creation, or the end of a rotation's overlap window) is exclusive: at that instant the token no longer works. */
function expired(record: TokenRecord, at: Date): boolean {
  return record.expires !== undefined && !(at.getTime() < Date.parse(record.expires));
}

/** Constant-time equality of two SHA-256 hex digests; false for anything that is not one. */
function sameHash(stored: string, computed: string): boolean {
  const a = Buffer.from(stored, 'hex');
  const b = Buffer.from(computed, 'hex');
  // Buffer.from(hex) stops at the first non-hex pair, so a malformed stored value yields a shorter buffer.
  if (a.length !== 32 || b.length !== 32 || stored.length !== 64) return false;
  return timingSafeEqual(a, b);
}
