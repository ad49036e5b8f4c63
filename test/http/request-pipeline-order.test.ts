// Order of the SCIM pipeline: authentication, then the read-only discovery routes, then body parsing.
import request from 'supertest';
import { createTestApp, ERROR_SCHEMA, SCIM, type TestApp, type TestTenant } from '../helpers/test-app';

let t: TestApp;
let a: TestTenant;

beforeEach(async () => {
  t = await createTestApp();
  a = await t.tenant({ name: 'a' });
});
afterEach(() => t.close());

describe('request pipeline order', () => {
  it('answers 405 with Allow for a write to a discovery endpoint, whatever the body (RFC 7644 §4)', async () => {
    for (const path of ['/Schemas', '/ResourceTypes', '/ServiceProviderConfig']) {
      const res = await request(t.app).post(`${SCIM}${path}`).set(a.auth).set('Content-Type', 'application/scim+json').send('test');
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET');
      expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '405' });
    }
  });

  it('answers 401 before looking at the body of an unauthenticated request (RFC 7644 §2)', async () => {
    const res = await request(t.app).post(`${SCIM}/Users`).set('Content-Type', 'application/scim+json').send('{not json');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
  });

  it('still answers 400 invalidSyntax for a malformed body from an authenticated client', async () => {
    const res = await request(t.app).post(`${SCIM}/Users`).set(a.auth).set('Content-Type', 'application/scim+json').send('{not json');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidSyntax' });
    expect((await request(t.app).get(`${SCIM}/Users`).set(a.auth)).body.totalResults).toBe(0);
  });
});
