// The Idempotency-Key middleware (README "Idempotency-Key"). A POST route opts in with one line: `retrySafe` in its
// handler list, after the body parser and the scope check, e.g.
//   router.post('/', requireScope(Scope.write), retrySafe, handler)
// The app installs the handling once (installIdempotency in src/app.ts); a router needs no extra dependency for it.
// Without the header it does nothing. With it, a retry of a request that answered gets the recorded answer (status,
// Content-Type, Location, ETag, body) and `Idempotent-Replayed: true`, and the handler does not run; the first request
// runs, and its answer is recorded BEFORE it is sent, so that a client that saw an answer always gets it back on a
// retry. A 5xx answer is not kept (the key is released and a retry runs again): it says the server failed, not what
// the request did.
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Idempotency, RecordedResponse } from '../../idempotency/idempotency-service';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
const REPLAYED_HEADERS = ['content-type', 'location', 'etag'] as const;

export type IdempotencyOutcome = 'executed' | 'replayed';

/** Where installIdempotency keeps the app's handler (app.locals, like the SCIM base path). */
const INSTALLED = 'idempotencyKeyHandler';

export interface IdempotentDeps {
  readonly idempotency: Idempotency;
  /** Told how each request with a key went (the metrics count it). */
  readonly onOutcome?: (outcome: IdempotencyOutcome) => void;
}

/** Makes `retrySafe` routes of this app retry-safe (called once, by buildApp). */
export function installIdempotency(app: Express, deps: IdempotentDeps): void {
  app.locals[INSTALLED] = idempotent(deps);
}

/**
 * The one-line opt-in of a POST route. In an app without installIdempotency (a router mounted alone in a test) the
 * header is ignored.
 */
export const retrySafe: RequestHandler = (req, res, next) => {
  const handler = req.app.locals[INSTALLED] as RequestHandler | undefined;
  if (handler) handler(req, res, next);
  else next();
};

function idempotent(deps: IdempotentDeps): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const key = req.get(IDEMPOTENCY_HEADER);
    if (key === undefined || !req.auth) {
      next();
      return;
    }
    deps.idempotency
      .start({ tenantId: req.auth.tenant.id, tokenId: req.auth.actor.tokenId, key, method: req.method, url: req.originalUrl, body: req.body })
      .then((started) => {
        if (started.kind === 'replay') {
          deps.onOutcome?.('replayed');
          replay(res, started.response);
          return;
        }
        deps.onOutcome?.('executed');
        recordBeforeSending(req, res, started.finish);
        next();
      }, next);
  };
}

function replay(res: Response, response: RecordedResponse): void {
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader(REPLAYED_HEADER, 'true');
  res.status(response.status).end(response.body);
}

/** Holds the response's end until its recording is stored (or failed: the client still gets its answer). */
function recordBeforeSending(req: Request, res: Response, finish: (response: RecordedResponse | null) => Promise<void>): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  let ended = false;
  res.end = ((...args: unknown[]) => {
    if (ended) return res;
    ended = true;
    const [chunk] = args;
    const body = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = res.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    const recorded = res.statusCode >= 500 ? null : { status: res.statusCode, headers, body };
    finish(recorded)
      .catch((error: unknown) => req.log.warn({ err: error }, 'could not record the answer of a request with an Idempotency-Key; a retry will run it again'))
      .finally(() => end(...args));
    return res;
  }) as Response['end'];
}
