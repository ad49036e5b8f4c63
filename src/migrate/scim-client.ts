// The HTTP side of `npm run migrate`: JSON requests to one SCIM server with its bearer token, retried where the server
// says a retry will do (429 and 503 with Retry-After, an Idempotency-Key still in progress, a connection that failed),
// and SCIM errors turned into one error type that names the server, the route and the server's `detail`.

/** A request that failed for good: the server's answer (or the connection's failure), worded for a person. */
export class ServerError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly scimType?: string,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

export interface ScimClient {
  /** The server's base URL, for messages (never the token). */
  readonly base: string;
  request(method: 'GET' | 'POST', path: string, options?: { body?: unknown; query?: Readonly<Record<string, string>> }): Promise<unknown>;
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

export function createScimClient(base: string, token: string, options: ScimClientOptions = {}): ScimClient {
  const root = base.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? sleepFor;
  const attempts = options.attempts ?? 6;

  return {
    base: root,
    async request(method, path, { body, query } = {}) {
      const url = `${root}${path}${query && Object.keys(query).length > 0 ? `?${new URLSearchParams(query)}` : ''}`;
      for (let attempt = 0; ; attempt++) {
        const last = attempt + 1 >= attempts;
        let response: Response;
        try {
          response = await doFetch(url, {
            method,
            headers: { Authorization: `Bearer ${token}`, Accept: 'application/scim+json', ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }) },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
        } catch (error) {
          if (last) throw new ServerError(`${method} ${root}${path}: the server could not be reached (${(error as Error).message})`);
          await sleep(pauseBefore(attempt, null));
          continue;
        }
        const text = await response.text();
        if (response.ok) return text === '' ? undefined : JSON.parse(text);
        if (!last && RETRIED.has(response.status)) {
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
        throw new ServerError(`${method} ${root}${path} answered ${response.status}: ${detail}`, response.status, scimType);
      }
    },
  };
}
