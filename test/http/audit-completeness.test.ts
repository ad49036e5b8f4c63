// Audit completeness, driven by the app itself: it walks every route Express serves, and for each one with audit
// events (its OpenAPI entry's `audit`, src/http/openapi/route-docs.ts) it makes one request that succeeds and one
// that fails, and checks that each recorded exactly its pair: <RESOURCE>_<ACTION>_START, then _SUCCESS (or _FAIL with
// the status answered). A route served without a scenario here fails the test, naming the route: a new route cannot
// ship without its events being checked. (The OpenAPI test already fails for a route without an entry, and an entry
// cannot leave out `audit`: the type requires it.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { buildWorkers } from '../../src/workers';
import { eventType } from '../../src/extensions/audit/audit-event';
import { fullPath, openApiPath } from '../../src/http/openapi/openapi-document';
import { routeDocs, type RouteDoc } from '../../src/http/openapi/route-docs';
import { Scope } from '../../src/auth/scopes';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import type { AuditEventRecord } from '../../src/store/audit-event-store';
import { cheapPasswords } from '../helpers/lifecycle';
import { servedRoutes } from '../helpers/served-routes';
import { createTestApp, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const ROLE = 'urn:scim-server:params:scim:schemas:roles:2.0:Role';
const WEBHOOK = 'urn:scim-server:params:scim:schemas:webhooks:2.0:Webhook';
const SCENARIOS_FILE = 'test/http/audit-completeness.test.ts';

type Call = request.Response;
interface World {
  readonly t: TestApp;
  readonly tenant: TestTenant;
  /**
   * Headers with a token of every scope, one with only audit:read, one with only the SCIM scopes; each carries the
   * X-Request-Id of the scenario running, by which its events are found.
   */
  readonly all: Record<string, string>;
  readonly auditOnly: Record<string, string>;
  readonly scim: Record<string, string>;
  /** Creates a resource of the type and answers its id. */
  create(endpoint: string): Promise<string>;
  /** The name of a new role of the tenant's catalogue. */
  role(): Promise<string>;
  /** An existing audit event's id. */
  auditEventId(): Promise<string>;
  /** Runs a request that prepares a scenario under a request id of its own (its events are not the scenario's). */
  setup(run: () => PromiseLike<Call>): Promise<Call>;
}

/** How to make a route succeed, and fail (or why it cannot do one of them). */
interface Scenario {
  readonly success: ((world: World, path: (value: string) => string) => Promise<Call>) | { readonly never: string };
  readonly failure: ((world: World, path: (value: string) => string) => Promise<Call>) | { readonly never: string };
}

/** Bodies that create a resource of each SCIM resource type. */
const NEW_RESOURCE: Readonly<Record<string, (n: number) => Record<string, unknown>>> = {
  '/Users': (n) => user(`completeness-${n}@example.com`),
  '/Groups': (n) => ({ schemas: [GROUP_SCHEMA], displayName: `Completeness ${n}` }),
  '/Roles': (n) => ({ schemas: [ROLE], name: `Completeness ${n}` }),
  // Subscribed to an event type that never happens: the worker runs deliver nothing to the receiver but test-sends.
  '/Webhooks': (n) => ({ schemas: [WEBHOOK], url: receiverUrl, events: ['NEVER_HAPPENS'], description: `Completeness ${n}` }),
};
/** A webhook receiver on loopback (the app runs with SCIM_WEBHOOKS_ALLOW_PRIVATE=true): answers 200 to every POST. */
let receiver: Server;
let receiverUrl = '';
let serial = 0;

/** A request with the token that lacks the route's scope: 403 before anything runs. */
const withoutScope = (doc: RouteDoc) => async (world: World, path: (value: string) => string) => {
  const token = doc.scope === Scope.auditRead ? world.scim : world.auditOnly;
  return request(world.t.app)[doc.method](path('x')).set(token).send(doc.method === 'get' ? undefined : {});
};

/** The scenarios, by `METHOD template` (the template as route-docs.ts registers it, relative to its mount). */
function scenarioFor(doc: RouteDoc): Scenario | undefined {
  const key = `${doc.method.toUpperCase()} ${doc.path}`;
  const resourceRoute = /^\/(Users|Groups|Roles)(\/[^/]*)?$/.exec(doc.path);
  if (resourceRoute) {
    const endpoint = `/${resourceRoute[1]}`;
    const body = NEW_RESOURCE[endpoint];
    const rest = resourceRoute[2] ?? '';
    const onExisting = (make: (world: World, id: string) => PromiseLike<Call>) => async (world: World) => make(world, await world.create(endpoint));
    switch (`${doc.method.toUpperCase()} ${rest}`) {
      case 'GET ':
        return { success: async (w) => request(w.t.app).get(`${SCIM}${endpoint}`).set(w.all), failure: async (w) => request(w.t.app).get(`${SCIM}${endpoint}?filter=nope eq 1`).set(w.all) };
      case 'POST ':
        return { success: async (w) => request(w.t.app).post(`${SCIM}${endpoint}`).set(w.all).send(body((serial += 1))), failure: withoutScope(doc) };
      case 'POST /.search':
        return { success: async (w) => request(w.t.app).post(`${SCIM}${endpoint}/.search`).set(w.all).send({ schemas: [SEARCH] }), failure: withoutScope(doc) };
      case 'POST /.bulk-delete':
        return { success: onExisting((w, id) => request(w.t.app).post(`${SCIM}${endpoint}/.bulk-delete`).set(w.all).send({ ids: [id] })), failure: async (w) => request(w.t.app).post(`${SCIM}${endpoint}/.bulk-delete`).set(w.all).send({ ids: 'x' }) };
      case 'GET /:id':
        return { success: onExisting((w, id) => request(w.t.app).get(`${SCIM}${endpoint}/${id}`).set(w.all)), failure: async (w) => request(w.t.app).get(`${SCIM}${endpoint}/missing`).set(w.all) };
      case 'PUT /:id':
        return { success: onExisting((w, id) => request(w.t.app).put(`${SCIM}${endpoint}/${id}`).set(w.all).send(body((serial += 1)))), failure: async (w) => request(w.t.app).put(`${SCIM}${endpoint}/missing`).set(w.all).send(body((serial += 1))) };
      case 'PATCH /:id':
        return {
          success: onExisting((w, id) => request(w.t.app).patch(`${SCIM}${endpoint}/${id}`).set(w.all).send({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'externalId', value: 'x' }] })),
          failure: onExisting((w, id) => request(w.t.app).patch(`${SCIM}${endpoint}/${id}`).set(w.all).set('If-Match', 'W/"99"').send({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'externalId', value: 'x' }] })),
        };
      case 'DELETE /:id':
        return { success: onExisting((w, id) => request(w.t.app).delete(`${SCIM}${endpoint}/${id}`).set(w.all)), failure: async (w) => request(w.t.app).delete(`${SCIM}${endpoint}/missing`).set(w.all) };
    }
  }
  const table: Readonly<Record<string, Scenario>> = {
    'GET /openapi.json': { success: async (w) => request(w.t.app).get('/openapi.json').set(w.all), failure: { never: 'it answers every verified token' } },
    'GET /ServiceProviderConfig': { success: async (w, p) => request(w.t.app).get(p('')).set(w.all), failure: { never: 'it answers every verified token' } },
    'GET /serviceConfiguration': { success: async (w, p) => request(w.t.app).get(p('')).set(w.all), failure: { never: 'it answers every verified token' } },
    'GET /ResourceTypes': { success: async (w, p) => request(w.t.app).get(p('')).set(w.all), failure: async (w, p) => request(w.t.app).get(`${p('')}?filter=name eq "User"`).set(w.all) },
    'GET /Schemas': { success: async (w, p) => request(w.t.app).get(p('')).set(w.all), failure: async (w, p) => request(w.t.app).get(`${p('')}?filter=id pr`).set(w.all) },
    'GET /ResourceTypes/:name': { success: async (w, p) => request(w.t.app).get(p('User')).set(w.all), failure: async (w, p) => request(w.t.app).get(p('Nope')).set(w.all) },
    'GET /Schemas/:urn': { success: async (w, p) => request(w.t.app).get(p('urn:ietf:params:scim:schemas:core:2.0:Group')).set(w.all), failure: async (w, p) => request(w.t.app).get(p('urn:nope')).set(w.all) },
    'POST /Bulk': {
      success: async (w) => request(w.t.app).post(`${SCIM}/Bulk`).set(w.all).send({ schemas: [BULK], Operations: [{ method: 'POST', path: '/Users', bulkId: 'x', data: user(`bulk-${(serial += 1)}@example.com`) }] }),
      failure: async (w) => request(w.t.app).post(`${SCIM}/Bulk`).set(w.all).send({ schemas: [BULK] }),
    },
    'POST /.search': { success: async (w) => request(w.t.app).post(`${SCIM}/.search`).set(w.all).send({ schemas: [SEARCH] }), failure: async (w) => request(w.t.app).post(`${SCIM}/.search`).set(w.all).send({ schemas: [SEARCH], sortBy: 'id' }) },
    'GET /Me': { success: { never: '/Me is not offered: it always answers 501 (RFC 7644 §3.11)' }, failure: async (w) => request(w.t.app).get(`${SCIM}/Me`).set(w.all) },
    'GET /Me/*rest': { success: { never: '/Me is not offered: it always answers 501 (RFC 7644 §3.11)' }, failure: async (w) => request(w.t.app).get(`${SCIM}/Me/x`).set(w.all) },
    ...webhookScenarios(),
    ...lifecycleScenarios(),
    ...transferScenarios(),
    ...invitationScenarios(),
    // The roles of a user (README "Roles"): each the equivalent PATCH, recorded as USER_UPDATE.
    'POST /Users/:id/roles': {
      success: async (w) => request(w.t.app).post(`${SCIM}/Users/${await w.create('/Users')}/roles`).set(w.all).send({ roles: [await w.role()] }),
      failure: async (w) => request(w.t.app).post(`${SCIM}/Users/${await w.create('/Users')}/roles`).set(w.all).send({ roles: ['No such role'] }),
    },
    'PUT /Users/:id/roles': {
      success: async (w) => request(w.t.app).put(`${SCIM}/Users/${await w.create('/Users')}/roles`).set(w.all).send({ roles: [await w.role()] }),
      failure: async (w) => request(w.t.app).put(`${SCIM}/Users/missing/roles`).set(w.all).send({ roles: [] }),
    },
    'DELETE /Users/:id/roles/:name': {
      success: async (w) => {
        const [id, role] = [await w.create('/Users'), await w.role()];
        const scenarioRequest = requestId;
        requestId = `setup-${(serial += 1)}`;
        await request(w.t.app).post(`${SCIM}/Users/${id}/roles`).set(w.all).send({ roles: [role] });
        requestId = scenarioRequest;
        return request(w.t.app).delete(`${SCIM}/Users/${id}/roles/${encodeURIComponent(role)}`).set(w.all);
      },
      failure: async (w) => request(w.t.app).delete(`${SCIM}/Users/${await w.create('/Users')}/roles/nope`).set(w.all),
    },
    'GET /AuditEvents': { success: async (w) => request(w.t.app).get(`${SCIM}/AuditEvents`).set(w.auditOnly), failure: async (w) => request(w.t.app).get(`${SCIM}/AuditEvents`).set(w.scim) },
    'GET /AuditEvents/:id': { success: async (w) => request(w.t.app).get(`${SCIM}/AuditEvents/${await w.auditEventId()}`).set(w.auditOnly), failure: async (w) => request(w.t.app).get(`${SCIM}/AuditEvents/missing`).set(w.auditOnly) },
  };
  return table[key];
}

/** A password the lifecycle scenarios set and sign in with: it must never appear in an event. */
const PASSWORD = 'Completeness-Passw0rd!';

/** The account lifecycle routes (README "Account lifecycle"): each fails as the state machine, the policy or a 404 refuses it. */
function lifecycleScenarios(): Record<string, Scenario> {
  const at = (id: string, action: string) => `${SCIM}/Users/${id}/${action}`;
  const onUser = (make: (world: World, id: string) => PromiseLike<Call>) => async (world: World) => make(world, await world.create('/Users'));
  /** A user in the state a setup request left it in. */
  const after = (setupAction: string, make: (world: World, id: string) => PromiseLike<Call>) =>
    onUser(async (w, id) => {
      expect((await w.setup(() => request(w.t.app).post(at(id, setupAction)).set(w.all).send({}))).status).toBe(200);
      return make(w, id);
    });
  const withPassword = async (w: World): Promise<string> => {
    const userName = `signs-in-${(serial += 1)}@example.com`;
    expect((await w.setup(() => request(w.t.app).post(`${SCIM}/Users`).set(w.all).send(user(userName, { password: PASSWORD })))).status).toBe(201);
    return userName;
  };
  return {
    'POST /Users/:id/lock': { success: onUser((w, id) => request(w.t.app).post(at(id, 'lock')).set(w.all).send({ reason: 'Audit' })), failure: async (w) => request(w.t.app).post(at('missing', 'lock')).set(w.all).send({}) },
    'POST /Users/:id/unlock': { success: after('lock', (w, id) => request(w.t.app).post(at(id, 'unlock')).set(w.all).send({})), failure: onUser((w, id) => request(w.t.app).post(at(id, 'unlock')).set(w.all).send({})) },
    'POST /Users/:id/disable': { success: onUser((w, id) => request(w.t.app).post(at(id, 'disable')).set(w.all).send({})), failure: async (w) => request(w.t.app).post(at('missing', 'disable')).set(w.all).send({}) },
    'POST /Users/:id/enable': { success: after('disable', (w, id) => request(w.t.app).post(at(id, 'enable')).set(w.all).send({})), failure: onUser((w, id) => request(w.t.app).post(at(id, 'enable')).set(w.all).send({})) },
    'PUT /Users/:id/state': {
      success: onUser((w, id) => request(w.t.app).put(at(id, 'state')).set(w.all).send({ state: 'disabled' })),
      failure: onUser((w, id) => request(w.t.app).put(at(id, 'state')).set(w.all).send({ state: 'asleep' })),
    },
    'POST /Users/:id/password': {
      success: onUser((w, id) => request(w.t.app).post(at(id, 'password')).set(w.all).send({ password: PASSWORD, temporary: true })),
      failure: onUser((w, id) => request(w.t.app).post(at(id, 'password')).set(w.all).send({ password: 'short' })),
    },
    'POST /Users/:id/password/expire': { success: onUser((w, id) => request(w.t.app).post(at(id, 'password/expire')).set(w.all).send({})), failure: async (w) => request(w.t.app).post(at('missing', 'password/expire')).set(w.all).send({}) },
    'POST /Users/.verify-credentials': {
      success: async (w) => request(w.t.app).post(`${SCIM}/Users/.verify-credentials`).set(w.all).send({ userName: await withPassword(w), password: PASSWORD }),
      failure: async (w) => request(w.t.app).post(`${SCIM}/Users/.verify-credentials`).set(w.all).send({ userName: await withPassword(w), password: `${PASSWORD}-wrong` }),
    },
    'GET /Users/:id/sign-ins': { success: onUser((w, id) => request(w.t.app).get(at(id, 'sign-ins')).set(w.all)), failure: async (w) => request(w.t.app).get(at('missing', 'sign-ins')).set(w.all) },
  };
}

/** Export and import, and the jobs they start (README "Export and import", "Jobs"). */
function transferScenarios(): Record<string, Scenario> {
  const SECRET = 'completeness export secret';
  const header = { format: 'scim-server/users', version: 1, kdf: { name: 'scrypt', N: 1024, r: 8, p: 1, salt: Buffer.alloc(16, 7).toString('base64') }, created: new Date().toISOString() };
  const exportJob = async (w: World): Promise<string> => (await w.setup(() => request(w.t.app).post(`${SCIM}/Users/.export/all`).set(w.all).send({ encryptionSecret: SECRET }))).body.id as string;
  /** An export job run to its end by a worker host of the test's own, so that it has a file. */
  const finishedExport = async (w: World): Promise<string> => {
    const id = await exportJob(w);
    const workers = buildWorkers({ store: w.t.store, registry: loadBuiltinRegistry(), logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    for (let round = 0; round < 10 && (await w.t.store.jobs.get(w.tenant.tenant.id, id))?.status !== 'succeeded'; round++) await workers.runOnce();
    await workers.stop();
    return id;
  };
  return {
    'POST /Users/.export': {
      success: async (w) => request(w.t.app).post(`${SCIM}/Users/.export`).set(w.all).send({ encryptionSecret: SECRET, count: 1 }),
      failure: async (w) => request(w.t.app).post(`${SCIM}/Users/.export`).set(w.all).send({}),
    },
    'POST /Users/.import': {
      success: async (w) =>
        request(w.t.app)
          .post(`${SCIM}/Users/.import`)
          .set(w.all)
          .send({ encryptionSecret: SECRET, records: [{ user: user(`imported-${(serial += 1)}@example.com`), originalId: `old-${serial}`, lifecycle: { state: 'active' } }] }),
      failure: async (w) => request(w.t.app).post(`${SCIM}/Users/.import`).set(w.all).send({ records: [] }),
    },
    'POST /Users/.export/all': {
      success: async (w) => request(w.t.app).post(`${SCIM}/Users/.export/all`).set(w.all).send({ encryptionSecret: SECRET }),
      failure: async (w) => request(w.t.app).post(`${SCIM}/Users/.export/all`).set(w.all).send({ encryptionSecret: SECRET, expires: 99 }),
    },
    'POST /Users/.import/all': {
      success: async (w) =>
        request(w.t.app).post(`${SCIM}/Users/.import/all`).set(w.all).set('Content-Type', 'application/gzip').set('X-Encryption-Secret', SECRET).send(gzipSync(`${JSON.stringify(header)}\n`)),
      failure: async (w) => request(w.t.app).post(`${SCIM}/Users/.import/all`).set(w.all).set('Content-Type', 'text/plain').set('X-Encryption-Secret', SECRET).send('x'),
    },
    'GET /Jobs': { success: async (w) => request(w.t.app).get(`${SCIM}/Jobs`).set(w.all), failure: async (w) => request(w.t.app).get(`${SCIM}/Jobs?cursor=not-a-cursor`).set(w.all) },
    'GET /Jobs/:id': { success: async (w) => request(w.t.app).get(`${SCIM}/Jobs/${await exportJob(w)}`).set(w.all), failure: async (w) => request(w.t.app).get(`${SCIM}/Jobs/missing`).set(w.all) },
    'GET /Jobs/:id/download': {
      success: async (w) => request(w.t.app).get(`${SCIM}/Jobs/${await finishedExport(w)}/download`).set(w.all),
      failure: async (w) => request(w.t.app).get(`${SCIM}/Jobs/${await exportJob(w)}/download`).set(w.all),
    },
    'DELETE /Jobs/:id': { success: async (w) => request(w.t.app).delete(`${SCIM}/Jobs/${await exportJob(w)}`).set(w.all), failure: async (w) => request(w.t.app).delete(`${SCIM}/Jobs/missing`).set(w.all) },
  };
}

/** The invitation routes (README "Invitations"): each fails on an invitation that does not exist, or a refused body. */
function invitationScenarios(): Record<string, Scenario> {
  const at = (rest = '') => `${SCIM}/Invitations${rest}`;
  /** A pending invitation, made by a setup request. */
  const invited = async (w: World): Promise<string> => {
    const res = await w.setup(() => request(w.t.app).post(at()).set(w.all).send({ emails: [`invited-${(serial += 1)}@example.com`] }));
    expect(res.body.results[0].status).toBe('pending');
    return res.body.results[0].id as string;
  };
  return {
    'POST /Invitations': {
      success: async (w) => request(w.t.app).post(at()).set(w.all).send({ emails: [`invited-${(serial += 1)}@example.com`] }),
      failure: async (w) => request(w.t.app).post(at()).set(w.all).send({ emails: [] }),
    },
    'GET /Invitations': { success: async (w) => request(w.t.app).get(at()).set(w.all), failure: async (w) => request(w.t.app).get(at('?filter=userId eq "x"')).set(w.all) },
    'GET /Invitations/:id': { success: async (w) => request(w.t.app).get(at(`/${await invited(w)}`)).set(w.all), failure: async (w) => request(w.t.app).get(at('/missing')).set(w.all) },
    'DELETE /Invitations/:id': { success: async (w) => request(w.t.app).delete(at(`/${await invited(w)}`)).set(w.all), failure: async (w) => request(w.t.app).delete(at('/missing')).set(w.all) },
    'POST /Invitations/:id/resend': {
      success: async (w) => request(w.t.app).post(at(`/${await invited(w)}/resend`)).set(w.all).send({}),
      failure: async (w) => request(w.t.app).post(at('/missing/resend')).set(w.all).send({}),
    },
  };
}

/** The webhook routes: each fails on a webhook of another id (404), or as the route refuses a request. */
function webhookScenarios(): Record<string, Scenario> {
  const at = (rest = '') => `${SCIM}/Webhooks${rest}`;
  const onExisting = (make: (world: World, id: string) => PromiseLike<Call>) => async (world: World) => make(world, await world.create('/Webhooks'));
  const patch = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] };
  return {
    'POST /Webhooks': {
      success: async (w) => request(w.t.app).post(at()).set(w.all).send(NEW_RESOURCE['/Webhooks']((serial += 1))),
      failure: async (w) => request(w.t.app).post(at()).set(w.all).send({ schemas: [WEBHOOK], url: 'ftp://example.com/x', events: ['*'] }),
    },
    'GET /Webhooks': { success: async (w) => request(w.t.app).get(at()).set(w.all), failure: async (w) => request(w.t.app).get(at('?filter=active eq true')).set(w.all) },
    'GET /Webhooks/:id': { success: onExisting((w, id) => request(w.t.app).get(at(`/${id}`)).set(w.all)), failure: async (w) => request(w.t.app).get(at('/missing')).set(w.all) },
    'PUT /Webhooks/:id': {
      success: onExisting((w, id) => request(w.t.app).put(at(`/${id}`)).set(w.all).send(NEW_RESOURCE['/Webhooks']((serial += 1)))),
      failure: async (w) => request(w.t.app).put(at('/missing')).set(w.all).send(NEW_RESOURCE['/Webhooks']((serial += 1))),
    },
    'PATCH /Webhooks/:id': {
      success: onExisting((w, id) => request(w.t.app).patch(at(`/${id}`)).set(w.all).send(patch)),
      failure: onExisting((w, id) => request(w.t.app).patch(at(`/${id}`)).set(w.all).set('If-Match', 'W/"99"').send(patch)),
    },
    'DELETE /Webhooks/:id': { success: onExisting((w, id) => request(w.t.app).delete(at(`/${id}`)).set(w.all)), failure: async (w) => request(w.t.app).delete(at('/missing')).set(w.all) },
    'GET /Webhooks/:id/deliveries': {
      success: onExisting((w, id) => request(w.t.app).get(at(`/${id}/deliveries`)).set(w.all)),
      failure: async (w) => request(w.t.app).get(at('/missing/deliveries')).set(w.all),
    },
    'POST /Webhooks/:id/test': {
      success: onExisting((w, id) => request(w.t.app).post(at(`/${id}/test`)).set(w.all)),
      failure: async (w) => request(w.t.app).post(at('/missing/test')).set(w.all),
    },
  };
}

let t: TestApp;
let world: World;
/** The X-Request-Id of the scenario running. */
let requestId = 'setup';
beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  t = await createTestApp({ SCIM_WEBHOOKS_ALLOW_PRIVATE: 'true' }, { passwords: cheapPasswords() });
  const tenant = await t.tenant();
  const headers = (token: string) => ({
    get Authorization() {
      return `Bearer ${token}`;
    },
    get 'X-Request-Id'() {
      return requestId;
    },
  });
  const all = headers(await t.tokenFor(tenant.tenant, [Scope.read, Scope.write, Scope.credentials, Scope.auditRead, Scope.export]));
  world = {
    t,
    tenant,
    all,
    auditOnly: headers(await t.tokenFor(tenant.tenant, [Scope.auditRead])),
    scim: headers(tenant.token),
    async create(endpoint) {
      const setup = requestId;
      requestId = `setup-${(serial += 1)}`;
      const res = await request(t.app).post(`${SCIM}${endpoint}`).set(all).send(NEW_RESOURCE[endpoint]((serial += 1)));
      requestId = setup;
      expect(res.status).toBe(201);
      return res.body.id as string;
    },
    async role() {
      const setup = requestId;
      requestId = `setup-${(serial += 1)}`;
      const name = `Completeness ${(serial += 1)}`;
      const res = await request(t.app).post(`${SCIM}/Roles`).set(all).send({ schemas: [ROLE], name });
      requestId = setup;
      expect(res.status).toBe(201);
      return name;
    },
    async auditEventId() {
      return (await t.auditEvents(tenant.tenant.id))[0].id;
    },
    async setup(run) {
      const scenarioRequest = requestId;
      requestId = `setup-${(serial += 1)}`;
      try {
        return await run();
      } finally {
        requestId = scenarioRequest;
      }
    },
  };
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

/** Every documented route that Express serves and that declares audit events. */
function auditedRoutes(): RouteDoc[] {
  const served = servedRoutes(t.express);
  return routeDocs(loadBuiltinRegistry()).filter(
    (doc) => doc.audit !== null && served.some((route) => openApiPath(route.path) === openApiPath(fullPath(doc, SCIM)) && (route.method === doc.method || route.method === 'all')),
  );
}

describe('audit completeness', () => {
  it('covers every served route that has audit events, and only routes that need no token go without', () => {
    const docs = routeDocs(loadBuiltinRegistry());
    expect(docs.filter((doc) => doc.audit === null && doc.auth !== 'none').map((doc) => `${doc.method} ${doc.path}`)).toEqual([]);
    const missing = auditedRoutes()
      .filter((doc) => scenarioFor(doc) === undefined)
      .map((doc) => `${doc.method.toUpperCase()} ${doc.path}`);
    expect({ missing, hint: `add a success and a failure scenario for each in ${SCENARIOS_FILE}` }).toEqual({ missing: [], hint: expect.any(String) });
    expect(auditedRoutes().length).toBeGreaterThan(20);
  });

  it('records START then SUCCESS for each route’s success, and START then FAIL (with the status) for its failure', async () => {
    const results: unknown[] = [];
    for (const doc of auditedRoutes()) {
      const scenario = scenarioFor(doc)!;
      const path = (value: string) => fullPath(doc, SCIM).replace(/[:*][A-Za-z_]\w*/, encodeURIComponent(value));
      for (const [phase, run] of [
        ['success', scenario.success],
        ['failure', scenario.failure],
      ] as const) {
        if ('never' in run) continue;
        requestId = `completeness-${(serial += 1)}`;
        const res = await run(world, path);
        const events = (await t.auditEvents(world.tenant.tenant.id)).filter((event: AuditEventRecord) => event.requestId === requestId && event.bulkOperation === undefined);
        const expected = phase === 'success' ? [eventType(doc.audit!, 'START'), eventType(doc.audit!, 'SUCCESS')] : [eventType(doc.audit!, 'START'), eventType(doc.audit!, 'FAIL')];
        const failure = events.find((event) => event.outcome === 'failure');
        results.push({
          route: `${doc.method.toUpperCase()} ${doc.path} (${phase})`,
          answered: phase === 'success' ? res.status < 400 : res.status >= 400,
          events: events.map((event) => event.type).sort(),
          ...(phase === 'failure' ? { status: failure?.error?.status } : {}),
        });
        expect(results[results.length - 1]).toEqual({
          route: `${doc.method.toUpperCase()} ${doc.path} (${phase})`,
          answered: true,
          events: expected.sort(),
          ...(phase === 'failure' ? { status: res.status } : {}),
        });
      }
    }
    expect(results.length).toBeGreaterThan(30);
  });

  it('never records a password, a hash or a token: a password change names the attribute, a sign-in only its outcome', async () => {
    const events = await t.auditEvents(world.tenant.tenant.id);
    const types = new Set(events.map((event) => event.type));
    // The scenarios above set passwords and signed in, right and wrong.
    for (const type of ['USER_PASSWORD_UPDATE_SUCCESS', 'USER_VERIFY_CREDENTIALS_SUCCESS', 'USER_VERIFY_CREDENTIALS_FAIL']) expect(types).toContain(type);
    expect(events.find((event) => event.type === 'USER_PASSWORD_UPDATE_SUCCESS')?.changedAttributes).toContain('password');
    const written = JSON.stringify(events);
    expect(written).not.toContain(PASSWORD);
    expect(written).not.toContain('$scrypt$');
    expect(written).not.toContain('passwordHash');
    expect(written).not.toContain('scim_');
    expect(written).not.toMatch(/"password"\s*:/);
  });
});
