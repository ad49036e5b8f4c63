// The RequestContext the HTTP edge builds: tenant and actor from the verified token, the request id of the logs, the
// client address as Express sees it (trust proxy), and nothing from the body.
import express from 'express';
import request from 'supertest';
import { createBearerAuthenticator } from '../../../src/auth/passport-bearer';
import { Scope } from '../../../src/auth/scopes';
import { issueToken } from '../../../src/auth/tokens';
import { createTokenVerifier } from '../../../src/auth/verify-token';
import { createLogger } from '../../../src/logger';
import { requestContext } from '../../../src/http/middleware/request-context';
import { requestContextOf } from '../../../src/http/request-scope';
import { createFakeTenantStore, NOW, sequentialIds, tenantFixture } from '../auth/fake-tenant-store';

async function appWithToken(trustProxy: boolean | number) {
  const store = createFakeTenantStore({ tenants: [tenantFixture('tenant-a'), tenantFixture('tenant-b')] });
  const { token, record } = issueToken({ tenantId: 'tenant-a', label: 'okta', scopes: [Scope.read], now: NOW, ids: sequentialIds('tok') });
  await store.createToken(record);
  const app = express();
  app.set('trust proxy', trustProxy);
  app.use(requestContext(createLogger('silent')));
  app.use(express.json());
  app.use(createBearerAuthenticator(createTokenVerifier({ tenants: store })));
  app.post('/context', (req, res) => {
    res.json(requestContextOf(req));
  });
  return { app, token, tokenId: record.id };
}

describe('requestContextOf', () => {
  it('takes the tenant and actor from the verified token, the request id from X-Request-Id, and ignores the body', async () => {
    const { app, token, tokenId } = await appWithToken(false);
    const res = await request(app)
      .post('/context')
      .set('Authorization', `Bearer ${token}`)
      .set('X-Request-Id', 'req-42')
      .send({ tenantId: 'tenant-b', actor: { label: 'forged' } })
      .expect(200);
    expect(res.body).toEqual({
      tenantId: 'tenant-a',
      actor: { kind: 'token', tokenId, label: 'okta', scopes: ['scim:read'] },
      requestId: 'req-42',
      clientAddress: expect.stringMatching(/127\.0\.0\.1$/),
    });
    expect(res.headers['x-request-id']).toBe('req-42');
  });

  it('takes the client address from X-Forwarded-For only behind a trusted proxy', async () => {
    const trusted = await appWithToken(1);
    const forwarded = await request(trusted.app).post('/context').set('Authorization', `Bearer ${trusted.token}`).set('X-Forwarded-For', '203.0.113.7').expect(200);
    expect(forwarded.body.clientAddress).toBe('203.0.113.7');
    expect(forwarded.body.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const untrusted = await appWithToken(false);
    const direct = await request(untrusted.app).post('/context').set('Authorization', `Bearer ${untrusted.token}`).set('X-Forwarded-For', '203.0.113.7').expect(200);
    expect(direct.body.clientAddress).not.toBe('203.0.113.7');
  });
});
