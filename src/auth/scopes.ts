// Token scopes and the one rule that decides what they grant.
//
// The rule: every scope grants exactly its own operations and implies no other. `scim:read` covers GET and
// searches; `scim:write` covers POST, PUT, PATCH and DELETE (and the lifecycle routes that change an account);
// `scim:credentials` covers POST /Users/.verify-credentials only, so that an application's sign-in service can check
// passwords without being able to read or change the directory. A write-only token therefore cannot list or read
// resources (least privilege for push-only pipelines). `scim:export` covers the export routes only (POST
// /Users/.export, /Users/.export/all and an export file's download): an export holds every user's password hash,
// sealed with a secret the caller chooses, so it is more than a read, and no read or write token can make one.
// Identity providers read before they write (a filtered GET to find an existing user, then POST or PATCH), so tokens
// are issued with read and write unless asked otherwise. `audit:read` reads the audit trail (GET /AuditEvents): who
// did what is not something every provisioning client should read, so neither SCIM scope grants it, and it is never
// given unless asked for.

export const Scope = { read: 'scim:read', write: 'scim:write', credentials: 'scim:credentials', auditRead: 'audit:read', export: 'scim:export' } as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

export const ALL_SCOPES: readonly Scope[] = Object.freeze(Object.values(Scope));

/** What a token gets when nobody asks for less. */
export const DEFAULT_SCOPES: readonly Scope[] = Object.freeze([Scope.read, Scope.write]);

export function isScope(value: string): value is Scope {
  return (ALL_SCOPES as readonly string[]).includes(value);
}

/** True when the holder was granted `scope` itself; no scope implies another. */
export function hasScope(holder: { readonly scopes: readonly Scope[] }, scope: Scope): boolean {
  return holder.scopes.includes(scope);
}

/**
 * Parses a comma- or space-separated scope list (`scim:read,scim:write`), dropping duplicates and keeping the
 * canonical order. Throws when the list is empty or names a scope this server does not know.
 */
export function parseScopes(value: string): Scope[] {
  const names = value
    .split(/[\s,]+/)
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new Error(`A token needs at least one scope (${ALL_SCOPES.join(', ')})`);
  const unknown = names.filter((name) => !isScope(name));
  if (unknown.length > 0) throw new Error(`Unknown scope ${unknown.map((name) => `"${name}"`).join(', ')}; the scopes are ${ALL_SCOPES.join(', ')}`);
  return ALL_SCOPES.filter((scope) => names.includes(scope));
}
