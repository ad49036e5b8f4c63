// RFC 7644 §3.13: "When specified by the client, the service provider MUST perform the operation using the desired
// version or reject the request." The version is the path segment before the resource endpoint (`/scim/v2/Users`).
// This server speaks the version its base path ends in; a request for another one (`/scim/v1/Users`) is refused with
// 400 invalidVers instead of a 404 that would look like a wrong endpoint.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { scimErrors } from '../scim/errors';

const VERSION = /^v\d+(?:\.\d+)*$/i;

/** A handler for the base path's siblings, or undefined when the base path names no version (nothing to compare). */
export function unsupportedVersions(basePath: string): RequestHandler | undefined {
  const match = /^(.*)\/(v\d+)$/i.exec(basePath);
  if (!match) return undefined;
  const [, root, served] = match;
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.path.toLowerCase().startsWith(`${root.toLowerCase()}/`)) return next();
    const segment = req.path.slice(root.length + 1).split('/', 1)[0];
    if (!VERSION.test(segment) || segment.toLowerCase() === served.toLowerCase()) return next();
    throw scimErrors.invalidVersion(
      `SCIM protocol version '${segment}' is not supported: this server speaks SCIM 2.0 at ${basePath} (RFC 7644 §3.13)`,
    );
  };
}
