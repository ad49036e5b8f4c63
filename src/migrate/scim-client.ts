// The HTTP side of `npm run migrate`: JSON requests to one SCIM server with its bearer token, retried where the server
// says a retry will do (429 and 503 with Retry-After, an Idempotency-Key still in progress, a connection that failed),
// and SCIM errors turned into one error type that names the server, the route and the server's `detail`. A write that
// must not happen twice carries an Idempotency-Key (README "Idempotency-Key"), the same on every attempt: a retry after
// a lost answer gets the first answer back instead of writing again.

/** A request that failed for good: the server's answer (or the connection's failure), worded for a person. */
export class ServerError extends Error {
  constructor(
    message: string,
    /** The HTTP status; undefined when no answer came (the server could not be reached, or the connection broke). */
    readonly status?: number,
    readonly scimType?: string,
    /** The server's own words (its SCIM error's `detail`). */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

export interface ScimClient {
  /** The server's base URL, for messages (never the token). */
  readonly base: string;
  request(method: 'GET' | 'POST', path: string, options?: RequestOptions): Promise<unknown>;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string>>;
  /** Sent as Idempotency-Key, the same on every attempt. */
  readonly idempotencyKey?: string;
  /** False: one attempt only (a first contact, where an unreachable server should be said at once). */
  readonly retry?: boolean;
}

export interface ScimClientOptions {
  readonly fetch?: typeof fetch;
  /** Waits between attempts; tests make it instant. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly attempts?: number;
}

const RETRIED = new Set([429, 502, 503, 504]);
const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After in seconds (RFC 9110 §10.2.3), bounded; else an exponential pause. */
function pauseBefore(attempt: number, retryAfter: string | null): number {
  const seconds = retryAfter !== null && /^\d{1,4}$/.test(retryAfter) ? Number(retryAfter) : undefined;
  return Math.min(seconds !== undefined ? seconds * 1000 : 250 * 2 ** attempt, 30_000);
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a TLS error) is its cause. */
function connectionFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

export function createScimClient(base: string, token: string, options: ScimClientOptions = {}): ScimClient {
  const root = base.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? sleepFor;
  const attempts = options.attempts ?? 6;

  return {
    base: root,
    async request(method, path, { body, query, idempotencyKey, retry = true } = {}) {
      const url = `${root}${path}${query && Object.keys(query).length > 0 ? `?${new URLSearchParams(query)}` : ''}`;
      const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/scim+json' };
      if (body !== undefined) headers['Content-Type'] = 'application/scim+json';
      if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
      for (let attempt = 0; ; attempt++) {
        const last = !retry || attempt + 1 >= attempts;
        let response: Response;
        try {
          response = await doFetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        } catch (error) {
          if (last) throw new ServerError(`${method} ${root}${path}: the server could not be reached (${connectionFailure(error)})`);
          await sleep(pauseBefore(attempt, null));
          continue;
        }
        const text = await response.text();
        if (response.ok) return text === '' ? undefined : JSON.parse(text);
        // 409 with Retry-After: the first attempt of this Idempotency-Key is still running on the server.
        const inProgress = response.status === 409 && idempotencyKey !== undefined && response.headers.has('retry-after');
        if (!last && (RETRIED.has(response.status) || inProgress)) {
          await sleep(pauseBefore(attempt, response.headers.get('retry-after')));
          continue;
        }
        let detail = text.slice(0, 500);
        let scimType: string | undefined;
        try {
          const parsed = JSON.parse(text) as { detail?: unknown; scimType?: unknown };
          if (typeof parsed.detail === 'string') detail = parsed.detail;
          if (typeof parsed.scimType === 'string') scimType = parsed.scimType;
        } catch {
          // Not JSON (a proxy's page): its start is the best detail there is.
        }
        throw new ServerError(`${method} ${root}${path} answered ${response.status}: ${detail}`, response.status, scimType, detail);
      }
    },
  };
}
