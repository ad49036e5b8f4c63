// RFC 7643 §2.4 over HTTP: a create or replace with two primary values is refused and changes nothing.
import request from 'supertest';
import { createTestApp, ERROR_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

let t: TestApp;
let a: TestTenant;

beforeEach(async () => {
  t = await createTestApp();
  a = await t.tenant({ name: 'a' });
});
afterEach(() => t.close());

const twoPrimaries = [
  { value: 'one@example.com', type: 'work', primary: true },
  { value: 'two@example.com', type: 'home', primary: true },
];

describe('at most one primary value', () => {
  it('answers 400 invalidValue to a create with two primary emails and stores nothing', async () => {
    const res = await request(t.app).post(`${SCIM}/Users`).set(a.auth).send({ ...user('twice'), emails: twoPrimaries });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidValue' });
    expect(res.body.detail).toContain("'emails'");
    expect((await request(t.app).get(`${SCIM}/Users`).set(a.auth)).body.totalResults).toBe(0);
  });

  it('answers 400 to a replace with two primary emails and keeps the stored user', async () => {
    const created = await request(t.app).post(`${SCIM}/Users`).set(a.auth).send({ ...user('once'), emails: [twoPrimaries[0]] });
    expect(created.status).toBe(201);
    const res = await request(t.app).put(`${SCIM}/Users/${created.body.id}`).set(a.auth).send({ ...user('once'), emails: twoPrimaries });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
    const read = await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(a.auth);
    expect(read.body.emails).toEqual([twoPrimaries[0]]);
    expect(read.body.meta.version).toBe(created.body.meta.version);
  });
});
