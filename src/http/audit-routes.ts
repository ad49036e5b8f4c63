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
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
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
  return {
    resolve(method, path) {
      // HEAD is answered by the GET route.
      const wanted = method === 'HEAD' ? 'GET' : method;
      // Every request asks, so the cheap test comes first: most routes are ruled out by their literal prefix.
      const lowered = path.toLowerCase();
      for (const entry of entries) {
        if (entry.method !== wanted || !lowered.startsWith(entry.prefix)) continue;
        const match = entry.pattern.exec(path);
        if (!match) continue;
        const param = match[1] === undefined ? undefined : decode(match[1]);
        return { audit: entry.audit, template: entry.template, ...(param === undefined ? {} : { param }) };
      }
      return undefined;
    },
  };
}
