import type { RequestHandler } from 'express';
import { scimErrors } from '../scim/errors';

/** Registered after a path's real handlers: any other method on a known path is 405 with `Allow`. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  return (req, _res, next) => next(scimErrors.methodNotAllowed(`${req.method} is not supported on this endpoint; use ${allowed.join(', ')}`, [...allowed]));
}
