// The per-tenant tolerances (README "Tolerances"): `tolerance.unknownMembers` and `tolerance.unknownSchemas`, set the
// way an operator sets them (the settings port the admin CLI writes), for one tenant only; the defaults stay strict.
import request from 'supertest';
import { LIFECYCLE } from '../helpers/lifecycle';
import { capturingLogger, createTestApp, ENTERPRISE_SCHEMA, GROUP_SCHEMA, SCIM, USER_SCHEMA, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';

let t: TestApp;
let log: ReturnType<typeof capturingLogger>;
let strict: TestTenant;

beforeEach(async () => {
  log = capturingLogger('warn');
  t = await createTestApp({}, { logger: log.logger });
  strict = await t.tenant({ name: 'strict' });
});
afterEach(() => t.close());

async function tolerantTenant(settings: Record<string, string>): Promise<TestTenant> {
  const tenant = await t.tenant({ name: 'tolerant' });
  await t.store.settings.update(tenant.tenant.id, { set: settings, at: new Date().toISOString() });
  return tenant;
}

const post = (tenant: TestTenant, endpoint: string, body: unknown) => request(t.app).post(`${SCIM}${endpoint}`).set(tenant.auth).send(body as object);
const patch = (tenant: TestTenant, endpoint: string, ...Operations: unknown[]) => request(t.app).patch(`${SCIM}${endpoint}`).set(tenant.auth).send({ schemas: [PATCH_OP], Operations });
const memberIds = async (tenant: TestTenant, groupId: string) =>
  ((await request(t.app).get(`${SCIM}/Groups/${groupId}`).set(tenant.auth)).body.members ?? []).map((member: { value: string }) => member.value);

describe('tolerance.unknownMembers', () => {
  it('rejects a member that names no resource by default, with 400 invalidValue naming it', async () => {
    const group = await post(strict, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Team' });
    const res = await patch(strict, `/Groups/${group.body.id}`, { op: 'add', path: 'members', value: [{ value: 'string id 1' }] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining("'string id 1'") });
  });

  it('under ignore drops such members on POST, PUT, PATCH and Bulk, keeps the real ones, and logs a warning naming them', async () => {
    const tenant = await tolerantTenant({ 'tolerance.unknownMembers': 'ignore' });
    const alice = (await post(tenant, '/Users', { schemas: [USER_SCHEMA], userName: 'alice' })).body.id as string;
    const bob = (await post(tenant, '/Users', { schemas: [USER_SCHEMA], userName: 'bob' })).body.id as string;

    const created = await post(tenant, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Team', members: [{ value: alice }, { value: 'ghost-1' }] });
    expect(created.status).toBe(201);
    expect(created.body.members.map((member: { value: string }) => member.value)).toEqual([alice]);

    // Microsoft's suite: a bare string that is the id of nothing.
    const patched = await patch(tenant, `/Groups/${created.body.id}`, { op: 'add', path: 'members', value: 'string id 1' }, { op: 'add', path: 'members', value: [{ value: bob }] });
    expect(patched.status).toBe(200);
    expect((await memberIds(tenant, created.body.id)).sort()).toEqual([alice, bob].sort());

    const replaced = await request(t.app)
      .put(`${SCIM}/Groups/${created.body.id}`)
      .set(tenant.auth)
      .send({ schemas: [GROUP_SCHEMA], displayName: 'Team', members: [{ value: 'ghost-2' }, { value: bob }] });
    expect(replaced.status).toBe(200);
    expect(await memberIds(tenant, created.body.id)).toEqual([bob]);

    const bulk = await post(tenant, '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [{ method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP_SCHEMA], displayName: 'Bulk', members: [{ value: 'ghost-3' }] } }],
    });
    expect(bulk.body.Operations[0]).toMatchObject({ status: '201' });

    const warnings = log.lines.filter((line) => line.level === 40 && String(line.msg).includes('tolerance.unknownMembers'));
    expect(warnings.map((line) => line.ignoredMembers)).toEqual([['ghost-1'], ['string id 1'], ['ghost-2'], ['ghost-3']]);
    expect(warnings[0]).toMatchObject({ tenantId: tenant.tenant.id, requestId: expect.any(String) });
  });

  it('still refuses under ignore a member whose stated type contradicts the resource, and another tenant keeps rejecting', async () => {
    const tenant = await tolerantTenant({ 'tolerance.unknownMembers': 'ignore' });
    const alice = (await post(tenant, '/Users', { schemas: [USER_SCHEMA], userName: 'alice' })).body.id as string;
    const wrongType = await post(tenant, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Typed', members: [{ value: alice, type: 'Group' }] });
    expect(wrongType.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    // A user of the tolerant tenant is unknown to the strict one.
    const elsewhere = await post(strict, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Other', members: [{ value: alice }] });
    expect(elsewhere.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
  });
});

describe('tolerance.unknownSchemas', () => {
  it('under ignore drops URNs the server does not know on POST, PUT, PATCH and Bulk; the default tenant still refuses them', async () => {
    const tenant = await tolerantTenant({ 'tolerance.unknownSchemas': 'ignore' });
    const body = (userName: string) => ({ schemas: [USER_SCHEMA, ACME], userName, title: 'T', [ACME]: { costCenter: 'x' } });

    expect((await post(strict, '/Users', body('strict'))).body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    const created = await post(tenant, '/Users', body('tolerated'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ schemas: [USER_SCHEMA, LIFECYCLE], userName: 'tolerated', title: 'T' });
    expect(created.body).not.toHaveProperty([ACME]);

    const replaced = await request(t.app).put(`${SCIM}/Users/${created.body.id}`).set(tenant.auth).send({ ...body('tolerated'), title: 'Put' });
    expect(replaced.status).toBe(200);
    expect(replaced.body.title).toBe('Put');

    const patched = await patch(tenant, `/Users/${created.body.id}`, { op: 'replace', path: `${ACME}:costCenter`, value: 'y' }, { op: 'replace', value: { title: 'Patched', [ACME]: { costCenter: 'z' } } });
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBe('Patched');
    expect(patched.body).not.toHaveProperty([ACME]);

    const bulk = await post(tenant, '/Bulk', { schemas: [BULK_REQUEST], Operations: [{ method: 'POST', path: '/Users', bulkId: 'u', data: body('bulk') }] });
    expect(bulk.body.Operations[0]).toMatchObject({ status: '201' });
  });

  it('under ignore still refuses a schema of another resource type, a missing core schema, and Enterprise attributes it does not list', async () => {
    const tenant = await tolerantTenant({ 'tolerance.unknownSchemas': 'ignore' });
    expect((await post(tenant, '/Users', { schemas: [USER_SCHEMA, GROUP_SCHEMA], userName: 'g' })).body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    expect((await post(tenant, '/Users', { schemas: [ACME], userName: 'c' })).body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    expect((await post(tenant, '/Users', { schemas: [USER_SCHEMA], userName: 'e', [ENTERPRISE_SCHEMA]: { department: 'x' } })).body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    const created = await post(tenant, '/Users', { schemas: [USER_SCHEMA], userName: 'p' });
    expect((await patch(tenant, `/Users/${created.body.id}`, { op: 'replace', path: `${GROUP_SCHEMA}:displayName`, value: 'x' })).body).toMatchObject({ status: '400', scimType: 'invalidPath' });
  });
});
