// Roles (README "Roles"): the per-tenant catalogue at /Roles on the generic resource service, User.roles checked
// against it on every kind of write, default roles, the /Users/{id}/roles routes (the same write as the equivalent
// PATCH), a held role refused deletion unless forced, renames and forced deletes reaching every holder (in the
// request, or through the job for many holders), the `roles` tenant setting, and tenant isolation.
import request from 'supertest';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { JobStatus } from '../../src/store/job-store';
import { buildWorkers } from '../../src/workers';
import { createLogger } from '../../src/logger';
import { createTestApp, SCIM, USER_SCHEMA, type TestApp, type TestTenant } from '../helpers/test-app';

const ROLE_SCHEMA = 'urn:scim-server:params:scim:schemas:roles:2.0:Role';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

let t: TestApp;
let tenant: TestTenant;

beforeEach(async () => {
  t = await createTestApp({}, { inlineHolders: 3 });
  tenant = await t.tenant();
});
afterEach(() => t.close());

const as = (who: TestTenant) => ({
  post: (path: string, body: unknown) => request(t.app).post(`${SCIM}${path}`).set(who.auth).send(body as object),
  put: (path: string, body: unknown) => request(t.app).put(`${SCIM}${path}`).set(who.auth).send(body as object),
  patch: (path: string, ...Operations: unknown[]) => request(t.app).patch(`${SCIM}${path}`).set(who.auth).send({ schemas: [PATCH_OP], Operations }),
  get: (path: string) => request(t.app).get(`${SCIM}${path}`).set(who.auth),
  delete: (path: string) => request(t.app).delete(`${SCIM}${path}`).set(who.auth),
});
const api = () => as(tenant);

async function createRole(name: string, extra: Record<string, unknown> = {}, who = tenant): Promise<string> {
  const res = await as(who).post('/Roles', { schemas: [ROLE_SCHEMA], name, ...extra });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function createUser(userName: string, roles?: unknown[], who = tenant): Promise<{ id: string; roles?: Array<{ value: string }> }> {
  const res = await as(who).post('/Users', { schemas: [USER_SCHEMA], userName, ...(roles ? { roles } : {}) });
  expect(res.status).toBe(201);
  return res.body;
}

const roleValues = (body: { roles?: Array<{ value: string }> }) => (body.roles ?? []).map((role) => role.value);
const userCount = async () => (await api().get('/Users?count=0')).body.totalResults as number;

describe('the Role resource type', () => {
  it('is discoverable in /ResourceTypes and /Schemas under the product namespace', async () => {
    const types = await api().get('/ResourceTypes/Role');
    expect(types.status).toBe(200);
    expect(types.body).toMatchObject({ name: 'Role', endpoint: '/Roles', schema: ROLE_SCHEMA });
    const schema = await api().get(`/Schemas/${ROLE_SCHEMA}`);
    expect(schema.status).toBe(200);
    expect(schema.body.attributes.map((attribute: { name: string }) => attribute.name)).toEqual(['name', 'description', 'permissions', 'default', 'holders']);
  });

  it('has SCIM CRUD with ETags, filters, sorting, PATCH, and a name unique per tenant ignoring case', async () => {
    const created = await api().post('/Roles', { schemas: [ROLE_SCHEMA], name: 'Admin', description: 'Everything', permissions: ['users:write', 'users:read'] });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe('W/"1"');
    expect(created.body).toMatchObject({ schemas: [ROLE_SCHEMA], name: 'Admin', permissions: ['users:write', 'users:read'], meta: { resourceType: 'Role' } });

    const duplicate = await api().post('/Roles', { schemas: [ROLE_SCHEMA], name: 'ADMIN' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.scimType).toBe('uniqueness');

    await createRole('auditor', { default: true });
    const filtered = await api().get('/Roles?filter=name eq "admin"');
    expect(filtered.body.Resources.map((role: { name: string }) => role.name)).toEqual(['Admin']);
    const sorted = await api().get('/Roles?sortBy=name&sortOrder=descending');
    expect(sorted.body.Resources.map((role: { name: string }) => role.name)).toEqual(['auditor', 'Admin']);
    const defaults = await api().get('/Roles?filter=default eq true');
    expect(defaults.body.Resources.map((role: { name: string }) => role.name)).toEqual(['auditor']);

    const patched = await request(t.app)
      .patch(`${SCIM}/Roles/${created.body.id}`)
      .set(tenant.auth)
      .set('If-Match', 'W/"1"')
      .send({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'permissions', value: ['groups:read'] }] });
    expect(patched.status).toBe(200);
    expect(patched.headers.etag).toBe('W/"2"');
    expect(patched.body.permissions).toEqual(['users:write', 'users:read', 'groups:read']);

    const stale = await request(t.app).delete(`${SCIM}/Roles/${created.body.id}`).set(tenant.auth).set('If-Match', 'W/"1"');
    expect(stale.status).toBe(412);
    expect((await api().delete(`/Roles/${created.body.id}`)).status).toBe(204);
    expect((await api().get(`/Roles/${created.body.id}`)).status).toBe(404);
  });

  it('reports how many users hold a role when asked (attributes=holders), on reads and lists', async () => {
    const admin = await createRole('admin');
    await createRole('auditor');
    await createUser('alice', [{ value: 'admin' }]);
    await createUser('bob', [{ value: 'ADMIN' }, { value: 'auditor' }]);
    expect((await api().get(`/Roles/${admin}`)).body.holders).toBeUndefined();
    expect((await api().get(`/Roles/${admin}?attributes=holders`)).body).toMatchObject({ id: admin, name: 'admin', holders: 2 });
    const listed = await api().get('/Roles?attributes=holders&sortBy=name');
    expect(listed.body.Resources.map((role: { name: string; holders: number }) => [role.name, role.holders])).toEqual([
      ['admin', 2],
      ['auditor', 1],
    ]);
    // Read-only: a client's value is ignored.
    const written = await api().put(`/Roles/${admin}?attributes=holders`, { schemas: [ROLE_SCHEMA], name: 'admin', holders: 99 });
    expect(written.body.holders).toBe(2);
  });

  it('refuses a role without a name', async () => {
    const res = await api().post('/Roles', { schemas: [ROLE_SCHEMA], description: 'nameless' });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/name/);
  });
});

describe('User.roles against the catalogue', () => {
  it('stores the catalogue spelling of a role named in any case, once', async () => {
    await createRole('Admin');
    const user = await createUser('alice', [{ value: 'admin' }, { value: 'ADMIN', display: 'again' }]);
    expect(user.roles).toEqual([{ value: 'Admin' }]);
    expect(roleValues((await api().get(`/Users/${user.id}`)).body)).toEqual(['Admin']);
  });

  it('refuses an unknown role on POST with 400 invalidValue naming it, and writes nothing', async () => {
    await createRole('admin');
    const res = await api().post('/Users', { schemas: [USER_SCHEMA], userName: 'alice', roles: [{ value: 'admin' }, { value: 'wizard' }, { value: 'sorcerer' }] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('"wizard", "sorcerer"') });
    expect(res.body.detail).not.toContain('"admin"');
    expect(await userCount()).toBe(0);
  });

  it('refuses an unknown role on PUT, PATCH and Bulk, leaving the user as it was', async () => {
    await createRole('admin');
    const user = await createUser('alice', [{ value: 'admin' }]);

    const put = await api().put(`/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: 'alice', roles: [{ value: 'ghost' }] });
    expect(put.status).toBe(400);
    expect(put.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('"ghost"') });

    const patch = await api().patch(`/Users/${user.id}`, { op: 'add', path: 'roles', value: [{ value: 'ghost' }] });
    expect(patch.status).toBe(400);
    expect(patch.body.scimType).toBe('invalidValue');

    const bulk = await api().post('/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [USER_SCHEMA], userName: 'bob', roles: [{ value: 'ghost' }] } },
        { method: 'PATCH', path: `/Users/${user.id}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'roles', value: [{ value: 'phantom' }] }] } },
      ],
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.Operations.map((operation: { status: string }) => operation.status)).toEqual(['400', '400']);
    expect(bulk.body.Operations[0].response).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('"ghost"') });
    expect(bulk.body.Operations[1].response.detail).toContain('"phantom"');

    const after = await api().get(`/Users/${user.id}`);
    expect(after.headers.etag).toBe('W/"1"');
    expect(roleValues(after.body)).toEqual(['admin']);
    expect(await userCount()).toBe(1);
  });

  it('gives new users the default roles, through POST and Bulk', async () => {
    await createRole('Everybody', { default: true });
    await createRole('admin');
    expect(roleValues(await createUser('alice'))).toEqual(['Everybody']);
    expect(roleValues(await createUser('bob', [{ value: 'admin' }, { value: 'everybody' }]))).toEqual(['admin', 'Everybody']);
    const bulk = await api().post('/Bulk', { schemas: [BULK_REQUEST], Operations: [{ method: 'POST', path: '/Users', bulkId: 'c', data: { schemas: [USER_SCHEMA], userName: 'carol' } }] });
    expect(bulk.body.Operations[0].status).toBe('201');
    const carol = await api().get(`/Users?filter=userName eq "carol"`);
    expect(roleValues(carol.body.Resources[0])).toEqual(['Everybody']);
  });

  it('gives a new user the default roles as they are after the last Role write: made default, renamed, no longer default, deleted', async () => {
    // The defaults are remembered per tenant for a moment (default-roles.ts); every Role write of this server forgets
    // them. The clock stands still, so that the moment never ends by itself during the test.
    await t.close();
    const frozen = new Date('2026-01-01T00:00:00.000Z');
    t = await createTestApp({}, { clock: () => frozen, inlineHolders: 3 });
    tenant = await t.tenant();
    const id = await createRole('Everybody');
    expect(roleValues(await createUser('before'))).toEqual([]);
    expect((await api().patch(`/Roles/${id}`, { op: 'replace', path: 'default', value: true })).status).toBe(200);
    expect(roleValues(await createUser('made-default'))).toEqual(['Everybody']);
    expect((await api().patch(`/Roles/${id}`, { op: 'replace', path: 'name', value: 'Staff' })).status).toBe(200);
    expect(roleValues(await createUser('renamed'))).toEqual(['Staff']);
    const second = await createRole('Visitors', { default: true });
    expect(roleValues(await createUser('two-defaults')).sort()).toEqual(['Staff', 'Visitors']);
    expect((await api().patch(`/Roles/${id}`, { op: 'replace', path: 'default', value: false })).status).toBe(200);
    expect(roleValues(await createUser('no-longer'))).toEqual(['Visitors']);
    expect((await api().delete(`/Roles/${second}?force=true`)).status).toBeLessThan(300);
    expect(roleValues(await createUser('deleted'))).toEqual([]);
  });

  it('finds holders with filter=roles.value eq, ignoring case, cursor-paged', async () => {
    await createRole('admin');
    for (const name of ['a', 'b', 'c']) await createUser(name, [{ value: 'admin' }]);
    await createUser('d');
    const first = await api().get('/Users?filter=roles.value eq "ADMIN"&cursor&count=2');
    expect(first.status).toBe(200);
    expect(first.body.Resources.map((user: { userName: string }) => user.userName)).toHaveLength(2);
    const second = await api().get(`/Users?filter=roles.value eq "ADMIN"&cursor=${encodeURIComponent(first.body.nextCursor)}&count=2`);
    expect(second.body.Resources).toHaveLength(1);
    expect(second.body.nextCursor).toBeUndefined();
  });

  it('under roles=create-on-demand creates the unknown role in the catalogue and grants it', async () => {
    await t.store.settings.update(tenant.tenant.id, { set: { roles: 'create-on-demand' }, at: new Date().toISOString() });
    const user = await createUser('alice', [{ value: 'Contractor' }]);
    expect(roleValues(user)).toEqual(['Contractor']);
    const roles = await api().get('/Roles?filter=name eq "contractor"');
    expect(roles.body.Resources.map((role: { name: string }) => role.name)).toEqual(['Contractor']);
    // Created once: a second user naming it in another case holds the catalogue's spelling.
    expect(roleValues(await createUser('bob', [{ value: 'CONTRACTOR' }]))).toEqual(['Contractor']);
    expect((await api().get('/Roles')).body.totalResults).toBe(1);
  });
});

describe('/Users/{id}/roles', () => {
  beforeEach(async () => {
    for (const name of ['admin', 'auditor', 'Support']) await createRole(name);
  });

  it('POST adds the named roles (names or {"value"} objects), idempotently, as one write', async () => {
    const user = await createUser('alice');
    const added = await api().post(`/Users/${user.id}/roles`, { roles: ['admin', { value: 'support' }] });
    expect(added.status).toBe(200);
    expect(added.headers.etag).toBe('W/"2"');
    expect(roleValues(added.body)).toEqual(['admin', 'Support']);

    const again = await api().post(`/Users/${user.id}/roles`, { roles: ['ADMIN'] });
    expect(again.status).toBe(200);
    expect(again.headers.etag).toBe('W/"2"');
    expect(roleValues(again.body)).toEqual(['admin', 'Support']);
  });

  it('PUT sets exactly the named roles; an empty list takes them all', async () => {
    const user = await createUser('alice', [{ value: 'admin' }, { value: 'auditor' }]);
    const set = await api().put(`/Users/${user.id}/roles`, { roles: ['support', 'auditor'] });
    expect(set.status).toBe(200);
    expect(roleValues(set.body)).toEqual(['Support', 'auditor']);
    const cleared = await api().put(`/Users/${user.id}/roles`, { roles: [] });
    expect(cleared.status).toBe(200);
    expect(cleared.body.roles).toBeUndefined();
    expect(cleared.headers.etag).toBe('W/"3"');
  });

  it('DELETE removes one role, ignoring case; 404 when the user lacks it or does not exist', async () => {
    const user = await createUser('alice', [{ value: 'admin' }, { value: 'auditor' }]);
    const removed = await api().delete(`/Users/${user.id}/roles/ADMIN`);
    expect(removed.status).toBe(200);
    expect(roleValues(removed.body)).toEqual(['auditor']);
    const missing = await api().delete(`/Users/${user.id}/roles/admin`);
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('does not hold the role "admin"');
    expect((await api().delete('/Users/nobody/roles/admin')).status).toBe(404);
    expect((await api().get(`/Users/${user.id}`)).headers.etag).toBe('W/"2"');
  });

  it('gives exactly the result of the equivalent SCIM PATCH: the same roles and version', async () => {
    const viaRoute = await createUser('route');
    const viaPatch = await createUser('patch');
    const routed = await api().post(`/Users/${viaRoute.id}/roles`, { roles: ['admin', 'auditor'] });
    const patched = await api().patch(`/Users/${viaPatch.id}`, { op: 'add', path: 'roles', value: [{ value: 'admin' }, { value: 'auditor' }] });
    expect(routed.body.roles).toEqual(patched.body.roles);
    expect(routed.headers.etag).toBe(patched.headers.etag);

    const routeRemove = await api().delete(`/Users/${viaRoute.id}/roles/auditor`);
    const patchRemove = await api().patch(`/Users/${viaPatch.id}`, { op: 'remove', path: 'roles[value eq "auditor"]' });
    expect(routeRemove.body.roles).toEqual(patchRemove.body.roles);
    expect(routeRemove.headers.etag).toBe(patchRemove.headers.etag);
  });

  it('honours If-Match: a stale ETag is 412 and changes nothing', async () => {
    const user = await createUser('alice');
    const stale = await request(t.app).post(`${SCIM}/Users/${user.id}/roles`).set(tenant.auth).set('If-Match', 'W/"7"').send({ roles: ['admin'] });
    expect(stale.status).toBe(412);
    const fresh = await request(t.app).put(`${SCIM}/Users/${user.id}/roles`).set(tenant.auth).set('If-Match', 'W/"1"').send({ roles: ['admin'] });
    expect(fresh.status).toBe(200);
    expect(roleValues(fresh.body)).toEqual(['admin']);
  });

  it('refuses malformed bodies and unknown roles with SCIM errors, writing nothing', async () => {
    const user = await createUser('alice');
    const noList = await api().post(`/Users/${user.id}/roles`, { role: 'admin' });
    expect(noList.status).toBe(400);
    expect(noList.body).toMatchObject({ scimType: 'invalidSyntax', detail: expect.stringContaining('{"roles"') });
    const badItem = await api().post(`/Users/${user.id}/roles`, { roles: [42] });
    expect(badItem.status).toBe(400);
    expect(badItem.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('roles[0]') });
    const unknown = await api().put(`/Users/${user.id}/roles`, { roles: ['admin', 'ghost'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('"ghost"') });
    expect((await api().get(`/Users/${user.id}`)).headers.etag).toBe('W/"1"');
    expect((await api().get(`/Users/${user.id}/roles`)).status).toBe(405);
  });

  it('needs scim:write; a read-only token is 403', async () => {
    const user = await createUser('alice');
    const reader = await t.tokenFor(tenant.tenant, ['scim:read']);
    const res = await request(t.app).post(`${SCIM}/Users/${user.id}/roles`).set('Authorization', `Bearer ${reader}`).send({ roles: ['admin'] });
    expect(res.status).toBe(403);
    expect((await request(t.app).post(`${SCIM}/Users/${user.id}/roles`).send({ roles: ['admin'] })).status).toBe(401);
  });
});

describe('deleting and renaming a role users hold', () => {
  it('refuses to delete a held role with 409 naming how many hold it, also through Bulk', async () => {
    const admin = await createRole('admin');
    await createUser('alice', [{ value: 'admin' }]);
    await createUser('bob', [{ value: 'admin' }]);
    const res = await api().delete(`/Roles/${admin}`);
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('held by 2 users');
    expect(res.body.detail).toContain('force=true');
    const bulk = await api().post('/Bulk', { schemas: [BULK_REQUEST], Operations: [{ method: 'DELETE', path: `/Roles/${admin}` }] });
    expect(bulk.body.Operations[0].status).toBe('409');
    expect((await api().get(`/Roles/${admin}`)).status).toBe(200);
    expect((await api().delete(`/Roles/${admin}?force=maybe`)).status).toBe(400);
  });

  it('?force=true deletes it and takes it from every holder within the request when they are few', async () => {
    const admin = await createRole('admin');
    await createRole('auditor');
    const alice = await createUser('alice', [{ value: 'admin' }, { value: 'auditor' }]);
    const bob = await createUser('bob', [{ value: 'admin' }]);
    const res = await api().delete(`/Roles/${admin}?force=true`);
    expect(res.status).toBe(204);
    expect((await api().get(`/Roles/${admin}`)).status).toBe(404);
    const aliceAfter = await api().get(`/Users/${alice.id}`);
    expect(roleValues(aliceAfter.body)).toEqual(['auditor']);
    expect(aliceAfter.headers.etag).toBe('W/"2"');
    expect((await api().get(`/Users/${bob.id}`)).body.roles).toBeUndefined();
    expect((await api().get('/Users?filter=roles.value eq "admin"')).body.totalResults).toBe(0);
  });

  it('with more holders answers 202 with a job, which a worker runs to the end', async () => {
    const admin = await createRole('admin');
    const holders = [];
    for (let index = 0; index < 7; index++) holders.push(await createUser(`user${index}`, [{ value: 'admin' }]));
    const res = await api().delete(`/Roles/${admin}?force=true`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ holders: 7, job: { type: 'roles.move-holders', status: 'queued' } });
    expect((await api().get(`/Roles/${admin}`)).status).toBe(404);

    const workers = buildWorkers({ store: t.store, registry: loadBuiltinRegistry(), logger: createLogger('silent') });
    await workers.runOnce();
    const job = await t.store.jobs.get(tenant.tenant.id, res.body.job.id);
    expect(job).toMatchObject({ status: JobStatus.succeeded, result: { holdersChanged: 7, holdersSeen: 7 } });
    for (const holder of holders) expect((await api().get(`/Users/${holder.id}`)).body.roles).toBeUndefined();
  });

  it('a rename (PUT or PATCH of name) reaches every holder; a second spelling of the same name too', async () => {
    const role = await createRole('admin');
    await createRole('auditor');
    const alice = await createUser('alice', [{ value: 'auditor' }, { value: 'admin', display: 'Admin' }]);
    const renamed = await api().patch(`/Roles/${role}`, { op: 'replace', path: 'name', value: 'administrator' });
    expect(renamed.status).toBe(200);
    expect((await api().get(`/Users/${alice.id}`)).body.roles).toEqual([{ value: 'auditor' }, { value: 'administrator', display: 'Admin' }]);

    const recased = await api().put(`/Roles/${role}`, { schemas: [ROLE_SCHEMA], name: 'Administrator' });
    expect(recased.status).toBe(200);
    expect(roleValues((await api().get(`/Users/${alice.id}`)).body)).toEqual(['auditor', 'Administrator']);
    expect((await api().get('/Users?filter=roles.value eq "admin"')).body.totalResults).toBe(0);
  });

  it('a rename onto a name the catalogue has is 409 uniqueness, and no holder changes', async () => {
    const role = await createRole('admin');
    await createRole('auditor');
    const alice = await createUser('alice', [{ value: 'admin' }]);
    const res = await api().patch(`/Roles/${role}`, { op: 'replace', path: 'name', value: 'AUDITOR' });
    expect(res.status).toBe(409);
    expect(res.body.scimType).toBe('uniqueness');
    expect((await api().get(`/Users/${alice.id}`)).headers.etag).toBe('W/"1"');
  });
});

describe('the name of a role whose holders are being moved', () => {
  const runWorkers = (clock?: () => Date) => buildWorkers({ store: t.store, registry: loadBuiltinRegistry(), logger: createLogger('silent'), clock }).runOnce();

  it('is refused to a new role, or to another role by rename, with 409 naming the job, until the job ends', async () => {
    const admin = await createRole('admin');
    const auditor = await createRole('auditor');
    for (let index = 0; index < 5; index++) await createUser(`user${index}`, [{ value: 'admin' }]);
    const deleted = await api().delete(`/Roles/${admin}?force=true`);
    expect(deleted.status).toBe(202);
    const jobId = deleted.body.job.id as string;

    const created = await api().post('/Roles', { schemas: [ROLE_SCHEMA], name: 'ADMIN' });
    expect(created.status).toBe(409);
    expect(created.body.detail).toContain(`GET /Jobs/${jobId}`);
    const renamed = await api().patch(`/Roles/${auditor}`, { op: 'replace', path: 'name', value: 'Admin' });
    expect(renamed.status).toBe(409);
    expect(renamed.body.detail).toContain(jobId);
    const bulk = await api().post('/Bulk', { schemas: [BULK_REQUEST], Operations: [{ method: 'POST', path: '/Roles', bulkId: 'r', data: { schemas: [ROLE_SCHEMA], name: 'admin' } }] });
    expect(bulk.body.Operations[0].status).toBe('409');
    expect((await api().get('/Roles?filter=name eq "admin"')).body.totalResults).toBe(0);
    expect((await api().get(`/Roles/${auditor}`)).body.name).toBe('auditor');

    await runWorkers();
    expect((await t.store.jobs.get(tenant.tenant.id, jobId))?.status).toBe(JobStatus.succeeded);
    await createRole('admin');
    const newcomer = await createUser('newcomer', [{ value: 'admin' }]);
    expect(roleValues((await api().get(`/Users/${newcomer.id}`)).body)).toEqual(['admin']);
  });

  it("stays the moving role's own: renaming it back while its holders move is allowed and ends at that name", async () => {
    const role = await createRole('admin');
    const holders = [];
    for (let index = 0; index < 5; index++) holders.push(await createUser(`user${index}`, [{ value: 'admin' }]));
    expect((await api().patch(`/Roles/${role}`, { op: 'replace', path: 'name', value: 'administrator' })).status).toBe(200);
    const back = await api().patch(`/Roles/${role}`, { op: 'replace', path: 'name', value: 'admin' });
    expect(back.status).toBe(200);
    await runWorkers();
    for (const holder of holders) expect(roleValues((await api().get(`/Users/${holder.id}`)).body)).toEqual(['admin']);
  });

  it('is free at once after a move the request finished itself: its safety-net job is cancelled and strips nobody later', async () => {
    const admin = await createRole('admin');
    await createUser('alice', [{ value: 'admin' }]);
    expect((await api().delete(`/Roles/${admin}?force=true`)).status).toBe(204);
    const { jobs } = await t.store.jobs.list(tenant.tenant.id, { limit: 10, type: 'roles.move-holders' });
    expect(jobs.map((job) => job.status)).toEqual([JobStatus.cancelled]);

    await createRole('Admin');
    const bob = await createUser('bob', [{ value: 'admin' }]);
    const anHourLater = new Date(Date.now() + 3_600_000);
    await runWorkers(() => anHourLater);
    expect(roleValues((await api().get(`/Users/${bob.id}`)).body)).toEqual(['Admin']);
  });
});

describe('tenant isolation', () => {
  it("keeps one tenant's catalogue, holders and routes away from another's", async () => {
    const other = await t.tenant({ name: 'other' });
    const admin = await createRole('admin');
    const user = await createUser('alice', [{ value: 'admin' }]);

    // The same name is free in another tenant, and one tenant's role is not another's.
    await createRole('admin', {}, other);
    expect((await as(other).get(`/Roles/${admin}`)).status).toBe(404);
    expect((await as(other).delete(`/Roles/${admin}?force=true`)).status).toBe(404);
    expect((await as(other).post(`/Users/${user.id}/roles`, { roles: ['admin'] })).status).toBe(404);
    expect((await as(other).delete(`/Users/${user.id}/roles/admin`)).status).toBe(404);
    expect((await as(other).get('/Users?filter=roles.value eq "admin"')).body.totalResults).toBe(0);

    // A role only another tenant has is unknown here.
    await createRole('wizard', {}, other);
    const res = await api().post(`/Users/${user.id}/roles`, { roles: ['wizard'] });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('"wizard"');
  });
});
