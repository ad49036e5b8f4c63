// RFC 7644 §3.11: /Me is not offered; the answer says so (501) rather than "no such endpoint" (404).
import request from 'supertest';
import { createTestApp, ERROR_SCHEMA, SCIM, type TestApp, type TestTenant } from '../helpers/test-app';

let t: TestApp;
let a: TestTenant;

beforeEach(async () => {
  t = await createTestApp();
  a = await t.tenant({ name: 'a' });
});
afterEach(() => t.close());

describe('/Me', () => {
  it('answers 501 Not Implemented to an authenticated client (RFC 7644 §3.11) and 401 without a token', async () => {
    for (const [method, path] of [
      ['get', '/Me'],
      ['put', '/Me'],
      ['patch', '/me'],
      ['delete', '/Me/anything'],
    ] as const) {
      const res = await request(t.app)[method](`${SCIM}${path}`).set(a.auth);
      expect(res.status).toBe(501);
      expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '501' });
      expect(res.body.detail).toContain('/Users/{id}');
    }
    expect((await request(t.app).get(`${SCIM}/Me`)).status).toBe(401);
  });
});
