// The audit trail's route resolution (src/http/audit-routes.ts): routes bucketed by method and by the path's first
// segment under the base path give the same answer as trying every route in order, for every documented route and for
// paths that are no route; a template with a parameter before its bucket's end is tried for every path.
import { auditRoutes } from '../../../src/http/audit-routes';
import { fullPath } from '../../../src/http/openapi/openapi-document';
import { audited, type RouteDoc } from '../../../src/http/openapi/route-doc';
import { routeDocs } from '../../../src/http/openapi/route-docs';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { withProductTypes } from '../../../src/scim/schema/product-registry';

const BASE = '/scim/v2';

const doc = (method: RouteDoc['method'], path: string, mount: RouteDoc['mount'], resource: string): RouteDoc => ({
  method,
  path,
  mount,
  summary: path,
  tag: 't',
  auth: 'bearer',
  responses: {},
  audit: audited(resource, 'RETRIEVE'),
});

/** The plain scan the buckets replace: every audited route of the method, literal segments first, first match wins. */
function scan(docs: readonly RouteDoc[], method: string, path: string): { template: string; param?: string } | undefined {
  const candidates = docs
    .filter((entry) => entry.audit !== null && entry.method.toUpperCase() === (method === 'HEAD' ? 'GET' : method))
    .map((entry) => ({ template: fullPath(entry, BASE), parameters: (fullPath(entry, BASE).match(/[:*][A-Za-z_]/g) ?? []).length }))
    .sort((a, b) => a.parameters - b.parameters);
  for (const { template } of candidates) {
    const source = template
      .split(/([:*][A-Za-z_][A-Za-z0-9_]*)/)
      .map((part) => (part.startsWith(':') ? '([^/]+)' : part.startsWith('*') ? '(.*)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    const match = new RegExp(`^${source}/?$`, 'i').exec(path);
    if (!match) continue;
    if (match[1] === undefined) return { template };
    try {
      return { template, param: decodeURIComponent(match[1]) };
    } catch {
      return { template };
    }
  }
  return undefined;
}

const resolved = (routes: ReturnType<typeof auditRoutes>, method: string, path: string) => {
  const route = routes.resolve(method, path);
  return route && { template: route.template, ...(route.param === undefined ? {} : { param: route.param }) };
};

describe('audit route resolution', () => {
  const docs = routeDocs(withProductTypes(loadBuiltinRegistry()));
  const routes = auditRoutes(docs, BASE);

  it('answers as a scan of every route would, for each documented route and its variants', () => {
    const asked: string[][] = [];
    for (const entry of docs.filter((candidate) => candidate.audit !== null)) {
      const template = fullPath(entry, BASE);
      const method = entry.method.toUpperCase();
      for (const value of ['2819c223-7f76-453a-919d-413861904646', 'a%2Fb%20c', '%E0%A4%A', '.search', 'x']) {
        const path = template.replace(/[:*][A-Za-z_]\w*/g, value);
        asked.push([method, path], [method, `${path}/`], [method, path.toUpperCase()], [method, path.toLowerCase()]);
      }
      if (method === 'GET') asked.push(['HEAD', template.replace(/[:*][A-Za-z_]\w*/g, 'x')]);
    }
    asked.push(['GET', '/nowhere'], ['GET', `${BASE}/Nowhere/x`], ['DELETE', `${BASE}/ServiceProviderConfig`], ['GET', ''], ['GET', '/'], ['OPTIONS', `${BASE}/Users`]);
    expect(asked.length).toBeGreaterThan(1000);
    const differences = asked
      .map(([method, path]) => ({ method, path, bucketed: resolved(routes, method, path), scanned: scan(docs, method, path) }))
      .filter((row) => JSON.stringify(row.bucketed) !== JSON.stringify(row.scanned));
    expect(differences).toEqual([]);
  });

  it('resolves a get-by-id with its id, decoded only when it holds an escape', () => {
    expect(resolved(routes, 'GET', `${BASE}/Users/2819c223-7f76-453a-919d-413861904646`)).toEqual({ template: `${BASE}/Users/:id`, param: '2819c223-7f76-453a-919d-413861904646' });
    expect(resolved(routes, 'GET', `${BASE}/users/a%2Fb`)).toEqual({ template: `${BASE}/Users/:id`, param: 'a/b' });
    expect(resolved(routes, 'GET', `${BASE}/Users/%E0%A4%A`)).toEqual({ template: `${BASE}/Users/:id` });
  });

  it('tries a template with a parameter before its bucket’s end for every path, after the literal ones', () => {
    const synthetic = [
      doc('get', '/Users/:id', 'scim', 'USER'),
      doc('get', '/:resource/:id', 'scim', 'ANY'),
      doc('get', '/:resource/:id/members', 'scim', 'MEMBERS'),
      doc('get', '/:anything', 'root', 'ROOT'),
      doc('get', '/health', 'root', 'HEALTH'),
    ];
    const own = auditRoutes(synthetic, BASE);
    const paths = [`${BASE}/Users/u1`, `${BASE}/Groups/g1`, `${BASE}/groups/g1/`, '/health', '/metrics', '/Health/', `${BASE}`, `${BASE}/Users`, '/a/b/c', `${BASE}/Users/u1/members`];
    expect(paths.map((path) => resolved(own, 'GET', path))).toEqual(paths.map((path) => scan(synthetic, 'GET', path)));
    expect(resolved(own, 'GET', `${BASE}/Groups/g1`)).toEqual({ template: `${BASE}/:resource/:id`, param: 'Groups' });
    expect(resolved(own, 'GET', '/metrics')).toEqual({ template: '/:anything', param: 'metrics' });
    // In the bucket of /Users/:id, and yet only a template with a parameter there matches.
    expect(resolved(own, 'GET', `${BASE}/Users/u1/members`)).toEqual({ template: `${BASE}/:resource/:id/members`, param: 'Users' });
  });
});
