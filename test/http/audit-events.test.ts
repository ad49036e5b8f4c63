// The audit trail through the real app on the embedded store: what each kind of operation records (a write's
// START and SUCCESS with the changed attribute names and never a value, a create's id only at SUCCESS, failures with
// their status and scimType, reads, Bulk and bulk-delete per operation), and reading it back through GET /AuditEvents
// (the audit:read scope, filters, cursor pages, read-only, tenant isolation).
import request from 'supertest';
import { Scope } from '../../src/auth/scopes';
import type { AuditEventRecord } from '../../src/store/audit-event-store';
import { createTestApp, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const AUDIT_SCHEMA = 'urn:scim-server:params:scim:schemas:audit:2.0:AuditEvent';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

let t: TestApp;
let tenant: TestTenant;
let auditor: { Authorization: string };

beforeEach(async () => {
  t = await createTestApp();
  tenant = await t.tenant();
  auditor = { Authorization: `Bearer ${await t.tokenFor(tenant.tenant, [Scope.auditRead])}` };
});
afterEach(() => t.close());

/** The events of one request (by its X-Request-Id), as [type, outcome] in the order they happened. */
const ofRequest = (events: readonly AuditEventRecord[], requestId: string) => events.filter((event) => event.requestId === requestId);
const types = (events: readonly AuditEventRecord[]) => events.map((event) => event.type).sort();

describe('what operations record', () => {
  it('a create: START without an id, SUCCESS with the id, actor, request, client address, duration and the names it set', async () => {
    const res = await request(t.app)
      .post(`${SCIM}/Users`)
      .set(tenant.auth)
      .set('X-Request-Id', 'req-create-1')
      .send(user('bjensen@example.com', { name: { givenName: 'Barbara' }, password: 'Correct-Horse-9!', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Tours' } }));
    expect(res.status).toBe(201);
    const events = ofRequest(await t.auditEvents(tenant.tenant.id), 'req-create-1');
    const start = events.find((event) => event.type === 'USER_CREATE_START')!;
    const success = events.find((event) => event.type === 'USER_CREATE_SUCCESS')!;
    expect(types(events)).toEqual(['USER_CREATE_START', 'USER_CREATE_SUCCESS']);
    const token = (await t.store.tenants.listTokens(tenant.tenant.id)).find((candidate) => tenant.token.includes(candidate.id))!;
    expect(start).toEqual({
      id: expect.any(String),
      tenantId: tenant.tenant.id,
      type: 'USER_CREATE_START',
      time: expect.any(String),
      outcome: 'started',
      actor: { kind: 'token', tokenId: token.id, label: 'test' },
      requestId: 'req-create-1',
      clientAddress: expect.stringMatching(/127\.0\.0\.1$/),
      resource: { type: 'User' },
    });
    expect(success).toMatchObject({
      outcome: 'success',
      resource: { type: 'User', id: res.body.id },
      durationMs: expect.any(Number),
      changedAttributes: ['name', 'password', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', 'userName'],
    });
    expect(Date.parse(success.time)).toBeGreaterThanOrEqual(Date.parse(start.time));
    // Names only: no value of the request, the password least of all, is anywhere in the trail.
    const trail = JSON.stringify(await t.auditEvents(tenant.tenant.id));
    for (const value of ['Correct-Horse-9!', 'Barbara', 'Tours', 'bjensen@example.com', tenant.token]) expect(trail).not.toContain(value);
  });

  it('a failed write: START and FAIL with the status and scimType, no id, nothing changed', async () => {
    await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('taken@example.com')).expect(201);
    await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).set('X-Request-Id', 'req-dup').send(user('TAKEN@example.com')).expect(409);
    const events = ofRequest(await t.auditEvents(tenant.tenant.id), 'req-dup');
    expect(types(events)).toEqual(['USER_CREATE_FAIL', 'USER_CREATE_START']);
    expect(events.find((event) => event.outcome === 'failure')).toMatchObject({ resource: { type: 'User' }, error: { status: 409, scimType: 'uniqueness' }, durationMs: expect.any(Number) });
    expect(events.find((event) => event.outcome === 'failure')!.changedAttributes).toBeUndefined();
  });

  it('PUT and PATCH are both UPDATE, naming what changed; a PATCH that changes nothing names nothing; DELETE names the id', async () => {
    const created = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('u@example.com', { title: 'Guide' })).expect(201);
    const id = created.body.id as string;
    await request(t.app).put(`${SCIM}/Users/${id}`).set(tenant.auth).set('X-Request-Id', 'req-put').send(user('u@example.com', { title: 'Chief', nickName: 'u' })).expect(200);
    const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'password', value: 'New-Secret-123!' }] };
    await request(t.app).patch(`${SCIM}/Users/${id}`).set(tenant.auth).set('X-Request-Id', 'req-patch').send(patch).expect(200);
    const same = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Chief' }] };
    await request(t.app).patch(`${SCIM}/Users/${id}`).set(tenant.auth).set('X-Request-Id', 'req-noop').send(same).expect(200);
    await request(t.app).delete(`${SCIM}/Users/${id}`).set(tenant.auth).set('X-Request-Id', 'req-delete').expect(204);
    await request(t.app).delete(`${SCIM}/Users/${id}`).set(tenant.auth).set('X-Request-Id', 'req-delete-again').expect(404);

    const events = await t.auditEvents(tenant.tenant.id);
    const success = (requestId: string) => ofRequest(events, requestId).find((event) => event.outcome !== 'started')!;
    expect(success('req-put')).toMatchObject({ type: 'USER_UPDATE_SUCCESS', resource: { type: 'User', id }, changedAttributes: ['nickName', 'title'] });
    expect(success('req-patch')).toMatchObject({ type: 'USER_UPDATE_SUCCESS', changedAttributes: ['password'] });
    expect(success('req-noop')).toMatchObject({ type: 'USER_UPDATE_SUCCESS', resource: { type: 'User', id } });
    expect(success('req-noop').changedAttributes).toBeUndefined();
    expect(success('req-delete')).toMatchObject({ type: 'USER_DELETE_SUCCESS', resource: { type: 'User', id } });
    expect(success('req-delete-again')).toMatchObject({ type: 'USER_DELETE_FAIL', resource: { type: 'User', id }, error: { status: 404 } });
    // The START of a write to an existing resource names it.
    expect(ofRequest(events, 'req-put').find((event) => event.outcome === 'started')).toMatchObject({ type: 'USER_UPDATE_START', resource: { type: 'User', id } });
    expect(JSON.stringify(events)).not.toContain('New-Secret-123!');
  });

  it('group membership changes name members', async () => {
    const member = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('m@example.com')).expect(201);
    const group = await request(t.app).post(`${SCIM}/Groups`).set(tenant.auth).send({ schemas: [GROUP_SCHEMA], displayName: 'Guides' }).expect(201);
    const add = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: member.body.id }] }] };
    await request(t.app).patch(`${SCIM}/Groups/${group.body.id}`).set(tenant.auth).set('X-Request-Id', 'req-members').send(add).expect(200);
    const success = ofRequest(await t.auditEvents(tenant.tenant.id), 'req-members').find((event) => event.outcome === 'success');
    expect(success).toMatchObject({ type: 'GROUP_UPDATE_SUCCESS', resource: { type: 'Group', id: group.body.id }, changedAttributes: ['members'] });
  });

  it('reads and searches record a pair each, with what they read', async () => {
    const created = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('r@example.com')).expect(201);
    await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(tenant.auth).set('X-Request-Id', 'req-get').expect(200);
    await request(t.app).get(`${SCIM}/Users?filter=userName eq "r@example.com"`).set(tenant.auth).set('X-Request-Id', 'req-list').expect(200);
    await request(t.app).post(`${SCIM}/Users/.search`).set(tenant.auth).set('X-Request-Id', 'req-search').send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] }).expect(200);
    await request(t.app).get(`${SCIM}/Users?filter=nope eq 1`).set(tenant.auth).set('X-Request-Id', 'req-bad-filter').expect(400);
    const events = await t.auditEvents(tenant.tenant.id);
    expect(types(ofRequest(events, 'req-get'))).toEqual(['USER_RETRIEVE_START', 'USER_RETRIEVE_SUCCESS']);
    expect(ofRequest(events, 'req-get').every((event) => event.resource?.id === created.body.id)).toBe(true);
    expect(types(ofRequest(events, 'req-list'))).toEqual(['USER_RETRIEVE_LIST_START', 'USER_RETRIEVE_LIST_SUCCESS']);
    expect(types(ofRequest(events, 'req-search'))).toEqual(['USER_SEARCH_START', 'USER_SEARCH_SUCCESS']);
    expect(ofRequest(events, 'req-bad-filter').find((event) => event.outcome === 'failure')).toMatchObject({ type: 'USER_RETRIEVE_LIST_FAIL', error: { status: 400, scimType: 'invalidFilter' } });
  });

  it('reads go straight into the audit store when the buffer flushes, without the outbox or a worker', async () => {
    const created = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('direct@example.com')).expect(201);
    await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(tenant.auth).set('X-Request-Id', 'req-direct').expect(200);
    await request(t.app).get(`${SCIM}/Users/nope`).set(tenant.auth).set('X-Request-Id', 'req-direct-404').expect(404);
    const readOf = async (requestId: string) => {
      const res = await request(t.app).get(`${SCIM}/AuditEvents`).query({ filter: `resource.id eq "${requestId === 'req-direct' ? created.body.id : 'nope'}"` }).set(auditor).expect(200);
      return (res.body.Resources as AuditEventRecord[]).filter((event) => event.requestId === requestId);
    };
    // In memory until the buffer's flush (its size, its timer or a shutdown); the flush writes the audit store itself.
    await t.auditBuffer.flush();
    expect(types(await readOf('req-direct'))).toEqual(['USER_RETRIEVE_START', 'USER_RETRIEVE_SUCCESS']);
    const notFound = await readOf('req-direct-404');
    expect(types(notFound)).toEqual(['USER_RETRIEVE_FAIL', 'USER_RETRIEVE_START']);
    expect(notFound.find((event) => event.outcome === 'failure')?.error).toEqual({ status: 404 });
    // No webhook subscribes to them: none went through the outbox (the create's events did, with the write).
    const audited = await t.store.outbox.list(tenant.tenant.id, { limit: 50, topic: 'audit' });
    const requestIds = audited.flatMap((message) => (message.payload as unknown as { events: AuditEventRecord[] }).events.map((event) => event.requestId));
    expect(requestIds).not.toContain('req-direct');
    expect(requestIds).not.toContain('req-direct-404');
  });

  it('a write whose events no webhook wants has them in the audit store with the write, without the outbox (embedded store)', async () => {
    // The first batch of reads teaches the server that the tenant has no webhook.
    await request(t.app).get(`${SCIM}/Users/nope`).set(tenant.auth).expect(404);
    await t.auditBuffer.flush();
    const created = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).set('X-Request-Id', 'req-in-place').send(user('in-place@example.com')).expect(201);
    const stored = (await t.store.auditEvents.list(tenant.tenant.id, { count: 50 })).events.filter((event) => event.requestId === 'req-in-place');
    expect(types(stored)).toEqual(['USER_CREATE_START', 'USER_CREATE_SUCCESS']);
    expect(stored.find((event) => event.outcome === 'success')?.resource).toEqual({ type: 'User', id: created.body.id });
    const audited = await t.store.outbox.list(tenant.tenant.id, { limit: 50, topic: 'audit' });
    expect(audited.flatMap((message) => (message.payload as unknown as { events: AuditEventRecord[] }).events).filter((event) => event.requestId === 'req-in-place')).toEqual([]);
  });

  it('a Bulk request records one BULK_REQUEST pair and one pair per operation, with its position and bulkId', async () => {
    const res = await request(t.app)
      .post(`${SCIM}/Bulk`)
      .set(tenant.auth)
      .set('X-Request-Id', 'req-bulk')
      .send({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'a', data: user('a@example.com') },
          { method: 'POST', path: '/Users', bulkId: 'b', data: user('A@example.com') },
          { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP_SCHEMA], displayName: 'G', members: [{ value: 'bulkId:a' }] } },
          { method: 'PATCH', path: '/Users/bulkId:a', data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'title', value: 'T' }] } },
          { method: 'DELETE', path: '/Users/nope' },
          { method: 'FETCH', path: '/Users' },
        ],
      });
    expect(res.status).toBe(200);
    const events = ofRequest(await t.auditEvents(tenant.tenant.id), 'req-bulk');
    const outcomes = events.filter((event) => event.outcome !== 'started').map((event) => [event.type, event.bulkOperation?.index ?? null, event.bulkOperation?.bulkId ?? null, event.error?.status ?? null]);
    expect(outcomes.sort((x, y) => String(x[1]).localeCompare(String(y[1])))).toEqual([
      ['USER_CREATE_SUCCESS', 0, 'a', null],
      ['USER_CREATE_FAIL', 1, 'b', 409],
      ['GROUP_CREATE_SUCCESS', 2, 'g', null],
      ['USER_UPDATE_SUCCESS', 3, null, null],
      ['USER_DELETE_FAIL', 4, null, 404],
      ['BULK_OPERATION_FAIL', 5, null, 400],
      ['BULK_REQUEST_SUCCESS', null, null, null],
    ]);
    expect(events.filter((event) => event.outcome === 'started')).toHaveLength(7);
    const aId = res.body.Operations[0].location.split('/').pop();
    expect(events.find((event) => event.type === 'USER_CREATE_SUCCESS')).toMatchObject({ resource: { type: 'User', id: aId } });
    expect(events.find((event) => event.type === 'USER_UPDATE_START')).toMatchObject({ resource: { type: 'User', id: aId } });
  });

  it('bulk-delete records the request and one DELETE per id', async () => {
    const created = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('d@example.com')).expect(201);
    await request(t.app).post(`${SCIM}/Users/.bulk-delete`).set(tenant.auth).set('X-Request-Id', 'req-bd').send({ ids: [created.body.id, 'nope'] }).expect(200);
    const events = ofRequest(await t.auditEvents(tenant.tenant.id), 'req-bd').filter((event) => event.outcome !== 'started');
    expect(events.map((event) => [event.type, event.resource?.id ?? null, event.bulkOperation?.index ?? null]).sort()).toEqual([
      ['USER_BULK_DELETE_SUCCESS', null, null],
      ['USER_DELETE_FAIL', 'nope', 1],
      ['USER_DELETE_SUCCESS', created.body.id, 0],
    ]);
  });

  it('account actions record their own pair; a sign-in that fails and locks the account records FAIL, never SUCCESS', async () => {
    await t.store.settings.update(tenant.tenant.id, { set: { 'lockout.threshold': '1' }, at: new Date().toISOString() });
    const id = (await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('locks@example.com', { password: 'Correct-Horse-9!' }))).body.id as string;
    expect((await request(t.app).post(`${SCIM}/Users/${id}/disable`).set(tenant.auth).set('X-Request-Id', 'req-disable').send({})).status).toBe(200);
    expect((await request(t.app).post(`${SCIM}/Users/${id}/enable`).set(tenant.auth).set('X-Request-Id', 'req-enable').send({})).status).toBe(200);
    const checker = { Authorization: `Bearer ${await t.tokenFor(tenant.tenant, [Scope.credentials])}` };
    const wrong = await request(t.app).post(`${SCIM}/Users/.verify-credentials`).set(checker).set('X-Request-Id', 'req-wrong').send({ userName: 'locks@example.com', password: 'Wrong-Horse-9!' });
    expect(wrong.status).toBe(401);
    // The failure locked the account (a write): still the check's FAIL, with the status answered.
    expect((await request(t.app).get(`${SCIM}/Users/${id}`).set(tenant.auth)).body['urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User']).toMatchObject({ state: 'locked' });
    const events = await t.auditEvents(tenant.tenant.id);
    const disabled = ofRequest(events, 'req-disable').find((event) => event.outcome === 'success')!;
    expect(disabled).toMatchObject({ type: 'USER_DISABLE_SUCCESS', resource: { type: 'User', id } });
    expect(disabled.changedAttributes).toEqual(expect.arrayContaining(['active', 'urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User:state']));
    expect(types(ofRequest(events, 'req-enable'))).toEqual(['USER_ENABLE_START', 'USER_ENABLE_SUCCESS']);
    expect(types(ofRequest(events, 'req-wrong'))).toEqual(['USER_VERIFY_CREDENTIALS_FAIL', 'USER_VERIFY_CREDENTIALS_START']);
    expect(ofRequest(events, 'req-wrong').find((event) => event.outcome === 'failure')).toMatchObject({ error: { status: 401 } });
  });

  it('requests without a verified token record nothing (no tenant to record them for)', async () => {
    await request(t.app).get(`${SCIM}/Users`).set('X-Request-Id', 'req-anonymous').expect(401);
    await request(t.app).get(`${SCIM}/Users`).set({ Authorization: 'Bearer scim_nope_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }).set('X-Request-Id', 'req-bad-token').expect(401);
    const events = await t.auditEvents(tenant.tenant.id);
    expect(events.filter((event) => event.requestId.startsWith('req-'))).toEqual([]);
  });
});

describe('GET /AuditEvents', () => {
  it('needs audit:read: scim:read and scim:write alone do not read the trail', async () => {
    const res = await request(t.app).get(`${SCIM}/AuditEvents`).set(tenant.auth);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '403', detail: expect.stringContaining('audit:read') });
    expect((await request(t.app).get(`${SCIM}/AuditEvents`).set(auditor)).status).toBe(200);
    // An audit token reads the trail and nothing else.
    expect((await request(t.app).get(`${SCIM}/Users`).set(auditor)).status).toBe(403);
  });

  it('answers a cursor-paged ListResponse newest first, filtered in the store, with each event by id', async () => {
    for (const name of ['a', 'b', 'c']) await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user(`${name}@example.com`)).expect(201);
    await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('a@example.com')).expect(409);
    await t.auditEvents(tenant.tenant.id);

    const first = await request(t.app).get(`${SCIM}/AuditEvents`).query({ filter: 'type sw "USER_CREATE_" and outcome ne "started"', count: 2, cursor: '' }).set(auditor);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ schemas: [LIST_SCHEMA], totalResults: 4, itemsPerPage: 2, nextCursor: expect.any(String) });
    expect(first.body.Resources[0]).toMatchObject({ schemas: [AUDIT_SCHEMA], type: 'USER_CREATE_FAIL', outcome: 'failure', error: { status: 409, scimType: 'uniqueness' } });
    expect(first.body.Resources[0].meta).toEqual({
      resourceType: 'AuditEvent',
      created: first.body.Resources[0].time,
      lastModified: first.body.Resources[0].time,
      location: expect.stringMatching(new RegExp(`${SCIM}/AuditEvents/${first.body.Resources[0].id}$`)),
    });
    const second = await request(t.app).get(`${SCIM}/AuditEvents`).query({ filter: 'type sw "USER_CREATE_" and outcome ne "started"', count: 2, cursor: first.body.nextCursor }).set(auditor);
    expect(second.body).toMatchObject({ totalResults: 4, itemsPerPage: 2 });
    expect(second.body.nextCursor).toBeUndefined();
    const all = [...first.body.Resources, ...second.body.Resources];
    expect(all.map((event: { type: string }) => event.type)).toEqual(['USER_CREATE_FAIL', 'USER_CREATE_SUCCESS', 'USER_CREATE_SUCCESS', 'USER_CREATE_SUCCESS']);
    const times = all.map((event: { time: string }) => event.time);
    expect([...times].sort().reverse()).toEqual(times);

    // A cursor is bound to its filter.
    const misbound = await request(t.app).get(`${SCIM}/AuditEvents`).query({ filter: 'outcome eq "failure"', cursor: first.body.nextCursor }).set(auditor);
    expect(misbound.status).toBe(400);
    expect(misbound.body.scimType).toBe('invalidCursor');

    const one = await request(t.app).get(`${SCIM}/AuditEvents/${all[0].id}`).set(auditor);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(all[0]);
    expect((await request(t.app).get(`${SCIM}/AuditEvents/nope`).set(auditor)).status).toBe(404);
  });

  it('filters on actor.tokenId, resource.id and time; refuses other attributes and paging it does not offer', async () => {
    const created = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('f@example.com')).expect(201);
    const events = await t.auditEvents(tenant.tenant.id);
    const tokenId = events[0].actor.tokenId!;
    const read = async (filter: string) => (await request(t.app).get(`${SCIM}/AuditEvents`).query({ filter }).set(auditor)).body;
    expect((await read(`resource.id eq "${created.body.id}"`)).Resources.map((event: { type: string }) => event.type)).toEqual(['USER_CREATE_SUCCESS']);
    expect((await read(`actor.tokenId eq "${tokenId}"`)).totalResults).toBe(2);
    expect((await read(`time gt "${new Date(Date.now() + 60_000).toISOString()}"`)).totalResults).toBe(0);
    expect((await read('Actor.TokenId pr and TYPE ew "_SUCCESS"')).totalResults).toBe(1);

    const refused = await request(t.app).get(`${SCIM}/AuditEvents`).query({ filter: 'requestId eq "x"' }).set(auditor);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ scimType: 'invalidFilter', detail: expect.stringContaining('type, outcome, time, actor.tokenId, resource.id') });
    for (const query of [{ startIndex: '2' }, { sortBy: 'time' }, { attributes: 'type' }]) {
      const res = await request(t.app).get(`${SCIM}/AuditEvents`).query(query).set(auditor);
      expect({ query, status: res.status, scimType: res.body.scimType }).toEqual({ query, status: 400, scimType: 'invalidValue' });
    }
  });

  it('is read-only: POST, PUT, PATCH and DELETE answer 405 with Allow: GET', async () => {
    await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('x@example.com')).expect(201);
    const [event] = await t.auditEvents(tenant.tenant.id);
    for (const [method, path] of [
      ['post', '/AuditEvents'],
      ['put', `/AuditEvents/${event.id}`],
      ['patch', `/AuditEvents/${event.id}`],
      ['delete', `/AuditEvents/${event.id}`],
    ] as const) {
      const res = await request(t.app)[method](`${SCIM}${path}`).set(auditor).send({});
      expect({ method, status: res.status, allow: res.headers.allow }).toEqual({ method, status: 405, allow: 'GET' });
    }
    expect(await t.store.auditEvents.get(tenant.tenant.id, event.id)).toEqual(event);
  });

  it('shows a tenant its own trail only: another tenant’s events are not listed and answer 404', async () => {
    const other = await t.tenant({ name: 'other' });
    const otherAuditor = { Authorization: `Bearer ${await t.tokenFor(other.tenant, [Scope.auditRead])}` };
    await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('mine@example.com')).expect(201);
    const mine = await t.auditEvents(tenant.tenant.id);
    await t.auditEvents(other.tenant.id);
    const listed = await request(t.app).get(`${SCIM}/AuditEvents`).set(otherAuditor);
    expect(listed.body.Resources.filter((event: { tenantId: string }) => event.tenantId !== other.tenant.id)).toEqual([]);
    expect(listed.body.Resources.map((event: { id: string }) => event.id)).not.toEqual(expect.arrayContaining([mine[0].id]));
    expect((await request(t.app).get(`${SCIM}/AuditEvents/${mine[0].id}`).set(otherAuditor)).status).toBe(404);
    const byResource = await request(t.app).get(`${SCIM}/AuditEvents`).query({ filter: `resource.id eq "${mine.find((event) => event.resource?.id)!.resource!.id}"` }).set(otherAuditor);
    expect(byResource.body.totalResults).toBe(0);
  });

  it('records its own reads (an auditor reading the trail is in the trail)', async () => {
    await request(t.app).get(`${SCIM}/AuditEvents`).set(auditor).set('X-Request-Id', 'req-audit-read').expect(200);
    expect(types(ofRequest(await t.auditEvents(tenant.tenant.id), 'req-audit-read'))).toEqual(['AUDIT_EVENT_RETRIEVE_LIST_START', 'AUDIT_EVENT_RETRIEVE_LIST_SUCCESS']);
  });
});
