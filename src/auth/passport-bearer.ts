// The HTTP edge of authentication: passport + passport-http-bearer around the token verifier, and the scope
// check. Every failure goes to next() as a ScimError, so the error middleware writes the RFC 7644 §3.12 body
// (401 with `WWW-Authenticate: Bearer realm="scim"`, RFC 6750 §3) instead of passport's plain-text 401.
import { Passport } from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { storeErrorToScim } from '../resources/store-errors';
import { scimErrors } from '../scim/errors';
import './request-auth';
import { hasScope, type Scope } from './scopes';
import type { AuthContext, TokenVerifier } from './verify-token';

const STRATEGY = 'bearer';

export const AuthFailure = {
  missing: 'Authentication required: send the header Authorization: Bearer <token>',
  malformed: 'The Authorization header must be "Bearer <token>", and the token must be sent in exactly one place (RFC 6750 §2)',
  invalid: 'The bearer token is not valid: it is unknown, malformed or revoked',
} as const;

export function createBearerAuthenticator(verify: TokenVerifier): RequestHandler {
  // A private passport instance: no process-global strategy table shared with anything else in the process.
  const passport = new Passport();
  passport.use(
    STRATEGY,
    new BearerStrategy((token, done) => {
      verify(token).then(
        (context) => done(null, context ?? false),
        (error: unknown) => done(error),
      );
    }),
  );

  return (req: Request, res: Response, next: NextFunction) => {
    // Only the header is accepted. passport-http-bearer would also take `access_token` from the query string or
    // body (RFC 6750 §2.2–2.3); a token in a URL ends up in access logs, so a request without the header is
    // refused here before the strategy runs (and one with both is refused by the strategy).
    if (!req.headers.authorization) {
      next(scimErrors.unauthorized(AuthFailure.missing));
      return;
    }
    const authenticate = passport.authenticate(
      STRATEGY,
      { session: false },
      (error: unknown, user: Express.User | false | null, _challenge: unknown, status: number | undefined) => {
        if (error) {
          next(storeErrorToScim(error, 'Token'));
          return;
        }
        if (!user) {
          // The strategy fails with status 400 for a malformed header and with a challenge otherwise; both are a
          // 401 here, as RFC 7644 §3.12 lists 401 for any request lacking valid authorization.
          const bearerPresented = /^Bearer \S+$/i.test(req.headers.authorization ?? '');
          next(scimErrors.unauthorized(status === 400 || !bearerPresented ? AuthFailure.malformed : AuthFailure.invalid));
          return;
        }
        // The only strategy registered on this instance yields AuthContext values.
        req.auth = user as AuthContext;
        next();
      },
    ) as RequestHandler;
    authenticate(req, res, next);
  };
}

/** 403 unless the verified token carries `scope` (see scopes.ts for the rule); 401 if nobody was verified. */
export function requireScope(scope: Scope): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.auth) {
      next(scimErrors.unauthorized(AuthFailure.missing));
      return;
    }
    if (!hasScope(req.auth.actor, scope)) {
      next(scimErrors.forbidden(`This token does not carry the '${scope}' scope needed for ${req.method} requests here`));
      return;
    }
    next();
  };
}
