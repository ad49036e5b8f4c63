// Token expiry and last use, through the HTTP app on the embedded store.
import request from 'supertest';
import { issueToken } from '../../src/auth/tokens';
import { Scope } from '../../src/auth/scopes';
import { createTestApp, SCIM, type TestApp } from '../helpers/test-app';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.close());

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('token hygiene over HTTP', () => {
  it('refuses an expired token with 401, and accepts one whose expiry is ahead', async () => {
    const { tenant } = await t.tenant();
    const expired = issueToken({ tenantId: tenant.id, label: 'old', scopes: [Scope.read], now: new Date() });
    await t.store.tenants.createToken({ ...expired.record, expires: new Date(Date.now() - 1000).toISOString() });
    const current = issueToken({ tenantId: tenant.id, label: 'new', scopes: [Scope.read], now: new Date() });
    await t.store.tenants.createToken({ ...current.record, expires: new Date(Date.now() + 3_600_000).toISOString() });

    const refused = await request(t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${expired.token}`);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/not valid/);
    expect((await request(t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${current.token}`)).status).toBe(200);
  });

  it('records when a token was last used', async () => {
    const { tenant, auth } = await t.tenant();
    const [before] = await t.store.tenants.listTokens(tenant.id);
    expect(before.lastUsed).toBeUndefined();
    const started = Date.now();
    for (let i = 0; i < 5; i++) expect((await request(t.app).get(`${SCIM}/Users`).set(auth)).status).toBe(200);
    await settle();
    const [after] = await t.store.tenants.listTokens(tenant.id);
    expect(Date.parse(after.lastUsed ?? '')).toBeGreaterThanOrEqual(started - 5);
    expect(Date.parse(after.lastUsed ?? '')).toBeLessThanOrEqual(Date.now());
  });
});
