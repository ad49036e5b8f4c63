import request from 'supertest';
import { createTestApp, ENTERPRISE_SCHEMA, ERROR_SCHEMA, SCIM, user, USER_SCHEMA, type TestApp, type TestTenant } from '../helpers/test-app';
import { LIFECYCLE } from '../helpers/lifecycle';

let t: TestApp;
let a: TestTenant;

beforeEach(async () => {
  t = await createTestApp();
  a = await t.tenant({ name: 'a' });
});
afterEach(() => t.close());

const create = (body: unknown, tenant: TestTenant = a) => request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(body as object);

describe('POST /Users', () => {
  it('creates a user: 201, Location, ETag and the full resource', async () => {
    const res = await create(
      user('bjensen@example.com', {
        externalId: 'ext-1',
        name: { givenName: 'Barbara', familyName: 'Jensen' },
        emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
        active: true,
        [ENTERPRISE_SCHEMA]: { employeeNumber: '701984', manager: { value: 'boss-id' } },
      }),
    );
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
    const body = res.body;
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.location).toBe(`${body.meta.location}`);
    expect(body.meta.location).toMatch(new RegExp(`${SCIM}/Users/${body.id}$`));
    expect(res.headers.etag).toBe(body.meta.version);
    expect(body.meta).toMatchObject({ resourceType: 'User', version: 'W/"1"' });
    expect(body.meta.created).toBe(body.meta.lastModified);
    expect(body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_SCHEMA, LIFECYCLE]);
    expect(body).toMatchObject({
      userName: 'bjensen@example.com',
      externalId: 'ext-1',
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      active: true,
      [ENTERPRISE_SCHEMA]: { employeeNumber: '701984', manager: { value: 'boss-id' } },
    });
  });

  it.each(['application/json', 'application/scim+json', 'application/json; charset=utf-8'])('accepts a body sent as %s and stores what it says', async (contentType) => {
    const res = await request(t.app)
      .post(`${SCIM}/Users`)
      .set(a.auth)
      .set('Content-Type', contentType)
      .send(JSON.stringify(user('typed-body', { title: contentType })));
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(res.body).toMatchObject({ userName: 'typed-body', title: contentType });
    const read = await request(t.app).get(`${SCIM}/Users/${res.body.id}`).set(a.auth);
    expect(read.body).toMatchObject({ userName: 'typed-body', title: contentType });
  });

  it('ignores readOnly attributes sent by the client (id, meta, groups)', async () => {
    const res = await create(user('ro', { id: 'chosen-by-client', meta: { version: 'W/"99"' }, groups: [{ value: 'g1' }] }));
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe('chosen-by-client');
    expect(res.body.meta.version).toBe('W/"1"');
    expect(res.body.groups).toBeUndefined();
  });

  it('canonicalises attribute names in any case and coerces "True"/"False" booleans', async () => {
    const res = await create({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], USERNAME: 'Case', Active: 'False', NAME: { GivenName: 'C' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ userName: 'Case', active: false, name: { givenName: 'C' } });
  });

  it('accepts the Entra ID shape of manager (a bare id string)', async () => {
    const res = await create(user('managed', { [ENTERPRISE_SCHEMA]: { manager: 'mgr-1' } }));
    expect(res.status).toBe(201);
    expect(res.body[ENTERPRISE_SCHEMA].manager).toEqual({ value: 'mgr-1' });
  });

  it('requires userName: 400 invalidValue naming it', async () => {
    const res = await create({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], displayName: 'No Name' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidValue', detail: expect.stringContaining('userName') });
  });

  it('rejects a wrongly typed attribute with 400 invalidValue naming the attribute', async () => {
    const res = await create(user('typed', { emails: [{ value: 42 }] }));
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
    expect(res.body.detail).toContain('emails[0].value');
    const bool = await create(user('typed2', { active: 'maybe' }));
    expect(bool.status).toBe(400);
    expect(bool.body.detail).toContain("'active'");
  });

  it('rejects malformed JSON with 400 invalidSyntax and stores nothing', async () => {
    const res = await request(t.app).post(`${SCIM}/Users`).set(a.auth).set('Content-Type', 'application/scim+json').send('{"userName": ');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidSyntax' });
    const list = await request(t.app).get(`${SCIM}/Users`).set(a.auth);
    expect(list.body.totalResults).toBe(0);
  });

  it('rejects a non-object body with 400 invalidSyntax', async () => {
    const res = await request(t.app).post(`${SCIM}/Users`).set(a.auth).set('Content-Type', 'application/scim+json').send('[1,2]');
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidSyntax');
  });

  it('rejects a duplicate userName, compared case-insensitively: 409 uniqueness', async () => {
    expect((await create(user('dup@example.com'))).status).toBe(201);
    const res = await create(user('DUP@Example.COM'));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
    expect(res.body.detail).toContain('userName');
  });

  it('answers 413 for a body over the limit', async () => {
    const small = await createTestApp({ SCIM_BODY_LIMIT: '2kb' });
    try {
      const b = await small.tenant();
      const res = await request(small.app).post(`${SCIM}/Users`).set(b.auth).send(user('big', { displayName: 'x'.repeat(4096) }));
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '413' });
    } finally {
      await small.close();
    }
  });

  it('never returns or stores the password in clear', async () => {
    const res = await create(user('pw', { password: 't1meMachine!' }));
    expect(res.status).toBe(201);
    expect(res.body.password).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toContain('t1meMachine');
    const stored = await t.store.resources.get(a.tenant.id, 'User', res.body.id);
    expect(JSON.stringify(stored)).not.toContain('t1meMachine');
    expect(stored?.internal.passwordHash).toMatch(/^\$scrypt\$/);
    const asked = await request(t.app).get(`${SCIM}/Users/${res.body.id}?attributes=password,userName`).set(a.auth);
    expect(asked.body.password).toBeUndefined();
    // Nor its hash, under any name.
    for (const body of [res.body, asked.body, (await request(t.app).get(`${SCIM}/Users/${res.body.id}`).set(a.auth)).body]) {
      expect(JSON.stringify(body)).not.toContain(stored?.internal.passwordHash as string);
    }
  });
});

describe('GET /Users/{id}', () => {
  it('returns the user with an ETag, and 404 for an unknown id', async () => {
    const created = await create(user('get-me'));
    const res = await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(a.auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created.body);
    expect(res.headers.etag).toBe('W/"1"');
    const missing = await request(t.app).get(`${SCIM}/Users/00000000-0000-0000-0000-000000000000`).set(a.auth);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
  });

  it('honours If-None-Match: 304 without a body while the version matches, the new representation once it moved', async () => {
    const created = await create(user('etag'));
    const url = `${SCIM}/Users/${created.body.id}`;
    const res = await request(t.app).get(url).set(a.auth).set('If-None-Match', 'W/"1"');
    expect(res.status).toBe(304);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.text).toBe('');
    // RFC 7232 §3.2: any of several tags, and "*" for any current representation.
    expect((await request(t.app).get(url).set(a.auth).set('If-None-Match', 'W/"7", W/"1"')).status).toBe(304);
    expect((await request(t.app).get(url).set(a.auth).set('If-None-Match', '*')).status).toBe(304);

    await request(t.app).put(url).set(a.auth).send(user('etag', { title: 'moved on' })).expect(200);
    const changed = await request(t.app).get(url).set(a.auth).set('If-None-Match', 'W/"1"');
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).toBe('W/"2"');
    expect(changed.body).toMatchObject({ id: created.body.id, title: 'moved on', meta: { version: 'W/"2"' } });
  });

  it('applies attributes and excludedAttributes with the returned characteristic', async () => {
    const created = await create(user('proj', { name: { givenName: 'P', familyName: 'Q' }, displayName: 'PQ', emails: [{ value: 'p@x.org', type: 'work' }] }));
    const only = await request(t.app).get(`${SCIM}/Users/${created.body.id}?attributes=name.givenName,emails`).set(a.auth);
    expect(only.body).toEqual({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: created.body.id, name: { givenName: 'P' }, emails: [{ value: 'p@x.org', type: 'work' }] });
    const without = await request(t.app).get(`${SCIM}/Users/${created.body.id}?excludedAttributes=name,displayName,id`).set(a.auth);
    expect(without.body.name).toBeUndefined();
    expect(without.body.displayName).toBeUndefined();
    expect(without.body.id).toBe(created.body.id); // returned "always" cannot be excluded
    expect(without.body.userName).toBe('proj');
  });
});

describe('PUT /Users/{id}', () => {
  it('replaces the resource, bumps the version, ignores readOnly values', async () => {
    const created = await create(user('put', { displayName: 'Before', title: 'Engineer' }));
    const res = await request(t.app)
      .put(`${SCIM}/Users/${created.body.id}`)
      .set(a.auth)
      .send(user('put', { displayName: 'After', id: 'other', meta: { created: '2000-01-01T00:00:00Z' } }));
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe('After');
    expect(res.body.title).toBeUndefined();
    expect(res.body.id).toBe(created.body.id);
    expect(res.body.meta.created).toBe(created.body.meta.created);
    expect(res.body.meta.version).toBe('W/"2"');
    expect(res.headers.etag).toBe('W/"2"');
  });

  it('deactivates with active:false (Okta PUT deprovisioning)', async () => {
    const created = await create(user('okta-user', { active: true, name: { givenName: 'O', familyName: 'K' } }));
    const res = await request(t.app).put(`${SCIM}/Users/${created.body.id}`).set(a.auth).send({ ...created.body, active: false });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    const read = await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(a.auth);
    expect(read.body.active).toBe(false);
  });

  it('enforces required attributes and changes nothing on failure', async () => {
    const created = await create(user('req', { displayName: 'Keep' }));
    const res = await request(t.app).put(`${SCIM}/Users/${created.body.id}`).set(a.auth).send({ schemas: [USER_SCHEMA], displayName: 'Lost' });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
    const read = await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(a.auth);
    expect(read.body.displayName).toBe('Keep');
    expect(read.body.meta.version).toBe('W/"1"');
  });

  it('keeps the password hash when the replacement carries no password', async () => {
    const created = await create(user('keep-pw', { password: 'secret-Pa55' }));
    const before = await t.store.resources.get(a.tenant.id, 'User', created.body.id);
    await request(t.app).put(`${SCIM}/Users/${created.body.id}`).set(a.auth).send(user('keep-pw'));
    const after = await t.store.resources.get(a.tenant.id, 'User', created.body.id);
    expect(after?.internal.passwordHash).toBe(before?.internal.passwordHash);
  });

  it('answers 409 when renaming onto a taken userName, 404 for unknown ids', async () => {
    await create(user('taken'));
    const other = await create(user('other'));
    const res = await request(t.app).put(`${SCIM}/Users/${other.body.id}`).set(a.auth).send(user('TAKEN'));
    expect(res.status).toBe(409);
    expect(res.body.scimType).toBe('uniqueness');
    const missing = await request(t.app).put(`${SCIM}/Users/nope`).set(a.auth).send(user('x'));
    expect(missing.status).toBe(404);
  });

  it('honours If-Match: 412 when stale (the user unchanged), 200 when current', async () => {
    const created = await create(user('ifmatch'));
    const stale = await request(t.app).put(`${SCIM}/Users/${created.body.id}`).set(a.auth).set('If-Match', 'W/"5"').send(user('ifmatch', { title: 'x' }));
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '412' });
    expect((await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(a.auth)).body).toEqual(created.body);
    const current = await request(t.app).put(`${SCIM}/Users/${created.body.id}`).set(a.auth).set('If-Match', 'W/"1"').send(user('ifmatch', { title: 'y' }));
    expect(current.status).toBe(200);
    expect(current.body.title).toBe('y');
  });
});

describe('DELETE /Users/{id}', () => {
  it('deletes with 204, then 404', async () => {
    const created = await create(user('del'));
    const res = await request(t.app).delete(`${SCIM}/Users/${created.body.id}`).set(a.auth);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(a.auth)).status).toBe(404);
    expect((await request(t.app).delete(`${SCIM}/Users/${created.body.id}`).set(a.auth)).status).toBe(404);
  });

  it('honours If-Match on delete', async () => {
    const created = await create(user('del-if'));
    expect((await request(t.app).delete(`${SCIM}/Users/${created.body.id}`).set(a.auth).set('If-Match', 'W/"9"')).status).toBe(412);
    expect((await request(t.app).delete(`${SCIM}/Users/${created.body.id}`).set(a.auth).set('If-Match', 'W/"1"')).status).toBe(204);
  });
});

describe('GET /Users (list)', () => {
  it('pages with startIndex and count and reports totalResults', async () => {
    for (let i = 0; i < 7; i++) await create(user(`list-${i}`));
    const page = await request(t.app).get(`${SCIM}/Users?startIndex=3&count=2`).set(a.auth);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 7, startIndex: 3, itemsPerPage: 2 });
    expect(page.body.Resources).toHaveLength(2);
    const all = await request(t.app).get(`${SCIM}/Users?count=100`).set(a.auth);
    const ids = all.body.Resources.map((r: { id: string }) => r.id);
    expect(new Set(ids).size).toBe(7);
    expect(page.body.Resources.map((r: { id: string }) => r.id)).toEqual(ids.slice(2, 4));
  });

  it('treats startIndex < 1 as 1 and count < 0 as 0 (RFC 7644 §3.4.2.4)', async () => {
    await create(user('only'));
    const res = await request(t.app).get(`${SCIM}/Users?startIndex=-4&count=-1`).set(a.auth);
    expect(res.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it('clips count to maxResults', async () => {
    const capped = await createTestApp({ SCIM_MAX_RESULTS: '2' });
    try {
      const b = await capped.tenant();
      for (let i = 0; i < 3; i++) await request(capped.app).post(`${SCIM}/Users`).set(b.auth).send(user(`c${i}`));
      const res = await request(capped.app).get(`${SCIM}/Users?count=50`).set(b.auth);
      expect(res.body).toMatchObject({ totalResults: 3, itemsPerPage: 2 });
    } finally {
      await capped.close();
    }
  });

  it('rejects a non-integer count with 400 invalidValue', async () => {
    const res = await request(t.app).get(`${SCIM}/Users?count=ten`).set(a.auth);
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('count');
  });
});

describe('routing', () => {
  it('answers unknown routes with a SCIM 404 and wrong methods with 405 + Allow', async () => {
    const unknown = await request(t.app).get(`${SCIM}/Nothing`).set(a.auth);
    expect(unknown.status).toBe(404);
    expect(unknown.body.schemas).toEqual([ERROR_SCHEMA]);
    const outside = await request(t.app).get('/elsewhere');
    expect(outside.status).toBe(404);
    const wrong = await request(t.app).delete(`${SCIM}/Users`).set(a.auth);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, POST');
    expect(wrong.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '405' });
  });

  it('matches resource endpoints case-insensitively (/users)', async () => {
    const res = await request(t.app).post(`${SCIM}/users`).set(a.auth).send(user('lower'));
    expect(res.status).toBe(201);
  });

  it('serves /health and /ready without a token', async () => {
    expect((await request(t.app).get('/health')).status).toBe(200);
    const ready = await request(t.app).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
  });
});
