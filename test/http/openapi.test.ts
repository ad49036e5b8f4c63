// The OpenAPI document (/openapi.json) against the app itself: every route Express serves is documented and every
// documented route is served (so a new route cannot ship without its entry in src/http/openapi/route-docs.ts),
// each documented route logs its own template, the component schemas are valid JSON Schema 2020-12, and real
// responses validate against the schemas the document gives them.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import request from 'supertest';
import { fullPath, openApiPath } from '../../src/http/openapi/openapi-document';
import { routeDocs } from '../../src/http/openapi/route-docs';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { Scope } from '../../src/auth/scopes';
import { servedRoutes } from '../helpers/served-routes';
import { capturingLogger, createTestApp, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const ROUTE_DOCS_FILE = 'src/http/openapi/route-docs.ts';

let t: TestApp;
let tenant: TestTenant;
let log: ReturnType<typeof capturingLogger>;
let document: { paths: Record<string, Record<string, { security: unknown[] }>>; components: { schemas: Record<string, unknown> } };
beforeAll(async () => {
  log = capturingLogger('debug'); // health probes log at debug level
  t = await createTestApp({}, { logger: log.logger });
  tenant = await t.tenant();
  const res = await request(t.app).get('/openapi.json').set(tenant.auth);
  expect(res.status).toBe(200);
  document = res.body;
});
afterAll(() => t.close());

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with the package version', () => {
    expect(document).toMatchObject({ openapi: '3.1.0', info: { version: require('../../package.json').version } });
  });

  it('documents every route the app serves', () => {
    const served = servedRoutes(t.express);
    expect(served.length).toBeGreaterThan(30);
    const missing = served
      .filter(({ method, path }) => {
        const operations = document.paths[openApiPath(path)];
        return method === 'all' ? operations === undefined : operations?.[method] === undefined;
      })
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect({ missing, hint: `describe each in ${ROUTE_DOCS_FILE}` }).toEqual({ missing: [], hint: expect.any(String) });
  });

  it('documents no route the app does not serve', () => {
    const served = servedRoutes(t.express);
    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => ({ method, path })));
    const unserved = documented
      .filter(({ method, path }) => !served.some((route) => openApiPath(route.path) === path && (route.method === method || route.method === 'all')))
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(unserved).toEqual([]);
  });

  it('each documented route logs its own route template', async () => {
    const values: Record<string, string> = { id: 'some-id', name: 'User', urn: 'urn:ietf:params:scim:schemas:core:2.0:User', rest: 'anything' };
    for (const route of routeDocs(loadBuiltinRegistry())) {
      const template = fullPath(route, SCIM);
      const path = template.replace(/[:*]([A-Za-z_]\w*)/g, (_m, name: string) => encodeURIComponent(values[name]));
      log.clear();
      let call = request(t.app)[route.method](path).set(tenant.auth);
      if (route.method !== 'get' && route.method !== 'delete') call = call.set('Content-Type', 'application/scim+json').send({});
      await call;
      // The line is written when the response has been handed to the socket, which may be just after the client has it.
      for (let wait = 0; wait < 50 && !log.lines.some((entry) => entry.msg === 'request'); wait++) await new Promise((resolve) => setTimeout(resolve, 2));
      const line = log.lines.find((entry) => entry.msg === 'request');
      expect({ route: `${route.method} ${template}`, logged: line?.route }).toEqual({ route: `${route.method} ${template}`, logged: template });
    }
  });

  it('has component schemas that are valid JSON Schema 2020-12, and answers that match them', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'openapi', components: document.components }, 'openapi');
    for (const name of Object.keys(document.components.schemas)) expect(() => ajv.getSchema(`openapi#/components/schemas/${name}`)).not.toThrow();
    const check = (name: string, body: unknown) => {
      const validate = ajv.getSchema(`openapi#/components/schemas/${name}`)!;
      expect({ name, valid: validate(body), errors: validate.errors ?? null }).toEqual({ name, valid: true, errors: null });
    };

    const created = await request(t.app)
      .post(`${SCIM}/Users`)
      .set(tenant.auth)
      .send(user('bjensen@example.com', { name: { givenName: 'Barbara' }, emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }], 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Tours' } }));
    check('User', created.body);
    const group = await request(t.app).post(`${SCIM}/Groups`).set(tenant.auth).send({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Tour Guides', members: [{ value: created.body.id }] });
    check('Group', group.body);
    check('ListResponse', (await request(t.app).get(`${SCIM}/Users`).set(tenant.auth)).body);
    check('ServiceProviderConfig', (await request(t.app).get(`${SCIM}/ServiceProviderConfig`).set(tenant.auth)).body);
    check('ResourceType', (await request(t.app).get(`${SCIM}/ResourceTypes/User`).set(tenant.auth)).body);
    check('Schema', (await request(t.app).get(`${SCIM}/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group`).set(tenant.auth)).body);
    check('Error', (await request(t.app).get(`${SCIM}/Users/nope`).set(tenant.auth)).body);
    check('Status', (await request(t.app).get('/ready')).body);
    // The account lifecycle's answers: the user after an action, a refusal naming the state, the credential check.
    const locked = await request(t.app).post(`${SCIM}/Users/${created.body.id}/lock`).set(tenant.auth).send({ reason: 'Audit' });
    check('User', locked.body);
    check('Error', (await request(t.app).post(`${SCIM}/Users/${created.body.id}/enable`).set(tenant.auth).send({})).body);
    check('ListResponse', (await request(t.app).get(`${SCIM}/Users/${created.body.id}/sign-ins`).set(tenant.auth)).body);
    await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('signs-in@example.com', { password: 'Secret-Passw0rd!' }));
    const checker = { Authorization: `Bearer ${await t.tokenFor(tenant.tenant, [Scope.credentials])}` };
    const verified = await request(t.app).post(`${SCIM}/Users/.verify-credentials`).set(checker).send({ userName: 'signs-in@example.com', password: 'Secret-Passw0rd!' });
    check('VerifiedCredentials', verified.body);
    check('Error', (await request(t.app).post(`${SCIM}/Users/.verify-credentials`).set(checker).send({ userName: 'bjensen@example.com', password: 'x-y-z-w' })).body);
    await t.auditEvents(tenant.tenant.id);
    const auditor = { Authorization: `Bearer ${await t.tokenFor(tenant.tenant, [Scope.auditRead])}` };
    const trail = (await request(t.app).get(`${SCIM}/AuditEvents`).set(auditor)).body;
    check('ListResponse', trail);
    for (const event of trail.Resources) check('AuditEvent', event);
    // A body the document says is wrong is refused by the schema too (the check can fail).
    const validate = ajv.getSchema('openapi#/components/schemas/User')!;
    expect(validate({ schemas: [], userName: 42 })).toBe(false);
  });

  it('documents GET /metrics exactly when the app serves it (SCIM_METRICS=on)', async () => {
    const served = (app: Express) => servedRoutes(app).some((route) => route.path === '/metrics' && route.method === 'get');
    expect(served(t.express)).toBe(false);
    expect(document.paths['/metrics']).toBeUndefined();
    const withMetrics = await createTestApp({ SCIM_METRICS: 'on', SCIM_METRICS_TOKEN: 'm'.repeat(32) });
    try {
      expect(served(withMetrics.express)).toBe(true);
      const res = await request(withMetrics.app).get('/openapi.json').set((await withMetrics.tenant()).auth);
      expect(res.body.paths['/metrics'].get).toMatchObject({ tags: ['Operations'], security: [{ bearer: [] }] });
    } finally {
      await withMetrics.close();
    }
  });

  it('needs a token like /Schemas does, unless discovery is public', async () => {
    expect((await request(t.app).get('/openapi.json')).status).toBe(401);
    const open = await createTestApp({ SCIM_PUBLIC_DISCOVERY: 'true' });
    try {
      const res = await request(open.app).get('/openapi.json');
      expect(res.status).toBe(200);
      expect(res.body.paths['/scim/v2/Schemas'].get.security).toEqual([]);
      expect(res.body.paths['/scim/v2/Users'].get.security).toEqual([{ bearer: [] }]);
    } finally {
      await open.close();
    }
  });
});
