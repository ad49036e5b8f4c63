// Lost updates, made to happen: a competing write lands between a request's read and its write (helpers/interleaving-
// store.ts), on every store. Only the store's compare-and-set on the version can tell the two apart, so each test here
// fails when that check is switched off (the mutation run in test/mutations/table.js does exactly that).
//   - without If-Match the client asked for its change whatever the version: the service re-reads and re-applies it
//     on top of the competing write, which survives (RFC 7644 §3.5.2 PATCH changes only what it names);
//   - with If-Match the client asked for the version it saw: the competing write makes it stale, 412, nothing written
//     (RFC 7644 §3.14).
import request from 'supertest';
import { interleavingStore, type InterleavingStore } from '../helpers/interleaving-store';
import { createTestApp, ENTERPRISE_SCHEMA, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';
import { IN_MEMORY_STORES } from '../helpers/in-memory-stores';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const patchBody = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });

describe.each(IN_MEMORY_STORES)('%s: a write that lost the race', (_name, openStore) => {
  let t: TestApp;
  let a: TestTenant;
  let race: InterleavingStore;

  beforeEach(async () => {
    race = interleavingStore(await openStore());
    t = await createTestApp({}, { store: race.store });
    a = await t.tenant({ name: 'a' });
  });
  afterEach(() => t.close());

  const createUser = async (userName: string, extra: Record<string, unknown> = {}) => {
    const res = await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user(userName, extra));
    expect(res.status).toBe(201);
    return res.body as { id: string; meta: { version: string } };
  };
  const userUrl = (id: string) => `${SCIM}/Users/${id}`;
  const read = async (url: string) => (await request(t.app).get(url).set(a.auth)).body;
  /** A competing PATCH of the user, sent as a request of its own, that must succeed. */
  const competingPatch = (url: string, ...operations: unknown[]) => async () => {
    const res = await request(t.app).patch(url).set(a.auth).send(patchBody(...operations));
    expect(res.status).toBe(200);
  };

  it('PATCH without If-Match is re-applied on top of the competing PATCH: both changes survive', async () => {
    const created = await createUser('race', { title: 'before', [ENTERPRISE_SCHEMA]: { department: 'before' } });
    const url = userUrl(created.id);
    race.beforeNextWrite(competingPatch(url, { op: 'replace', path: `${ENTERPRISE_SCHEMA}:department`, value: 'Sales' }));
    const res = await request(t.app).patch(url).set(a.auth).send(patchBody({ op: 'replace', path: 'title', value: 'Lead' }));
    expect(res.status).toBe(200);
    expect(race.landed).toBe(1);
    expect(res.body).toMatchObject({ title: 'Lead', [ENTERPRISE_SCHEMA]: { department: 'Sales' }, meta: { version: 'W/"3"' } });
    expect(await read(url)).toMatchObject({ title: 'Lead', [ENTERPRISE_SCHEMA]: { department: 'Sales' }, meta: { version: 'W/"3"' } });
    // The competing write, the refused first attempt and the retry.
    expect(race.writes.replace).toBe(3);
  });

  it('PATCHes adding values to one multi-valued attribute never lose one', async () => {
    const created = await createUser('emails', { emails: [{ value: 'first@x.example' }] });
    const url = userUrl(created.id);
    race.beforeNextWrite(competingPatch(url, { op: 'add', path: 'emails', value: [{ value: 'competing@x.example' }] }));
    const res = await request(t.app).patch(url).set(a.auth).send(patchBody({ op: 'add', path: 'emails', value: [{ value: 'mine@x.example' }] }));
    expect(res.status).toBe(200);
    const stored = await read(url);
    expect(stored.emails.map((email: { value: string }) => email.value).sort()).toEqual(['competing@x.example', 'first@x.example', 'mine@x.example']);
    expect(stored.meta.version).toBe('W/"3"');
  });

  it('keeps both changes however often the race repeats', async () => {
    const created = await createUser('rounds');
    const url = userUrl(created.id);
    for (let round = 1; round <= 5; round++) {
      race.beforeNextWrite(competingPatch(url, { op: 'replace', path: `${ENTERPRISE_SCHEMA}:department`, value: `dept-${round}` }));
      expect((await request(t.app).patch(url).set(a.auth).send(patchBody({ op: 'replace', path: 'title', value: `title-${round}` }))).status).toBe(200);
      const stored = await read(url);
      expect({ title: stored.title, department: stored[ENTERPRISE_SCHEMA].department }).toEqual({ title: `title-${round}`, department: `dept-${round}` });
    }
    expect(race.landed).toBe(5);
    expect((await read(url)).meta.version).toBe('W/"11"');
  });

  it('PATCH with If-Match answers 412 and leaves the competing write as it was', async () => {
    const created = await createUser('patch-if-match');
    const url = userUrl(created.id);
    race.beforeNextWrite(competingPatch(url, { op: 'replace', path: 'title', value: 'competing' }));
    const res = await request(t.app).patch(url).set(a.auth).set('If-Match', created.meta.version).send(patchBody({ op: 'replace', path: 'nickName', value: 'mine' }));
    expect(res.status).toBe(412);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '412' });
    const stored = await read(url);
    expect(stored).toMatchObject({ title: 'competing', meta: { version: 'W/"2"' } });
    expect(stored.nickName).toBeUndefined();
  });

  it('of two PUTs carrying the same If-Match, the one whose write comes second answers 412', async () => {
    const created = await createUser('cas');
    const url = userUrl(created.id);
    const etag = created.meta.version;
    let competing: request.Response | undefined;
    race.beforeNextWrite(async () => {
      competing = await request(t.app).put(url).set(a.auth).set('If-Match', etag).send(user('cas', { title: 'one' }));
    });
    const second = await request(t.app).put(url).set(a.auth).set('If-Match', etag).send(user('cas', { title: 'two' }));
    expect(competing?.status).toBe(200);
    expect(second.status).toBe(412);
    expect(second.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '412' });
    expect(await read(url)).toMatchObject({ title: 'one', meta: { version: 'W/"2"' } });
  });

  it('PUT without If-Match replaces on top of the competing write, at the next version', async () => {
    const created = await createUser('put');
    const url = userUrl(created.id);
    race.beforeNextWrite(competingPatch(url, { op: 'replace', path: 'title', value: 'competing' }));
    const res = await request(t.app).put(url).set(a.auth).send(user('put', { nickName: 'mine' }));
    expect(res.status).toBe(200);
    expect(res.body.meta.version).toBe('W/"3"');
    // PUT replaces the whole resource (RFC 7644 §3.5.1), so the competing title goes; it was re-validated on the new
    // version rather than written over it blindly: three writes, one refused.
    expect(race.writes.replace).toBe(3);
    expect(await read(url)).toMatchObject({ nickName: 'mine', meta: { version: 'W/"3"' } });
  });

  it('DELETE with If-Match answers 412 and keeps the resource the competing write changed', async () => {
    const created = await createUser('delete');
    const url = userUrl(created.id);
    race.beforeNextWrite(competingPatch(url, { op: 'replace', path: 'title', value: 'competing' }));
    const res = await request(t.app).delete(url).set(a.auth).set('If-Match', created.meta.version);
    expect(res.status).toBe(412);
    expect(await read(url)).toMatchObject({ title: 'competing', meta: { version: 'W/"2"' } });
  });

  it('a Bulk PATCH with a version answers 412 in its result and writes nothing', async () => {
    const created = await createUser('bulk');
    const url = userUrl(created.id);
    race.beforeNextWrite(competingPatch(url, { op: 'replace', path: 'title', value: 'competing' }));
    const res = await request(t.app)
      .post(`${SCIM}/Bulk`)
      .set(a.auth)
      .send({
        schemas: [BULK_REQUEST],
        Operations: [{ method: 'PATCH', path: `/Users/${created.id}`, version: created.meta.version, data: patchBody({ op: 'replace', path: 'nickName', value: 'mine' }) }],
      });
    expect(res.status).toBe(200);
    expect(res.body.Operations[0]).toMatchObject({ status: '412', response: { status: '412' } });
    const stored = await read(url);
    expect(stored).toMatchObject({ title: 'competing', meta: { version: 'W/"2"' } });
    expect(stored.nickName).toBeUndefined();
  });

  it('a Group rename and a competing change of members and externalId all survive', async () => {
    const alice = await createUser('alice');
    const created = await request(t.app).post(`${SCIM}/Groups`).set(a.auth).send({ schemas: [GROUP_SCHEMA], displayName: 'Team', externalId: 'before' });
    expect(created.status).toBe(201);
    const url = `${SCIM}/Groups/${created.body.id}`;
    race.beforeNextWrite(
      competingPatch(url, { op: 'add', path: 'members', value: [{ value: alice.id }] }, { op: 'replace', path: 'externalId', value: 'competing' }),
    );
    const res = await request(t.app).patch(url).set(a.auth).send(patchBody({ op: 'replace', path: 'displayName', value: 'Renamed' }));
    expect(res.status).toBe(200);
    const stored = await read(url);
    expect(stored).toMatchObject({ displayName: 'Renamed', externalId: 'competing', members: [{ value: alice.id }], meta: { version: 'W/"3"' } });
  });
});
