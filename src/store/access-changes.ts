// In-process notice of a change that can end or alter a token's access: a token revoked or given an earlier expiry,
// a tenant's profile changed, a tenant deleted. A cache of verified tokens (src/auth/verify-token.ts) listens, so
// that what this process changes through its own store takes effect at once; changes made by another process (the
// admin CLI, another instance) are not seen here, and the cache's time limit bounds them instead.
import type { TenantStore } from './tenant-store';

export type AccessChangeListener = () => void;

export interface AccessChanges {
  notify(): void;
  subscribe(listener: AccessChangeListener): () => void;
}

export function createAccessChanges(): AccessChanges {
  const listeners = new Set<AccessChangeListener>();
  return {
    notify() {
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * A concrete tenant store with onAccessChange: the writes that can narrow access notify `changes` once they are
 * done, whether or not they found their token or tenant (a notice too many costs one cache refill).
 */
export function announcingAccessChanges(tenants: Omit<TenantStore, 'onAccessChange'>, changes: AccessChanges): TenantStore {
  const after =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await write(...args);
      } finally {
        changes.notify();
      }
    };
  return {
    ...tenants,
    revokeToken: after(tenants.revokeToken),
    expireToken: after(tenants.expireToken),
    updateTenantProfile: after(tenants.updateTenantProfile),
    onAccessChange: changes.subscribe,
  };
}
