// Which route a request is for, as the audit trail needs to know it: its declared events (route-docs.ts) and the
// value of its path parameter. Resolved from the method and path against every documented route, not from Express's
// matched route, because an operation can fail before Express matches it (a body that is not JSON is refused by the
// body parser in front of the routers), and its FAIL event must still be recorded.
import { fullPath } from './openapi/openapi-document';
import type { RouteAudit, RouteDoc } from './openapi/route-docs';

export interface ResolvedRoute {
  readonly audit: RouteAudit;
  /** The route template, e.g. `/scim/v2/Users/:id`. */
  readonly template: string;
  /** The value of the route's path parameter (an id, a name, a URN), decoded, when it has one. */
  readonly param?: string;
}

interface Entry {
  readonly method: string;
  readonly template: string;
  readonly audit: RouteAudit;
  readonly pattern: RegExp;
  readonly parameters: number;
  /** The template's text before its first parameter, lower-cased: a path that does not start with it cannot match. */
  readonly prefix: string;
}

export interface AuditRoutes {
  resolve(method: string, path: string): ResolvedRoute | undefined;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `/scim/v2/Users/:id` -> /^\/scim\/v2\/Users\/([^/]+)\/?$/i; `*rest` takes the rest of the path. */
function patternOf(template: string): { pattern: RegExp; parameters: number } {
  let parameters = 0;
  const source = template
    .split(/([:*][A-Za-z_][A-Za-z0-9_]*)/)
    .map((part) => {
      if (part.startsWith(':')) {
        parameters += 1;
        return '([^/]+)';
      }
      if (part.startsWith('*')) {
        parameters += 1;
        return '(.*)';
      }
      return escape(part);
    })
    .join('');
  // Express routes match case-insensitively and with an optional trailing slash (README "Tolerances": `/users`).
  return { pattern: new RegExp(`^${source}/?$`, 'i'), parameters };
}

function decode(value: string): string | undefined {
  // Most ids have nothing to decode, and decodeURIComponent() cost more than the rest of a resolution.
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * The lower-cased path up to the end of its segment after `depth` slashes (`/scim/v2/Users/x`, depth 3: `/scim/v2/users`),
 * or the whole path when it is shorter, without the trailing slash a route also matches: for a route template, the
 * bucket its requests look in.
 */
function bucketKey(path: string, depth: number): string {
  const end = path.length > 1 && path.endsWith('/') ? path.length - 1 : path.length;
  let at = 0;
  for (let slash = 0; slash <= depth; slash++) {
    at = path.indexOf('/', slash === 0 ? 0 : at + 1);
    if (at < 0 || at >= end) return path.slice(0, end).toLowerCase();
  }
  return path.slice(0, at).toLowerCase();
}

/** The routes a request may be for, by method and bucket, each list in resolution order. */
interface Candidates {
  readonly byBucket: ReadonlyMap<string, readonly Entry[]>;
  /** For a bucket no template names literally: the templates with a parameter before their bucket's end. */
  readonly anyBucket: readonly Entry[];
}

export function auditRoutes(docs: readonly RouteDoc[], basePath: string): AuditRoutes {
  const entries: Entry[] = docs
    .filter((doc): doc is RouteDoc & { audit: RouteAudit } => doc.audit !== null)
    .map((doc) => {
      const template = fullPath(doc, basePath);
      return { method: doc.method.toUpperCase(), template, audit: doc.audit, prefix: template.split(/[:*]/, 1)[0].toLowerCase(), ...patternOf(template) };
    })
    // A literal segment wins over a parameter (`/Users/.search` before `/Users/:id`), as the routers are ordered.
    .sort((a, b) => a.parameters - b.parameters);
  // Every request asks, and a scan of the ~90 routes cost a get-by-id some 3 µs: the routes are bucketed by method and
  // by the path's first segment under the base path (`/scim/v2/users`), so a request tries the few of its resource.
  const depth = basePath.split('/').filter(Boolean).length + 1;
  const literal = (entry: Entry) => {
    const key = bucketKey(entry.template, depth);
    return /[:*]/.test(key) ? undefined : key;
  };
  const candidates = new Map<string, Candidates>();
  for (const method of new Set(entries.map((entry) => entry.method))) {
    const ofMethod = entries.filter((entry) => entry.method === method);
    const anyBucket = ofMethod.filter((entry) => literal(entry) === undefined);
    const keys = new Set(ofMethod.map(literal).filter((key): key is string => key !== undefined));
    const byBucket = new Map([...keys].map((key) => [key, ofMethod.filter((entry) => literal(entry) === undefined || literal(entry) === key)] as const));
    candidates.set(method, { byBucket, anyBucket });
  }
  return {
    resolve(method, path) {
      // HEAD is answered by the GET route.
      const ofMethod = candidates.get(method === 'HEAD' ? 'GET' : method);
      if (!ofMethod) return undefined;
      const lowered = path.toLowerCase();
      for (const entry of ofMethod.byBucket.get(bucketKey(path, depth)) ?? ofMethod.anyBucket) {
        if (!lowered.startsWith(entry.prefix)) continue;
        const match = entry.pattern.exec(path);
        if (!match) continue;
        const param = match[1] === undefined ? undefined : decode(match[1]);
        return param === undefined ? { audit: entry.audit, template: entry.template } : { audit: entry.audit, template: entry.template, param };
      }
      return undefined;
    },
  };
}
