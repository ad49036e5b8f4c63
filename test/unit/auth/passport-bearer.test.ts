import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { createBearerAuthenticator, requireScope } from '../../../src/auth/passport-bearer';
import { issueToken } from '../../../src/auth/tokens';
import { createTokenVerifier, type TokenVerifier } from '../../../src/auth/verify-token';
import { ScimError } from '../../../src/scim/errors';
import { StoreError } from '../../../src/store/store-error';
import { Scope } from '../../../src/auth/scopes';
import { createFakeTenantStore, NOW, sequentialIds, tenantFixture } from './fake-tenant-store';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A tiny app: the authenticator, a read route, a write route, and an error handler that writes ScimErrors. */
function appWith(verify: TokenVerifier) {
  const app = express();
  app.use(express.json());
  app.use(createBearerAuthenticator(verify));
  app.get('/things', requireScope(Scope.read), (req, res) => {
    res.json({ tenant: req.auth?.tenant.id, tokenId: req.auth?.actor.tokenId, label: req.auth?.actor.label, scopes: req.auth?.actor.scopes });
  });
  app.post('/things', requireScope(Scope.write), (_req, res) => {
    res.status(201).json({ created: true });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (!(error instanceof ScimError)) {
      res.status(500).json({ unexpected: String(error) });
      return;
    }
    for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
    res.status(error.status).json(error.toBody());
  });
  return app;
}

async function setup() {
  const store = createFakeTenantStore({ tenants: [tenantFixture('tenant-a')] });
  const ids = sequentialIds('tok');
  const tokenWith = async (scopes: Scope[]) => {
    const { token, record } = issueToken({ tenantId: 'tenant-a', label: 'test', scopes, now: NOW, ids });
    await store.createToken(record);
    return token;
  };
  return { store, tokenWith, app: appWith(createTokenVerifier({ tenants: store })) };
}

function expectUnauthorized(res: request.Response, detail: RegExp) {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer realm="scim"');
  expect(res.body).toEqual({ schemas: [ERROR_SCHEMA], status: '401', detail: expect.stringMatching(detail) });
}

describe('createBearerAuthenticator', () => {
  it('sets req.auth for a valid token', async () => {
    const { app, tokenWith } = await setup();
    const token = await tokenWith([Scope.read, Scope.write]);
    const res = await request(app).get('/things').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tenant: 'tenant-a', tokenId: 'tok-1', label: 'test', scopes: ['scim:read', 'scim:write'] });
  });

  it('accepts the scheme name in any case (RFC 7235 §2.1)', async () => {
    const { app, tokenWith } = await setup();
    const token = await tokenWith([Scope.read]);
    expect((await request(app).get('/things').set('Authorization', `bearer ${token}`)).status).toBe(200);
  });

  it('answers a SCIM 401 without an Authorization header', async () => {
    const { app } = await setup();
    expectUnauthorized(await request(app).get('/things'), /^Authentication required/);
  });

  it('answers the same 401 for malformed headers and other schemes', async () => {
    const { app } = await setup();
    for (const header of ['non-token', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'Token abc']) {
      expectUnauthorized(await request(app).get('/things').set('Authorization', header), /must be "Bearer <token>"/);
    }
  });

  it('answers a 401 for unknown and revoked tokens', async () => {
    const { app, store, tokenWith } = await setup();
    expectUnauthorized(await request(app).get('/things').set('Authorization', `Bearer scim_nope_${'a'.repeat(43)}`), /not valid/);
    const token = await tokenWith([Scope.read]);
    await store.revokeToken('tok-1', NOW.toISOString());
    expectUnauthorized(await request(app).get('/things').set('Authorization', `Bearer ${token}`), /not valid/);
  });

  it('does not take tokens from the query string or body', async () => {
    const { app, tokenWith } = await setup();
    const token = await tokenWith([Scope.read, Scope.write]);
    expectUnauthorized(await request(app).get(`/things?access_token=${token}`), /^Authentication required/);
    expectUnauthorized(await request(app).post('/things').send({ access_token: token }), /^Authentication required/);
    // A second copy next to the header is refused too (RFC 6750 §2: one method per request).
    expectUnauthorized(await request(app).get(`/things?access_token=${token}`).set('Authorization', `Bearer ${token}`), /exactly one place/);
  });

  it('answers 403 when the token lacks the scope of the route', async () => {
    const { app, tokenWith } = await setup();
    const readOnly = await tokenWith([Scope.read]);
    const writeOnly = await tokenWith([Scope.write]);
    const denied = await request(app).post('/things').set('Authorization', `Bearer ${readOnly}`).send({});
    expect(denied.status).toBe(403);
    expect(denied.headers['www-authenticate']).toBeUndefined();
    expect(denied.body).toEqual({ schemas: [ERROR_SCHEMA], status: '403', detail: "This token does not carry the 'scim:write' scope needed for POST requests here" });
    expect((await request(app).get('/things').set('Authorization', `Bearer ${writeOnly}`)).status).toBe(403);
    expect((await request(app).post('/things').set('Authorization', `Bearer ${writeOnly}`).send({})).status).toBe(201);
  });

  it('turns an unavailable store into a SCIM 503 rather than a 401', async () => {
    const app = appWith(async () => {
      throw new StoreError('unavailable', 'connection refused');
    });
    const res = await request(app).get('/things').set('Authorization', `Bearer ${'a'.repeat(40)}`);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '503' });
    expect(JSON.stringify(res.body)).not.toContain('connection refused');
  });

  it('passes unexpected verifier errors on unchanged', async () => {
    const app = appWith(async () => {
      throw new TypeError('boom');
    });
    const res = await request(app).get('/things').set('Authorization', `Bearer ${'a'.repeat(40)}`);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ unexpected: 'TypeError: boom' });
  });
});

describe('requireScope', () => {
  it('answers 401 when no authenticator ran before it', async () => {
    const app = express();
    app.get('/', requireScope(Scope.read), (_req, res) => {
      res.end('reached');
    });
    app.use((error: ScimError, _req: Request, res: Response, _next: NextFunction) => {
      res.status(error.status).json(error.toBody());
    });
    const res = await request(app).get('/');
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/^Authentication required/);
  });
});
