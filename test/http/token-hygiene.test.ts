// Token expiry and last use, through the HTTP app on the embedded store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { issueToken } from '../../src/auth/tokens';
import { Scope } from '../../src/auth/scopes';
import { createTestApp, SCIM, type TestApp, type TestTenant } from '../helpers/test-app';

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

describe('verified tokens remembered for SCIM_TOKEN_CACHE_MS, two instances on one store file', () => {
  const START = Date.parse('2030-01-01T00:00:00.000Z');
  let directory: string;
  let clock: number;
  let a: TestApp;
  let b: TestApp;
  let tenant: TestTenant;
  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'scim-token-cache-'));
    clock = START;
    const env = { SCIM_TOKEN_CACHE_MS: '1000', SCIM_READ_WORKERS: '0' };
    const options = { path: join(directory, 'scim.db'), clock: () => new Date(clock) };
    a = await createTestApp(env, options);
    b = await createTestApp(env, options);
    tenant = await a.tenant();
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    rmSync(directory, { recursive: true, force: true });
  });
  const status = async (app: TestApp, token = tenant.token) => (await request(app.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${token}`)).status;

  it('refuses a token at once on the instance that revoked it, and on the other one within the cache time', async () => {
    expect(await status(a)).toBe(200);
    expect(await status(b)).toBe(200);
    const [record] = await a.store.tenants.listTokens(tenant.tenant.id);
    clock = START + 10;
    await a.store.tenants.revokeToken(record.id, new Date(clock).toISOString());
    expect(await status(a)).toBe(401);
    // B verified it at START and has not heard of the revocation: the bound is START + 1000 ms.
    clock = START + 999;
    expect(await status(b)).toBe(200);
    clock = START + 1000;
    expect(await status(b)).toBe(401);
  });

  it('refuses a remembered token at its expiry instant on both instances', async () => {
    const expiring = issueToken({ tenantId: tenant.tenant.id, label: 'short', scopes: [Scope.read], now: new Date(START) });
    await a.store.tenants.createToken({ ...expiring.record, expires: new Date(START + 500).toISOString() });
    expect(await status(a, expiring.token)).toBe(200);
    expect(await status(b, expiring.token)).toBe(200);
    clock = START + 499;
    expect(await status(b, expiring.token)).toBe(200);
    clock = START + 500;
    expect(await status(a, expiring.token)).toBe(401);
    expect(await status(b, expiring.token)).toBe(401);
  });

  it('keeps no refusal: a token created on one instance works on the other at once', async () => {
    const late = issueToken({ tenantId: tenant.tenant.id, label: 'late', scopes: [Scope.read], now: new Date(START) });
    expect(await status(b, late.token)).toBe(401);
    await a.store.tenants.createToken(late.record);
    expect(await status(b, late.token)).toBe(200);
  });
});
