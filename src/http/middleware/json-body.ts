// Reads a JSON request body (RFC 7644 §3.1: application/scim+json, and plain application/json), with a size limit
// enforced while it is read and a nesting limit checked before anything else sees it. SCIM bodies nest a few levels
// (a BulkRequest's operation data, an extension, a complex value: about 7); the code that walks them (PATCH values,
// projection, comparison) recurses, so that a value nested thousands deep would exhaust the stack and answer 500.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { scimErrors } from '../../scim/errors';

export const JSON_MEDIA_TYPES = ['application/scim+json', 'application/json', 'application/*+json'];

/** Deepest nesting of objects and arrays accepted in a request body (README "Errors"). */
export const MAX_JSON_DEPTH = 32;

export interface JsonBodyOptions {
  /** Largest body in bytes. */
  readonly limit: number;
  /** The error answered when the body is over the limit (default: body-parser's, mapped by the error handler). */
  readonly tooLarge?: () => Error;
}

export function jsonBody(options: JsonBodyOptions): RequestHandler {
  const parse = express.json({ limit: options.limit, type: JSON_MEDIA_TYPES });
  const { tooLarge } = options;
  return (req: Request, res: Response, next: NextFunction) => {
    parse(req, res, (error?: unknown) => {
      if (error !== undefined) {
        next(tooLarge && (error as { type?: string }).type === 'entity.too.large' ? tooLarge() : error);
        return;
      }
      if (depthOf(req.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
        next(scimErrors.invalidSyntax(`The request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep`));
        return;
      }
      next();
    });
  };
}

/** The nesting depth of a parsed JSON value (a scalar is 0), counted without recursion and only up to `stopAbove` + 1. */
export function depthOf(value: unknown, stopAbove: number): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    const inside = depth + 1;
    if (inside > deepest) deepest = inside;
    if (deepest > stopAbove) return deepest;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) pending.push([child, inside]);
    }
  }
  return deepest;
}
