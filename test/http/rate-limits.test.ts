// Rate limits over HTTP (README "Rate limits"): a burst on one token gets 429 with Retry-After and a SCIM error body;
// other tokens and tenants go on; the counters are shared by two app instances on one store file; a window's end
// lets the token in again; tenant settings change a tenant's rates; failed tokens are counted per client address.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Scope } from '../../src/auth/scopes';
import { createTestApp, ERROR_SCHEMA, SCIM, type TestApp } from '../helpers/test-app';

/** A clock the test moves: every app of a test reads it. */
function movableClock(start = '2025-06-01T10:00:00.000Z') {
  let now = Date.parse(start);
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

// 2 requests per second per token and 3 per tenant, over 10-second windows: 20 per token, 30 per tenant.
const LIMITS = { SCIM_RATE_LIMIT_TOKEN: '2', SCIM_RATE_LIMIT_TENANT: '3', SCIM_RATE_LIMIT_WINDOW: '10' };

/** Sends `count` reads one after the other; resolves to the statuses. */
async function burst(t: TestApp, auth: { Authorization: string }, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await request(t.app).get(`${SCIM}/Users?count=1`).set(auth)).status);
  return statuses;
}

const refusalsIn = (statuses: number[]) => statuses.filter((status) => status === 429).length;

describe('rate limits', () => {
  let time: ReturnType<typeof movableClock>;
  let t: TestApp;
  beforeEach(async () => {
    time = movableClock();
    t = await createTestApp(LIMITS, { clock: time.clock });
  });
  afterEach(() => t.close());

  it('answers a burst past the token limit with 429, Retry-After and a SCIM error; other tenants go on', async () => {
    const a = await t.tenant();
    const b = await t.tenant();
    expect(await burst(t, a.auth, 20)).toEqual(Array(20).fill(200));
    time.advance(3_000);
    const refused = await request(t.app).get(`${SCIM}/Users`).set(a.auth);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('7');
    expect(refused.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(refused.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '429',
      detail: 'Rate limit exceeded for this token: 20 requests per 10 seconds. Retry after 7 seconds.',
    });
    // Writes are refused as well, before their body is read, and change nothing.
    const post = await request(t.app).post(`${SCIM}/Users`).set(a.auth).send({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'refused' });
    expect(post.status).toBe(429);

    expect(await burst(t, b.auth, 5)).toEqual(Array(5).fill(200));
    // The next window starts from nothing.
    time.advance(7_000);
    const after = await request(t.app).get(`${SCIM}/Users`).set(a.auth);
    expect(after.status).toBe(200);
    expect(after.body.totalResults).toBe(0);
  });

  it('counts every token of a tenant against the tenant limit; a token refused by its own limit does not use it up', async () => {
    const a = await t.tenant();
    const second = { Authorization: `Bearer ${await t.tokenFor(a.tenant, [Scope.read, Scope.write])}` };
    // The first token goes far past its own limit: only its 20 allowed requests count for the tenant.
    expect(refusalsIn(await burst(t, a.auth, 40))).toBe(20);
    expect(await burst(t, second, 10)).toEqual(Array(10).fill(200));
    const refused = await request(t.app).get(`${SCIM}/Users`).set(second);
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toBe('Rate limit exceeded for this tenant (all its tokens together): 30 requests per 10 seconds. Retry after 10 seconds.');
  });

  it('shares the counters between two app instances on one store file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'scim-rate-limits-'));
    const path = join(directory, 'scim.db');
    const first = await createTestApp(LIMITS, { path, clock: time.clock });
    const second = await createTestApp(LIMITS, { path, clock: time.clock });
    try {
      const a = await first.tenant();
      const other = await first.tenant();
      // 17 on the first instance, then the second allows the 3 left of the token's 20 and refuses the next: near a
      // limit every hit is an atomic add in the store, whichever instance counts it.
      expect(await burst(first, a.auth, 17)).toEqual(Array(17).fill(200));
      expect(await burst(second, a.auth, 4)).toEqual([200, 200, 200, 429]);
      expect((await request(first.app).get(`${SCIM}/Users`).set(a.auth)).status).toBe(429);
      // Another tenant's token, on either instance, is not affected.
      expect((await request(second.app).get(`${SCIM}/Users`).set(other.auth)).status).toBe(200);
      expect((await request(first.app).get(`${SCIM}/Users`).set(other.auth)).status).toBe(200);
    } finally {
      await first.close();
      await second.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('applies a tenant’s own rates from its settings, and no limit at 0', async () => {
    const a = await t.tenant();
    await t.store.settings.update(a.tenant.id, { set: { 'rateLimit.perTokenPerSecond': '1' }, at: time.clock().toISOString() });
    expect(refusalsIn(await burst(t, a.auth, 11))).toBe(1);
    await t.store.settings.update(a.tenant.id, { set: { 'rateLimit.perTokenPerSecond': '0', 'rateLimit.perTenantPerSecond': '0' }, at: time.clock().toISOString() });
    // Settings are re-read at most once a second.
    time.advance(1_000);
    expect(refusalsIn(await burst(t, a.auth, 40))).toBe(0);
  });
});

describe('failed authentications per client address', () => {
  let t: TestApp;
  beforeEach(async () => {
    // Behind one trusted proxy, so that X-Forwarded-For names the client address.
    t = await createTestApp({ SCIM_RATE_LIMIT_AUTH_FAILURES: '3', SCIM_TRUST_PROXY: '1' });
  });
  afterEach(() => t.close());

  const from = (address: string, authorization?: string) => {
    const call = request(t.app).get(`${SCIM}/Users`).set('X-Forwarded-For', address);
    return authorization === undefined ? call : call.set('Authorization', authorization);
  };

  it('refuses an address after too many failed tokens, valid tokens included; other addresses go on', async () => {
    const { token } = await t.tenant();
    const bad = `Bearer scim_${'x'.repeat(43)}`;
    // Requests without a token guess nothing and are not counted.
    for (let i = 0; i < 5; i++) expect((await from('203.0.113.7')).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await from('203.0.113.7', bad)).status).toBe(401);
    const fourth = await from('203.0.113.7', bad);
    expect(fourth.status).toBe(429);
    expect(fourth.headers['retry-after']).toMatch(/^\d+$/);
    expect(fourth.body.detail).toMatch(/^Rate limit exceeded for this client address, after too many failed authentications: 3 requests per 60 seconds/);
    expect((await from('203.0.113.7', `Bearer ${token}`)).status).toBe(429);
    expect((await from('198.51.100.1', `Bearer ${token}`)).status).toBe(200);
    expect((await from('198.51.100.1', bad)).status).toBe(401);
  });
});

describe('limitByAddress (for routes without a token)', () => {
  it('refuses an address past its limit with a SCIM 429, counts each address apart, and reports the refusal', async () => {
    const express = (await import('express')).default;
    const { createRateLimiter } = await import('../../src/limits/rate-limiter');
    const { installRateLimiter, limitByAddress } = await import('../../src/http/middleware/rate-limit');
    const { errorHandler } = await import('../../src/http/middleware/error-handler');
    const t = await createTestApp();
    try {
      const limiter = createRateLimiter({ store: t.store.rateLimits });
      const refused: string[] = [];
      const app = express();
      app.set('trust proxy', 1);
      installRateLimiter(app, limiter, { onRefused: (name) => refused.push(name) });
      // The whole opt-in of a route: one middleware in its handler list.
      app.post('/Invitations/accept', limitByAddress({ name: 'invitation-accept', limit: 2, windowSeconds: 60 }), (_req, res) => {
        res.status(204).end();
      });
      app.use(errorHandler());
      const accept = (address: string) => request(app).post('/Invitations/accept').set('X-Forwarded-For', address);
      expect([(await accept('192.0.2.1')).status, (await accept('192.0.2.1')).status]).toEqual([204, 204]);
      const third = await accept('192.0.2.1');
      expect(third.status).toBe(429);
      expect(third.body).toMatchObject({ status: '429', detail: expect.stringMatching(/^Rate limit exceeded for this client address: 2 requests per 60 seconds/) });
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
      expect((await accept('192.0.2.2')).status).toBe(204);
      expect(refused).toEqual(['invitation-accept']);
      await limiter.stop();
    } finally {
      await t.close();
    }
  });

  it('fails the request in an app that installed no limiter, instead of letting it through unlimited', async () => {
    const express = (await import('express')).default;
    const { limitByAddress } = await import('../../src/http/middleware/rate-limit');
    const { errorHandler } = await import('../../src/http/middleware/error-handler');
    const app = express();
    let ran = false;
    app.post('/Invitations/accept', limitByAddress({ name: 'invitation-accept', limit: 2, windowSeconds: 60 }), (_req, res) => {
      ran = true;
      res.status(204).end();
    });
    app.use(errorHandler());
    const res = await request(app).post('/Invitations/accept');
    expect(res.status).toBe(500);
    expect(ran).toBe(false);
  });
});
