// PATCH over HTTP: responses, profiles, preconditions and atomicity (RFC 7644 §3.5.2, §3.14).
// The case-by-case semantics are in patch-table.test.ts; concurrent PATCHes in interleaved-writes.test.ts.
import request from 'supertest';
import { composeBehaviours } from '../../src/resources/compose-behaviours';
import { createResourceService } from '../../src/resources/resource-service';
import type { RelationPatchPlan } from '../../src/resources/resource-type-behaviour';
import { passwordMatches } from '../helpers/passwords';
import type { PatchOperation } from '../../src/scim/patch/patch-operation';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { createResourceValidators } from '../../src/scim/schema/validate-resource';
import { Scope } from '../../src/auth/scopes';
import { tokenContext } from '../helpers/request-context';
import { createTestApp, ENTERPRISE_SCHEMA, ERROR_SCHEMA, SCIM, steppingClock, user, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const patchBody = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });

let t: TestApp;
let a: TestTenant;

beforeEach(async () => {
  t = await createTestApp({}, { clock: steppingClock() });
  a = await t.tenant({ name: 'a' });
});
afterEach(() => t.close());

const createUser = async (body: Record<string, unknown>, tenant: TestTenant = a) => {
  const res = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(body);
  expect(res.status).toBe(201);
  return res.body as { id: string; schemas: string[]; meta: Record<string, string>; active?: boolean };
};
const patch = (id: string, body: unknown, tenant: TestTenant = a) => request(t.app).patch(`${SCIM}/Users/${id}`).set(tenant.auth).send(body as object);
const get = (id: string, tenant: TestTenant = a) => request(t.app).get(`${SCIM}/Users/${id}`).set(tenant.auth);

describe('PATCH /Users/{id}: responses', () => {
  it('answers 200 with the full resource, a new version and ETag, and a later lastModified', async () => {
    const created = await createUser(user('resp', { title: 'A' }));
    const res = await patch(created.id, patchBody({ op: 'replace', path: 'title', value: 'B' }));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(res.body).toMatchObject({ id: created.id, userName: 'resp', title: 'B', meta: { version: 'W/"2"', created: created.meta.created } });
    expect(res.headers.etag).toBe('W/"2"');
    expect(Date.parse(res.body.meta.lastModified)).toBeGreaterThan(Date.parse(created.meta.lastModified));
  });

  it('honours attributes and excludedAttributes on the response', async () => {
    const created = await createUser(user('sel', { title: 'A', displayName: 'D' }));
    const only = await request(t.app).patch(`${SCIM}/Users/${created.id}?attributes=title`).set(a.auth).send(patchBody({ op: 'replace', path: 'title', value: 'B' }));
    expect(only.status).toBe(200);
    // `schemas` names the schemas of the attributes returned: the core schema alone (RFC 7643 §3).
    expect(only.body).toEqual({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: created.id, title: 'B' });
    const without = await request(t.app)
      .patch(`${SCIM}/Users/${created.id}?excludedAttributes=displayName,title`)
      .set(a.auth)
      .send(patchBody({ op: 'replace', path: 'title', value: 'C' }));
    expect(without.body.displayName).toBeUndefined();
    expect(without.body.title).toBeUndefined();
    expect(without.body.userName).toBe('sel');
  });

  it('answers 204 without a body for a tenant on the entra profile, and stores the change', async () => {
    const entra = await t.tenant({ name: 'entra', profile: 'entra' });
    const created = await createUser(user('entra-user', { active: true }), entra);
    const res = await patch(created.id, patchBody({ op: 'Replace', path: 'active', value: 'False' }), entra);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers.etag).toBe('W/"2"');
    expect((await get(created.id, entra)).body.active).toBe(false);
  });

  it('accepts application/json as well as application/scim+json', async () => {
    const created = await createUser(user('ct'));
    const res = await request(t.app)
      .patch(`${SCIM}/Users/${created.id}`)
      .set(a.auth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(patchBody({ op: 'add', path: 'title', value: 'T' })));
    expect(res.status).toBe(200);
    expect(res.body.title).toBe('T');
  });

  it('answers 400 invalidSyntax for a body that is not JSON object', async () => {
    const created = await createUser(user('nobody'));
    const res = await request(t.app).patch(`${SCIM}/Users/${created.id}`).set(a.auth).set('Content-Type', 'application/scim+json').send('[1,2]');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidSyntax' });
  });

  it('answers 404 for an unknown id and for a user of another tenant', async () => {
    const b = await t.tenant({ name: 'b' });
    const theirs = await createUser(user('theirs'), b);
    for (const id of ['does-not-exist', theirs.id]) {
      const res = await patch(id, patchBody({ op: 'replace', path: 'title', value: 'x' }));
      expect(res.status).toBe(404);
      expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
    }
    expect((await get(theirs.id, b)).body.title).toBeUndefined();
  });

  it('needs the write scope', async () => {
    const created = await createUser(user('scoped'));
    const readOnly = await t.tokenFor(a.tenant, [Scope.read]);
    const res = await request(t.app)
      .patch(`${SCIM}/Users/${created.id}`)
      .set({ Authorization: `Bearer ${readOnly}` })
      .send(patchBody({ op: 'replace', path: 'title', value: 'x' }));
    expect(res.status).toBe(403);
    expect((await get(created.id)).body.title).toBeUndefined();
  });

  it('lists PATCH in Allow when a method is not supported on a resource', async () => {
    const created = await createUser(user('allow'));
    const res = await request(t.app).post(`${SCIM}/Users/${created.id}`).set(a.auth).send({});
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, PUT, PATCH, DELETE');
  });

  it('advertises patch.supported in ServiceProviderConfig', async () => {
    const res = await request(t.app).get(`${SCIM}/ServiceProviderConfig`).set(a.auth);
    expect(res.body.patch).toEqual({ supported: true });
  });
});

describe('PATCH: versions and preconditions (RFC 7644 §3.14)', () => {
  it('does not bump the version or lastModified when nothing changes', async () => {
    const created = await createUser(user('same', { active: true, emails: [{ value: 'a@x.example', type: 'work' }] }));
    const res = await patch(
      created.id,
      patchBody({ op: 'Replace', path: 'active', value: 'True' }, { op: 'add', path: 'emails', value: [{ value: 'a@x.example', type: 'work' }] }),
    );
    expect(res.status).toBe(200);
    expect(res.body.meta).toEqual(created.meta);
    expect(res.headers.etag).toBe('W/"1"');
  });

  it('answers 412 for a stale If-Match and leaves the user unchanged', async () => {
    const created = await createUser(user('stale'));
    expect((await patch(created.id, patchBody({ op: 'replace', path: 'title', value: 'one' }))).status).toBe(200);
    const res = await request(t.app).patch(`${SCIM}/Users/${created.id}`).set(a.auth).set('If-Match', 'W/"1"').send(patchBody({ op: 'replace', path: 'title', value: 'two' }));
    expect(res.status).toBe(412);
    expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
    const stored = (await get(created.id)).body;
    expect(stored.title).toBe('one');
    expect(stored.meta.version).toBe('W/"2"');
  });

  it('applies the PATCH when If-Match is current (or *)', async () => {
    const created = await createUser(user('fresh'));
    const first = await request(t.app).patch(`${SCIM}/Users/${created.id}`).set(a.auth).set('If-Match', 'W/"1"').send(patchBody({ op: 'replace', path: 'title', value: 'one' }));
    expect(first.status).toBe(200);
    const second = await request(t.app).patch(`${SCIM}/Users/${created.id}`).set(a.auth).set('If-Match', '*').send(patchBody({ op: 'replace', path: 'title', value: 'two' }));
    expect(second.status).toBe(200);
    expect(second.body.meta.version).toBe('W/"3"');
  });
});

describe('PATCH: atomicity (RFC 7644 §3.5.2)', () => {
  it('applies none of the operations when one fails, and names the failing one', async () => {
    const created = await createUser(user('atomic', { title: 'T', [ENTERPRISE_SCHEMA]: { department: 'D' } }));
    const res = await patch(
      created.id,
      patchBody(
        { op: 'replace', path: 'title', value: 'changed' },
        { op: 'remove', path: `${ENTERPRISE_SCHEMA}:department` },
        { op: 'add', path: 'emails', value: [{ value: 'a@x.example' }] },
        { op: 'replace', path: 'emails[type eq "home"].value', value: 'b@x.example' },
      ),
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: 'noTarget', detail: expect.stringMatching(/^Operation 3\b/) });
    expect((await get(created.id)).body).toEqual(created);
  });
});

describe('PATCH: writeOnly password (RFC 7643 §4.1.1)', () => {
  it('stores a new password hash and never returns the password; other PATCHes keep the hash', async () => {
    const created = await createUser(user('pw', { password: 'first-Passw0rd' }));
    const res = await patch(created.id, patchBody({ op: 'replace', value: { password: 'second-Passw0rd' } }));
    expect(res.status).toBe(200);
    expect(res.body.password).toBeUndefined();
    expect(res.body.meta.version).toBe('W/"2"');
    const hashOf = async () => (await t.store.resources.get(a.tenant.id, 'User', created.id))?.internal.passwordHash as string;
    expect(await passwordMatches('second-Passw0rd', await hashOf())).toBe(true);
    expect(await passwordMatches('first-Passw0rd', await hashOf())).toBe(false);
    await patch(created.id, patchBody({ op: 'replace', path: 'title', value: 'T' }));
    expect(await passwordMatches('second-Passw0rd', await hashOf())).toBe(true);
  });
});

describe('boolean strings outside PATCH', () => {
  it('accepts "True"/"False" for booleans in POST and PUT too (Entra ID)', async () => {
    const created = await createUser(user('bools', { active: 'False' }));
    expect(created.active).toBe(false);
    const put = await request(t.app).put(`${SCIM}/Users/${created.id}`).set(a.auth).send(user('bools', { active: 'True' }));
    expect(put.status).toBe(200);
    expect(put.body.active).toBe(true);
  });
});

// The contract with behaviours that keep an attribute outside the document (Group.members): the plan takes its
// operations, the rest is applied to the document, the document is written first, then the plan is committed.
describe('ResourceService.patch with a relation plan', () => {
  const PLAN_USER = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'planned' };

  const serviceWith = (plan: (operations: readonly PatchOperation[]) => RelationPatchPlan, events: string[]) => {
    const resources = t.store.resources;
    const registry = loadBuiltinRegistry();
    return createResourceService({
      store: {
        ...resources,
        replace: async (...args: Parameters<typeof resources.replace>) => {
          events.push('write');
          return resources.replace(...args);
        },
      },
      pending: t.store.memberships,
      registry,
      validatorFor: createResourceValidators(registry),
      behaviours: { User: composeBehaviours({ planRelationPatch: async (_context, _id, operations) => plan(operations) }) },
    });
  };

  const takeRoles = (changes: boolean, events: string[]) => (operations: readonly PatchOperation[]): RelationPatchPlan => ({
    remaining: operations.filter((operation) => operation.path?.attribute.attribute.name !== 'roles'),
    changes,
    commit: async () => {
      events.push(`commit ${operations.filter((operation) => operation.path?.attribute.attribute.name === 'roles').length}`);
    },
  });

  it('applies the remaining operations, writes the document, then commits the plan', async () => {
    const events: string[] = [];
    const service = serviceWith(takeRoles(true, events), events);
    const type = service.resourceType('User');
    const created = await service.create(tokenContext(a.tenant.id), type, PLAN_USER);
    const result = await service.patch(tokenContext(a.tenant.id), type, created.id, patchBody({ op: 'add', path: 'roles', value: [{ value: 'r' }] }, { op: 'replace', path: 'title', value: 'T' }));
    expect(events).toEqual(['write', 'commit 1']);
    expect(result.changed).toBe(true);
    expect(result.resource.attributes).toEqual({ userName: 'planned', title: 'T' });
    expect(result.resource.version).toBe(created.version + 1);
  });

  it('writes (bumping the version) when only the plan changes something', async () => {
    const events: string[] = [];
    const service = serviceWith(takeRoles(true, events), events);
    const type = service.resourceType('User');
    const created = await service.create(tokenContext(a.tenant.id), type, PLAN_USER);
    const result = await service.patch(tokenContext(a.tenant.id), type, created.id, patchBody({ op: 'add', path: 'roles', value: [{ value: 'r' }] }));
    expect(events).toEqual(['write', 'commit 1']);
    expect(result).toMatchObject({ changed: true, resource: { version: created.version + 1 } });
  });

  it('writes and commits nothing when neither the document nor the plan changes', async () => {
    const events: string[] = [];
    const service = serviceWith(takeRoles(false, events), events);
    const type = service.resourceType('User');
    const created = await service.create(tokenContext(a.tenant.id), type, PLAN_USER);
    const result = await service.patch(tokenContext(a.tenant.id), type, created.id, patchBody({ op: 'add', path: 'roles', value: [{ value: 'r' }] }));
    expect(events).toEqual([]);
    expect(result).toEqual({ changed: false, resource: created });
  });

  it('commits nothing when the document operations fail', async () => {
    const events: string[] = [];
    const service = serviceWith(takeRoles(true, events), events);
    const type = service.resourceType('User');
    const created = await service.create(tokenContext(a.tenant.id), type, PLAN_USER);
    await expect(
      service.patch(tokenContext(a.tenant.id), type, created.id, patchBody({ op: 'add', path: 'roles', value: [{ value: 'r' }] }, { op: 'replace', path: 'active', value: 'perhaps' })),
    ).rejects.toMatchObject({ status: 400, scimType: 'invalidValue', detail: expect.stringMatching(/^Operation 1: /) });
    expect(events).toEqual([]);
  });
});
