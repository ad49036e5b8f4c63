// Rate limits at the HTTP edge (README "Rate limits"): 429 Too Many Requests with Retry-After (RFC 6585 §4, which
// Entra ID and Okta honour by pausing) and a SCIM error body. Three uses:
//   - limitRequests: per token and per tenant, after authentication, before any body is read;
//   - guardAuthentication: per client address, around the bearer authenticator: failed tokens are counted, and an
//     address past its limit is refused before its token is looked at (a guard against guessing tokens);
//   - limitByAddress: per client address on a route that needs no token; one line on the route, with the limiter the
//     app installed once (installRateLimiter in src/app.ts).
// The client address is req.ip, which follows SCIM_TRUST_PROXY.
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { authFailureCheck, limitNameOf, requestChecks, type LimitName, type RateLimitConfig } from '../../limits/request-limits';
import type { LimitCheck, RateLimiter, RateLimitVerdict } from '../../limits/rate-limiter';
import { isScimError, scimErrors, type ScimError } from '../../scim/errors';
import type { TenantSettings } from '../../settings/tenant-settings';

export interface RateLimitHooks {
  /** Told about every refusal (the metrics count them). */
  readonly onRefused?: (limit: LimitName | string) => void;
}

const per = (check: LimitCheck) => `${check.limit} requests per ${check.windowMs / 1000} seconds`;

function tooManyRequests(verdict: RateLimitVerdict, what: string): ScimError {
  const check = verdict.refusedBy!;
  return scimErrors.tooManyRequests(`Rate limit exceeded for ${what}: ${per(check)}. Retry after ${verdict.retryAfterSeconds} seconds.`, verdict.retryAfterSeconds);
}

const DESCRIBED: Record<LimitName, string> = {
  token: 'this token',
  tenant: 'this tenant (all its tokens together)',
  address: 'this client address, after too many failed authentications',
};

export interface RequestLimitsDeps extends RateLimitHooks {
  readonly limiter: RateLimiter;
  readonly config: RateLimitConfig;
  /** The tenant's own rates, if it has any (tenant settings). */
  readonly settingsOf: (tenantId: string) => Promise<Pick<TenantSettings, 'rateLimit.perTokenPerSecond' | 'rateLimit.perTenantPerSecond'>>;
}

/** Per token and per tenant; mount after the bearer authenticator. */
export function limitRequests(deps: RequestLimitsDeps): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const auth = req.auth;
    if (!auth) {
      next();
      return;
    }
    deps
      .settingsOf(auth.tenant.id)
      .then((settings) => deps.limiter.consume(requestChecks(deps.config, settings, { tenantId: auth.tenant.id, tokenId: auth.actor.tokenId })))
      .then((verdict) => {
        if (verdict.allowed) {
          next();
          return;
        }
        const name = limitNameOf(verdict.refusedBy!);
        deps.onRefused?.(name);
        next(tooManyRequests(verdict, DESCRIBED[name]));
      }, next);
  };
}

export interface AuthenticationGuardDeps extends RateLimitHooks {
  readonly limiter: RateLimiter;
  readonly config: Pick<RateLimitConfig, 'authFailuresPerMinute'>;
}

/**
 * The authenticator, guarded per client address: a request that presents a token which fails counts against its
 * address; once an address is past its limit, its requests are answered 429 until the window ends without their
 * token being looked at, valid tokens included (so that guessing cannot go on at a slower pace and still learn which
 * guesses were right). A request without an Authorization header presents nothing to guess and is not counted.
 */
export function guardAuthentication(authenticate: RequestHandler, deps: AuthenticationGuardDeps): RequestHandler {
  if (!(deps.config.authFailuresPerMinute > 0)) return authenticate;
  return (req: Request, res: Response, next: NextFunction) => {
    const address = req.ip;
    if (!address) {
      authenticate(req, res, next);
      return;
    }
    const check = authFailureCheck(deps.config, address);
    const known = deps.limiter.isOver(check);
    if (!known.allowed) {
      deps.onRefused?.('address');
      next(tooManyRequests(known, DESCRIBED.address));
      return;
    }
    authenticate(req, res, (error?: unknown) => {
      if (!(isScimError(error) && error.status === 401 && req.headers.authorization)) {
        next(error);
        return;
      }
      deps.limiter.consume([check]).then(
        (verdict) => {
          if (verdict.allowed) {
            next(error);
            return;
          }
          deps.onRefused?.('address');
          next(tooManyRequests(verdict, DESCRIBED.address));
        },
        () => next(error),
      );
    });
  };
}

/** Where installRateLimiter keeps the app's limiter and refusal hook (app.locals, like the SCIM base path). */
const INSTALLED = 'rateLimiter';

interface InstalledLimiter extends RateLimitHooks {
  readonly limiter: RateLimiter;
}

/** Makes the app's limiter (and its metrics hook) the one every limitByAddress route of the app counts with. */
export function installRateLimiter(app: Express, limiter: RateLimiter, hooks: RateLimitHooks = {}): void {
  const installed: InstalledLimiter = { limiter, ...hooks };
  app.locals[INSTALLED] = installed;
}

export interface AddressLimitOptions {
  /** Names the limit in counter keys and metrics, e.g. `invitation-accept`. */
  readonly name: string;
  /** Most requests per client address per window; 0: no limit. */
  readonly limit: number;
  readonly windowSeconds: number;
}

/**
 * Per client address, for a route that needs no token (e.g. POST /Invitations/accept), in one line:
 * `router.post('/Invitations/accept', limitByAddress({ name: 'invitation-accept', limit: 20, windowSeconds: 60 }), handler)`.
 * It counts with the limiter the app installed, so that every instance on the store shares the counts; in an app
 * without one it fails the request (a guard that silently did nothing would be worse).
 */
export function limitByAddress(options: AddressLimitOptions): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const installed = req.app.locals[INSTALLED] as InstalledLimiter | undefined;
    if (!installed) {
      next(new Error(`limitByAddress(${options.name}): the app has no rate limiter; call installRateLimiter when building it`));
      return;
    }
    const address = req.ip;
    if (!address || !(options.limit > 0)) {
      next();
      return;
    }
    installed.limiter.consume([{ key: `${options.name}:${address}`, limit: options.limit, windowMs: options.windowSeconds * 1000 }]).then((verdict) => {
      if (verdict.allowed) {
        next();
        return;
      }
      installed.onRefused?.(options.name);
      next(tooManyRequests(verdict, 'this client address'));
    }, next);
  };
}
