// The read path's answers: without `attributes` / `excludedAttributes` a resource is shaped by the default plan compiled
// once per resource type (src/scim/schema/project.ts), and a list whose filter names one resource by a unique key is
// read on the main thread (src/store/sqlite/list-query.ts). Both must answer exactly what the general path answers:
// the same bytes as a request whose selection leaves every attribute of the resource in.
import request from 'supertest';
import { createTestApp, ENTERPRISE_SCHEMA, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

let t: TestApp;
let a: TestTenant;
let userId: string;

/** excludedAttributes of an attribute the user does not hold: the general projection, with nothing taken away. */
const GENERAL = 'excludedAttributes=nickName';

beforeEach(async () => {
  t = await createTestApp();
  a = await t.tenant({ name: 'a' });
  // Every kind of attribute: strings, booleans, complex and multi-valued complex ones, a reference, the enterprise
  // extension with its complex manager, a password (returned: never), and groups (computed) through two groups.
  const created = await request(t.app)
    .post(`${SCIM}/Users`)
    .set(a.auth)
    .send(
      user('Barbara.Jensen@example.com', {
        externalId: 'ext-701984',
        name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara', middleName: 'Jane', honorificSuffix: 'III' },
        displayName: 'Babs Jensen',
        profileUrl: 'https://login.example.com/bjensen',
        title: 'Tour Guide',
        preferredLanguage: 'en-US',
        locale: 'en-US',
        timezone: 'America/Los_Angeles',
        active: true,
        password: 't1meMa$heen',
        emails: [
          { value: 'bjensen@example.com', type: 'work', primary: true },
          { value: 'babs@jensen.org', type: 'home' },
        ],
        addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'USA', primary: true }],
        phoneNumbers: [{ value: '555-555-5555', type: 'work' }],
        ims: [{ value: 'someaimhandle', type: 'aim' }],
        photos: [{ value: 'https://photos.example.com/profilephoto/72930000000Ccne/F', type: 'photo' }],
        x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx' }],
        [ENTERPRISE_SCHEMA]: { employeeNumber: '701984', costCenter: '4130', organization: 'Universal Studios', division: 'Theme Park', department: 'Tour Operations', manager: { value: 'boss-id' } },
      }),
    );
  expect(created.status).toBe(201);
  userId = created.body.id;
  for (const displayName of ['Tour Guides', 'Employees']) {
    const group = await request(t.app).post(`${SCIM}/Groups`).set(a.auth).send({ schemas: [GROUP_SCHEMA], displayName, members: [{ value: userId }] });
    expect(group.status).toBe(201);
  }
});
afterEach(() => t.close());

const get = (path: string) => request(t.app).get(`${SCIM}${path}`).set(a.auth);

describe('reads without attributes/excludedAttributes', () => {
  it('answer a user with the same bytes as the general projection: every attribute kind, the extension, groups', async () => {
    const fast = await get(`/Users/${userId}`);
    const general = await get(`/Users/${userId}?${GENERAL}`);
    expect(fast.status).toBe(200);
    expect(fast.text).toBe(general.text);
    expect(fast.headers.etag).toBe(general.headers.etag);
    expect(fast.body.password).toBeUndefined();
    expect(fast.body.groups.map((group: { display: string }) => group.display).sort()).toEqual(['Employees', 'Tour Guides']);
    expect(fast.body[ENTERPRISE_SCHEMA].manager.value).toBe('boss-id');
    expect(fast.body.schemas).toContain(ENTERPRISE_SCHEMA);
  });

  it('answer list pages with the same bytes as the general projection: a point lookup, a cursor page, a search', async () => {
    for (const query of ['filter=userName eq "barbara.jensen@EXAMPLE.com"', 'filter=id eq "' + userId + '"', 'cursor=&count=10', 'filter=emails.value co "jensen"']) {
      const fast = await get(`/Users?${query}`);
      const general = await get(`/Users?${query}&${GENERAL}`);
      expect({ query, status: fast.status, total: fast.body.totalResults }).toEqual({ query, status: 200, total: 1 });
      expect(fast.text).toBe(general.text);
    }
    const searched = await request(t.app).post(`${SCIM}/Users/.search`).set(a.auth).send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'userName eq "BARBARA.jensen@example.com"' });
    expect(searched.status).toBe(200);
    expect(searched.body.Resources).toEqual((await get(`/Users?filter=userName eq "barbara.jensen@example.com"`)).body.Resources);
  });

  it('answer the groups with the same bytes as the general projection, members included', async () => {
    const fast = await get('/Groups');
    expect(fast.body.totalResults).toBe(2);
    expect(fast.text).toBe((await get('/Groups?excludedAttributes=externalId')).text);
  });

  it('still project when a request names attributes, and still answer 304 to a matching If-None-Match', async () => {
    const projected = await get(`/Users/${userId}?attributes=userName,name.familyName`);
    expect(projected.body).toEqual({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: userId, userName: 'Barbara.Jensen@example.com', name: { familyName: 'Jensen' } });
    const listed = await get(`/Users?filter=userName eq "barbara.jensen@example.com"&excludedAttributes=groups,emails,${ENTERPRISE_SCHEMA}`);
    expect(listed.body.Resources[0].groups).toBeUndefined();
    expect(listed.body.Resources[0].emails).toBeUndefined();
    expect(listed.body.Resources[0][ENTERPRISE_SCHEMA]).toBeUndefined();
    expect(listed.body.Resources[0].schemas).not.toContain(ENTERPRISE_SCHEMA);
    const etag = (await get(`/Users/${userId}`)).headers.etag;
    const notModified = await request(t.app).get(`${SCIM}/Users/${userId}`).set(a.auth).set('If-None-Match', etag);
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
  });

  it('find nobody through a point lookup of a name nobody has, and nobody of another tenant', async () => {
    const b = await t.tenant({ name: 'b' });
    const other = await request(t.app).get(`${SCIM}/Users?filter=userName eq "barbara.jensen@example.com"`).set(b.auth);
    expect(other.body).toMatchObject({ totalResults: 0, Resources: [] });
    expect((await get('/Users?filter=userName eq "nobody@example.com"')).body).toMatchObject({ totalResults: 0 });
  });
});

describe('reads taken ahead of the other routers (resourceReadsRouter)', () => {
  it('leave the paths that are no resource to their own routes: 405 for GET of .search, .export, .verify-credentials, .bulk-delete', async () => {
    for (const path of ['/Users/.search', '/Users/.export', '/Users/.import/all', '/Users/.verify-credentials', '/Users/.bulk-delete', '/Groups/.search']) {
      const res = await get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 405 });
    }
    // Two segments deep: the extensions' own reads.
    expect((await get(`/Users/${userId}/sign-ins`)).status).toBe(200);
    expect((await get(`/Users/${userId}/roles`)).status).toBe(405);
  });

  it('leave a GET with a body to the JSON body parser, which still refuses a malformed one', async () => {
    const malformed = await request(t.app).get(`${SCIM}/Users/${userId}`).set(a.auth).set('Content-Type', 'application/scim+json').send('{"not json');
    expect(malformed.status).toBe(400);
    expect(malformed.body.scimType).toBe('invalidSyntax');
    const listed = await request(t.app).get(`${SCIM}/Users`).set(a.auth).set('Content-Type', 'application/scim+json').send('{"not json');
    expect(listed.status).toBe(400);
    // A well-formed body changes nothing of the answer.
    const withBody = await request(t.app).get(`${SCIM}/Users/${userId}`).set(a.auth).set('Content-Type', 'application/scim+json').send('{}');
    expect(withBody.text).toBe((await get(`/Users/${userId}`)).text);
  });

  it('check authentication and scope first, and answer a missing resource 404, of another tenant too', async () => {
    expect((await request(t.app).get(`${SCIM}/Users/${userId}`)).status).toBe(401);
    const writeOnly = await t.tokenFor(a.tenant, ['scim:write']);
    expect((await request(t.app).get(`${SCIM}/Users/${userId}`).set('Authorization', `Bearer ${writeOnly}`)).status).toBe(403);
    expect((await request(t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${writeOnly}`)).status).toBe(403);
    const b = await t.tenant({ name: 'b' });
    const other = await request(t.app).get(`${SCIM}/Users/${userId}`).set(b.auth);
    expect(other.status).toBe(404);
    expect(other.body.detail).toMatch(/not found/);
    expect((await get('/Users/no-such-id')).status).toBe(404);
  });
});
