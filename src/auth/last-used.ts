// Records when each token was last used, cheaply: at most one store write per token per interval (a minute by
// default) in each server instance, never a write per request. A busy token therefore costs one small update a
// minute, and `token list` shows a time that is at most about one interval (plus clock skew between instances)
// behind. Writes are fire-and-forget: a failed one is reported and never fails or slows the request.
import type { TenantStore, TokenRecord } from '../store/tenant-store';

export const LAST_USED_INTERVAL_MS = 60_000;
/** The memory bound: past this many remembered tokens, entries older than one interval are forgotten. */
const MAX_REMEMBERED = 10_000;

export interface LastUsedDeps {
  readonly tenants: Pick<TenantStore, 'touchToken'>;
  readonly now?: () => Date;
  readonly intervalMs?: number;
  /** Told about a failed write (the request it came from has already been allowed). */
  readonly onError?: (error: unknown, tokenId: string) => void;
}

export type LastUsedRecorder = (token: Pick<TokenRecord, 'id' | 'lastUsed'>) => void;

export function createLastUsedRecorder(deps: LastUsedDeps): LastUsedRecorder {
  const now = deps.now ?? (() => new Date());
  const interval = deps.intervalMs ?? LAST_USED_INTERVAL_MS;
  /** Token id -> when this instance last wrote (or saw written) its last use, in ms. */
  const written = new Map<string, number>();

  return (token) => {
    const at = now();
    const ms = at.getTime();
    // The stored time counts too: another instance that wrote it recently spares this one the write.
    const stored = token.lastUsed === undefined ? -Infinity : Date.parse(token.lastUsed);
    const last = Math.max(written.get(token.id) ?? -Infinity, stored);
    if (ms - last < interval) return;
    written.set(token.id, ms);
    if (written.size > MAX_REMEMBERED) {
      for (const [id, when] of written) if (ms - when >= interval) written.delete(id);
    }
    deps.tenants.touchToken(token.id, at.toISOString()).catch((error: unknown) => deps.onError?.(error, token.id));
  };
}
