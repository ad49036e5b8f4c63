// Which rate limits a request meets (README "Rate limits"): per token and per tenant on every authenticated SCIM
// request, and per client address on failed bearer-token authentications. Rates are configured per second (the
// unit Microsoft states its provisioning requirement in: at least 25 requests per second per tenant) and counted over
// fixed windows of SCIM_RATE_LIMIT_WINDOW seconds, so that a burst within a window is fine as long as the window's
// total is. A tenant may have its own per-token and per-tenant rates (tenant settings rateLimit.*).
import type { TenantSettings } from '../settings/tenant-settings';
import type { LimitCheck } from './rate-limiter';

export interface RateLimitConfig {
  /** Requests per second per token; 0: no limit. */
  readonly perTokenPerSecond: number;
  /** Requests per second per tenant (all its tokens together); 0: no limit. */
  readonly perTenantPerSecond: number;
  readonly windowSeconds: number;
  /** Failed bearer-token authentications per client address per minute; 0: no limit. */
  readonly authFailuresPerMinute: number;
}

export const AUTH_FAILURE_WINDOW_MS = 60_000;

export type LimitName = 'token' | 'tenant' | 'address';

/** The limit a check belongs to, from its key (for the 429's detail and the metrics). */
export function limitNameOf(check: LimitCheck): LimitName {
  if (check.key.startsWith('token:')) return 'token';
  if (check.key.startsWith('tenant:')) return 'tenant';
  return 'address';
}

type RateSettings = Pick<TenantSettings, 'rateLimit.perTokenPerSecond' | 'rateLimit.perTenantPerSecond'>;

/** The checks of an authenticated request, token first (a token over its own limit does not count for its tenant). */
export function requestChecks(config: RateLimitConfig, settings: RateSettings, caller: { readonly tenantId: string; readonly tokenId: string | null }): LimitCheck[] {
  const windowMs = config.windowSeconds * 1000;
  const perWindow = (perSecond: number) => perSecond * config.windowSeconds;
  const checks: LimitCheck[] = [];
  if (caller.tokenId !== null) {
    checks.push({ key: `token:${caller.tokenId}`, limit: perWindow(settings['rateLimit.perTokenPerSecond'] ?? config.perTokenPerSecond), windowMs });
  }
  checks.push({ key: `tenant:${caller.tenantId}`, limit: perWindow(settings['rateLimit.perTenantPerSecond'] ?? config.perTenantPerSecond), windowMs });
  return checks;
}

/** The check of failed authentications from one client address. */
export function authFailureCheck(config: Pick<RateLimitConfig, 'authFailuresPerMinute'>, address: string): LimitCheck {
  return { key: `auth-failures:${address}`, limit: config.authFailuresPerMinute, windowMs: AUTH_FAILURE_WINDOW_MS };
}
