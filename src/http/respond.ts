// Every SCIM response goes out through here: RFC 7644 §3.1 media type, JSON body.
import type { Response } from 'express';

export const SCIM_MEDIA_TYPE = 'application/scim+json; charset=utf-8';

/**
 * Sent on every response (app.ts sets them first thing; http-server.ts on Node's own error answers). Resources,
 * lists and error details carry personal data: no cache, proxy or browser may keep a copy (`no-store`), and no
 * browser may read a JSON body as HTML or script (`nosniff`).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
});

export function sendScim(res: Response, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(status);
  if (body === undefined) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', SCIM_MEDIA_TYPE);
  res.end(JSON.stringify(body));
}
