// Turns a presented bearer token into the tenant and scopes it grants, or null. No HTTP here.
//
// Timing: the record is found by the SHA-256 of the presented token, never by its id, so an unknown id and a
// wrong secret take the very same path (hash, one indexed lookup that misses, null); what an attacker controls
// reaches the store only as a hash unrelated to any stored one. After a hit the stored and computed hashes are
// compared again with crypto.timingSafeEqual, so correctness does not rest on how the store compares strings
// (a loose collation or a prefix match in some backend cannot let a different token through). What remains
// observable is unavoidable: a value that is not token-shaped is rejected before hashing, and a valid token does
// more work (tenant lookup) than an invalid one.
import { timingSafeEqual } from 'node:crypto';
import type { Tenant, TenantStore } from '../store/tenant-store';
import type { LastUsedRecorder } from './last-used';
import { ActorKind, type Actor } from './request-context';
import { isScope } from './scopes';
import { hashSecret, parseToken } from './tokens';

/** Who is calling: the tenant every store call is scoped to, and the actor (the token used, its label and scopes). */
export interface AuthContext {
  readonly tenant: Tenant;
  readonly actor: Actor;
}

export type TokenVerifier = (plaintext: string) => Promise<AuthContext | null>;

export interface TokenVerifierDeps {
  readonly tenants: Pick<TenantStore, 'findTokenBySecretHash' | 'getTenant'>;
  /** Decides whether a token has expired. */
  readonly now?: () => Date;
  /** Told about every token that authenticated a request (see last-used.ts). */
  readonly recordUse?: LastUsedRecorder;
}

export function createTokenVerifier(deps: TokenVerifierDeps): TokenVerifier {
  const { tenants } = deps;
  const now = deps.now ?? (() => new Date());
  return async (plaintext) => {
    const parsed = parseToken(plaintext);
    if (!parsed) return null;
    const computed = hashSecret(plaintext);
    const record = await tenants.findTokenBySecretHash(computed);
    if (!record || !sameHash(record.secretHash, computed)) return null;
    if (record.revoked !== undefined) return null;
    // An expiry (optional at creation, or the end of a rotation's overlap window) is exclusive: at that instant the
    // token no longer works.
    if (record.expires !== undefined && !(now().getTime() < Date.parse(record.expires))) return null;
    // Binds the id printed on an issued token to the record (the hash already covers it; this keeps a store
    // that returned some other record from granting access under a wrong name).
    if (parsed.kind === 'issued' && record.id !== parsed.id) return null;
    const tenant = await tenants.getTenant(record.tenantId);
    if (!tenant) return null;
    deps.recordUse?.(record);
    // Scopes this server does not know (written by a newer version) grant nothing.
    const actor: Actor = Object.freeze({ kind: ActorKind.token, tokenId: record.id, label: record.label, scopes: Object.freeze(record.scopes.filter(isScope)) });
    return Object.freeze({ tenant, actor });
  };
}

/** Constant-time equality of two SHA-256 hex digests; false for anything that is not one. */
function sameHash(stored: string, computed: string): boolean {
  const a = Buffer.from(stored, 'hex');
  const b = Buffer.from(computed, 'hex');
  // Buffer.from(hex) stops at the first non-hex pair, so a malformed stored value yields a shorter buffer.
  if (a.length !== 32 || b.length !== 32 || stored.length !== 64) return false;
  return timingSafeEqual(a, b);
}
