// The app on the MongoDB store's code (over the mingo stand-in): requests are served, and while the database is
// unreachable they answer 503 SCIM errors (RFC 7644 §3.12) instead of failing or crashing, then recover.
import { randomUUID } from 'node:crypto';
import { MongoNetworkError } from 'mongodb';
import request from 'supertest';
import { buildApp } from '../../../../src/app';
import { issueToken } from '../../../../src/auth/tokens';
import { loadConfig } from '../../../../src/config/load-config';
import { createLogger } from '../../../../src/logger';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { mongoStoreOn } from '../../../../src/store/mongo/mongo-store';
import { createMingoDb } from './mingo-db';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

async function mongoApp() {
  const registry = loadBuiltinRegistry();
  const { db, controls } = createMingoDb();
  const store = mongoStoreOn({ db, registry, close: async () => undefined });
  await store.prepare();
  const app = buildApp({ config: loadConfig({ SCIM_LOG_LEVEL: 'silent' }), store, registry, logger: createLogger('silent') });
  const tenantId = randomUUID();
  await store.tenants.createTenant({ id: tenantId, name: 'outage', profile: 'standard', created: new Date().toISOString() });
  const { token, record } = issueToken({ tenantId, label: 'test', scopes: ['scim:read', 'scim:write'], now: new Date() });
  await store.tenants.createToken(record);
  return { app, controls, auth: { Authorization: `Bearer ${token}` } };
}

const down = () => new MongoNetworkError('connect ECONNREFUSED 10.0.0.1:27017');

describe('the app on the MongoDB store', () => {
  it('creates, finds case-insensitively, and refuses a duplicate userName with 409 uniqueness', async () => {
    const { app, auth } = await mongoApp();
    const created = await request(app).post('/scim/v2/Users').set(auth).send({ schemas: [USER_SCHEMA], userName: 'BJensen', emails: [{ value: 'b@example.com' }] });
    expect(created.status).toBe(201);
    const found = await request(app).get('/scim/v2/Users').query({ filter: 'userName eq "bjensen"' }).set(auth);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ id: created.body.id, userName: 'BJensen' }] });
    const duplicate = await request(app).post('/scim/v2/Users').set(auth).send({ schemas: [USER_SCHEMA], userName: 'bjensen' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness' });
  });

  it('answers 503 while MongoDB is unreachable, and serves again when it is back', async () => {
    const { app, auth, controls } = await mongoApp();
    const created = await request(app).post('/scim/v2/Users').set(auth).send({ schemas: [USER_SCHEMA], userName: 'kept' });
    expect(created.status).toBe(201);

    controls.failNext('countDocuments', down());
    const listed = await request(app).get('/scim/v2/Users').set(auth);
    expect(listed.status).toBe(503);
    expect(listed.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '503' });
    expect(JSON.stringify(listed.body)).not.toContain('10.0.0.1');

    controls.failNext('insertOne', down());
    const refused = await request(app).post('/scim/v2/Users').set(auth).send({ schemas: [USER_SCHEMA], userName: 'lost' });
    expect(refused.status).toBe(503);

    controls.failNext('command', down());
    expect((await request(app).get('/ready')).status).toBe(503);

    expect((await request(app).get('/ready')).status).toBe(200);
    const after = await request(app).get('/scim/v2/Users').set(auth);
    expect(after.status).toBe(200);
    expect(after.body.Resources.map((resource: { userName: string }) => resource.userName)).toEqual(['kept']);
  });
});
