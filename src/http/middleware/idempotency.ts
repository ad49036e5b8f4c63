// The Idempotency-Key middleware (README "Idempotency-Key"): a route opts in with one line, after its body parser and
// scope check, e.g. `router.post('/', requireScope(Scope.write), deps.idempotent, handler)`. Without the header it
// does nothing. With it, a retry of a request that answered gets the recorded answer (status, Content-Type, Location,
// ETag, body) and `Idempotent-Replayed: true`, and the handler does not run; the first request runs, and its answer
// is recorded BEFORE it is sent, so that a client that saw an answer always gets it back on a retry. A 5xx answer is
// not kept (the key is released and a retry runs again): it says the server failed, not what the request did.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Idempotency, RecordedResponse } from '../../idempotency/idempotency-service';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
const REPLAYED_HEADERS = ['content-type', 'location', 'etag'] as const;

export type IdempotencyOutcome = 'executed' | 'replayed';

/** For a router built without idempotency (a test's): the header is ignored. */
export const ignoreIdempotencyKey: RequestHandler = (_req, _res, next) => next();

export interface IdempotentDeps {
  readonly idempotency: Idempotency;
  /** Told how each request with a key went (the metrics count it). */
  readonly onOutcome?: (outcome: IdempotencyOutcome) => void;
}

export function idempotent(deps: IdempotentDeps): RequestHandler {
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
