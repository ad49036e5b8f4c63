// Webhooks through the real app and a real receiver: an HTTP server on loopback that records what it is sent and
// checks each delivery's X-Signature with the secret the create answered. Background work runs as a server runs it
// (test-app's runWorkers), with its clock moved on instead of waiting for retries.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Scope } from '../../src/auth/scopes';
import { verifySignature } from '../../src/extensions/webhooks/signature';
import { createTestApp, ERROR_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const WEBHOOK_SCHEMA = 'urn:scim-server:params:scim:schemas:webhooks:2.0:Webhook';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const HOUR = 3_600_000;

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: { webhookId: string; deliveryId: string; events: { id: string; type: string; tenantId: string; resource?: { id?: string } }[] };
}

/** A webhook receiver on loopback: records every POST, answers the statuses it is told (200 once they run out). */
async function receiver() {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, body, json: JSON.parse(body) as Received['json'] });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/scim`;
  return { url, received, statuses, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const webhook = (url: string, events: string[] = ['USER_*'], extra: Record<string, unknown> = {}) => ({ schemas: [WEBHOOK_SCHEMA], url, events, ...extra });

describe('webhooks on loopback (SCIM_WEBHOOKS_ALLOW_PRIVATE=true)', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let hooks: Awaited<ReturnType<typeof receiver>>;

  beforeEach(async () => {
    t = await createTestApp({ SCIM_WEBHOOKS_ALLOW_PRIVATE: 'true' });
    tenant = await t.tenant();
    hooks = await receiver();
  });
  afterEach(async () => {
    await t.close();
    await hooks.close();
  });

  const deliveries = async (id: string) => (await request(t.app).get(`${SCIM}/Webhooks/${id}/deliveries`).set(tenant.auth)).body;

  it('creates, reads, changes and deletes a webhook; the secret is in the create answer only, sealed at rest', async () => {
    const created = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook(hooks.url, ['USER_*', 'GROUP_CREATE_SUCCESS'], { description: 'Directory sync' }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ schemas: [WEBHOOK_SCHEMA], url: hooks.url, events: ['USER_*', 'GROUP_CREATE_SUCCESS'], active: true, description: 'Directory sync', secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/) });
    expect(created.headers.location).toMatch(new RegExp(`${SCIM}/Webhooks/${created.body.id}$`));
    expect(created.headers.etag).toBe('W/"1"');
    const { id, secret } = created.body;

    const read = await request(t.app).get(`${SCIM}/Webhooks/${id}`).set(tenant.auth);
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain(secret);
    const listed = await request(t.app).get(`${SCIM}/Webhooks`).set(tenant.auth);
    expect(listed.body).toMatchObject({ totalResults: 1, Resources: [{ id, url: hooks.url }] });
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    // At rest: sealed with the server's key, bound to this webhook.
    const stored = (await t.store.resources.get(tenant.tenant.id, 'Webhook', id))!;
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(t.webhookSecrets.open(String(stored.internal.secret), id)).toBe(secret);
    expect(() => t.webhookSecrets.open(String(stored.internal.secret), 'another-webhook')).toThrow();

    const patched = await request(t.app).patch(`${SCIM}/Webhooks/${id}`).set(tenant.auth).send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(patched.body).toMatchObject({ active: false, meta: { version: 'W/"2"' } });
    const replaced = await request(t.app).put(`${SCIM}/Webhooks/${id}`).set(tenant.auth).set('If-Match', 'W/"2"').send(webhook(hooks.url, ['*']));
    expect(replaced.body).toMatchObject({ events: ['*'], active: true, meta: { version: 'W/"3"' } });
    // The secret survives a replace.
    expect(t.webhookSecrets.open(String((await t.store.resources.get(tenant.tenant.id, 'Webhook', id))!.internal.secret), id)).toBe(secret);

    expect((await request(t.app).delete(`${SCIM}/Webhooks/${id}`).set(tenant.auth)).status).toBe(204);
    expect((await request(t.app).get(`${SCIM}/Webhooks/${id}`).set(tenant.auth)).status).toBe(404);
  });

  it('refuses a webhook without a URL, with events that are not event types, or without its schema', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ schemas: [WEBHOOK_SCHEMA], events: ['*'] }, 'invalidValue', /url/],
      [webhook(hooks.url, []), 'invalidValue', /'events' is required/],
      [webhook(hooks.url, ['user_create']), 'invalidValue', /upper case/],
      [{ url: hooks.url, events: ['*'] }, 'invalidSyntax', /schemas/],
      [webhook('ftp://example.com/x'), 'invalidValue', /https/],
      [webhook('https://user:pass@example.com/x'), 'invalidValue', /user name or password/],
    ];
    for (const [body, scimType, detail] of cases) {
      const res = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(body);
      expect({ body, status: res.status, scimType: res.body.scimType }).toEqual({ body, status: 400, scimType });
      expect(res.body.detail).toMatch(detail);
    }
    expect((await request(t.app).get(`${SCIM}/Webhooks`).set(tenant.auth)).body.totalResults).toBe(0);
  });

  it('POSTs the subscribed events, signed with the secret: X-Signature t=<seconds>,v1=<HMAC-SHA256 of "t.body">', async () => {
    const { body } = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook(hooks.url, ['USER_CREATE_*']));
    const created = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).set('X-Request-Id', 'req-hook').send(user('hooked@example.com', { password: 'Not-In-Any-Event-1' })).expect(201);
    await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(tenant.auth).expect(200);
    await t.runWorkers();

    expect(hooks.received).toHaveLength(1);
    const [delivery] = hooks.received;
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['user-agent']).toMatch(/^scim-server\//);
    expect(delivery.headers['x-webhook-id']).toBe(body.id);
    expect(delivery.headers['x-delivery-id']).toBe(delivery.json.deliveryId);
    // The receiver's check, written out: recompute the HMAC over "<t>.<body>" with the secret.
    const signature = String(delivery.headers['x-signature']);
    const [, t1, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature)!;
    expect(createHmac('sha256', body.secret).update(`${t1}.${delivery.body}`).digest('hex')).toBe(v1);
    expect(Math.abs(Number(t1) - Date.now() / 1000)).toBeLessThan(2 * 3600);
    expect(verifySignature(body.secret, delivery.body, signature)).toBe(true);
    expect(verifySignature(body.secret, `${delivery.body} `, signature)).toBe(false);
    expect(verifySignature('whsec_wrong', delivery.body, signature)).toBe(false);

    expect(delivery.json.webhookId).toBe(body.id);
    expect(delivery.json.events.map((event) => event.type).sort()).toEqual(['USER_CREATE_START', 'USER_CREATE_SUCCESS']);
    expect(delivery.json.events.find((event) => event.type === 'USER_CREATE_SUCCESS')).toMatchObject({ tenantId: tenant.tenant.id, resource: { id: created.body.id } });
    expect(delivery.body).not.toContain('Not-In-Any-Event-1');

    const log = await deliveries(body.id);
    expect(log).toMatchObject({ totalResults: 1, Resources: [{ id: delivery.json.deliveryId, status: 'delivered', attempts: 1, eventTypes: expect.arrayContaining(['USER_CREATE_SUCCESS']) }] });
    // Delivered once: running the workers again sends nothing more.
    await t.runWorkers();
    expect(hooks.received).toHaveLength(1);
  });

  it('delivers the read events a webhook subscribes to (they take the outbox), and only those; all of them are in the trail', async () => {
    const created = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('read-hook@example.com')).expect(201);
    // A read before any webhook: the buffer learns that the tenant has none, and remembers it.
    await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(tenant.auth).set('X-Request-Id', 'req-before').expect(200);
    await t.runWorkers();
    // A webhook written through this app makes it forget that at once.
    const { body } = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook(hooks.url, ['USER_RETRIEVE_SUCCESS', 'USER_RETRIEVE_FAIL'])).expect(201);
    await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(tenant.auth).set('X-Request-Id', 'req-read').expect(200);
    await request(t.app).get(`${SCIM}/Users/unknown-id`).set(tenant.auth).set('X-Request-Id', 'req-miss').expect(404);
    await t.runWorkers();

    const delivered = hooks.received.flatMap((delivery) => delivery.json.events.map((event) => [event.type, (event as { requestId?: string }).requestId]));
    expect(delivered.sort()).toEqual([
      ['USER_RETRIEVE_FAIL', 'req-miss'],
      ['USER_RETRIEVE_SUCCESS', 'req-read'],
    ]);
    expect(hooks.received.every((delivery) => delivery.json.webhookId === body.id)).toBe(true);
    // The trail has every event, subscribed or not, exactly once.
    const trail = (await t.auditEvents(tenant.tenant.id)).filter((event) => ['req-before', 'req-read', 'req-miss'].includes(event.requestId));
    expect(trail.map((event) => [event.type, event.requestId]).sort()).toEqual([
      ['USER_RETRIEVE_FAIL', 'req-miss'],
      ['USER_RETRIEVE_START', 'req-before'],
      ['USER_RETRIEVE_START', 'req-miss'],
      ['USER_RETRIEVE_START', 'req-read'],
      ['USER_RETRIEVE_SUCCESS', 'req-before'],
      ['USER_RETRIEVE_SUCCESS', 'req-read'],
    ]);
    expect(new Set(trail.map((event) => event.id)).size).toBe(6);
  });

  it('retries a failed delivery with backoff, with the same delivery id, and logs each outcome', async () => {
    const { body } = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook(hooks.url, ['USER_DELETE_SUCCESS']));
    const created = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('retry@example.com')).expect(201);
    hooks.statuses.push(503, 500);
    await request(t.app).delete(`${SCIM}/Users/${created.body.id}`).set(tenant.auth).expect(204);
    await t.runWorkers();
    expect(hooks.received).toHaveLength(1);
    let log = await deliveries(body.id);
    expect(log.Resources[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: 'The receiver answered HTTP 503', nextAttempt: expect.any(String), lastAttempt: expect.any(String) });

    t.advanceWorkers(10_000);
    await t.runWorkers();
    t.advanceWorkers(20_000);
    await t.runWorkers();
    expect(hooks.received).toHaveLength(3);
    expect(new Set(hooks.received.map((entry) => entry.headers['x-delivery-id'])).size).toBe(1);
    log = await deliveries(body.id);
    expect(log.Resources[0]).toMatchObject({ status: 'delivered', attempts: 3, delivered: expect.any(String) });
  });

  it('gives a delivery up after a day of failures, and at once on 410 Gone', async () => {
    const { body } = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook(hooks.url, ['USER_CREATE_SUCCESS']));
    hooks.statuses.push(...Array.from({ length: 60 }, () => 500));
    await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('down@example.com')).expect(201);
    await t.runWorkers();
    for (let hour = 0; hour < 26; hour++) {
      t.advanceWorkers(HOUR);
      await t.runWorkers();
    }
    const log = await deliveries(body.id);
    expect(log.Resources[0]).toMatchObject({ status: 'failed', lastError: expect.stringContaining('Given up: not delivered within a day') });
    expect(log.Resources[0].attempts).toBeGreaterThan(10);
    const attempts = hooks.received.length;
    t.advanceWorkers(HOUR);
    await t.runWorkers();
    expect(hooks.received.length).toBe(attempts);

    hooks.statuses.length = 0;
    hooks.statuses.push(410);
    const gone = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook(hooks.url, ['GROUP_CREATE_SUCCESS']));
    await request(t.app).post(`${SCIM}/Groups`).set(tenant.auth).send({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'G' }).expect(201);
    await t.runWorkers();
    expect((await deliveries(gone.body.id)).Resources[0]).toMatchObject({ status: 'failed', attempts: 1, lastError: 'The receiver answered HTTP 410' });
  });

  it('does not deliver to an inactive webhook, and drops what was pending for a deleted one', async () => {
    const inactive = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook(hooks.url, ['USER_CREATE_SUCCESS'], { active: false }));
    const removed = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook(hooks.url, ['USER_CREATE_SUCCESS']));
    await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('quiet@example.com')).expect(201);
    // The audit events reach the fan-out (one delivery, for the active webhook) before the webhook is deleted.
    await t.auditBuffer.flush();
    await request(t.app).delete(`${SCIM}/Webhooks/${removed.body.id}`).set(tenant.auth).expect(204);
    await t.runWorkers();
    expect(hooks.received).toHaveLength(0);
    expect((await deliveries(inactive.body.id)).totalResults).toBe(0);
  });

  it('delivers to each webhook side by side: a receiver that does not answer holds up its own deliveries only', async () => {
    // A receiver that holds every request until released, and says when the first one arrives.
    const held: (() => void)[] = [];
    let arrived!: () => void;
    const firstArrival = new Promise<void>((resolve) => (arrived = resolve));
    const slow = createServer((req, res) => {
      req.resume();
      held.push(() => res.end('ok'));
      arrived();
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow`;
      const stuck = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook(slowUrl, ['USER_CREATE_SUCCESS']));
      const quick = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook(hooks.url, ['USER_CREATE_SUCCESS']));
      await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('side-by-side@example.com')).expect(201);
      const running = t.runWorkers();
      await firstArrival;
      // The slow receiver has its request and has not answered; the other webhook's delivery is not waiting for it.
      await new Promise<void>((resolve) => {
        const check = () => (hooks.received.length > 0 ? resolve() : setImmediate(check));
        check();
      });
      expect(held).toHaveLength(1);
      for (const release of held) release();
      await running;
      expect((await deliveries(stuck.body.id)).Resources[0]).toMatchObject({ status: 'delivered' });
      expect((await deliveries(quick.body.id)).Resources[0]).toMatchObject({ status: 'delivered' });
    } finally {
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it('test-sends a signed WEBHOOK_TEST event now and answers how it went', async () => {
    const { body } = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook(hooks.url, ['USER_CREATE_SUCCESS']));
    const sent = await request(t.app).post(`${SCIM}/Webhooks/${body.id}/test`).set(tenant.auth);
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ schemas: ['urn:scim-server:params:scim:api:messages:2.0:WebhookTestResult'], delivered: true, status: 200, durationMs: expect.any(Number) });
    expect(hooks.received).toHaveLength(1);
    expect(hooks.received[0].json.events).toMatchObject([{ type: 'WEBHOOK_TEST', resource: { type: 'Webhook', id: body.id } }]);
    expect(verifySignature(body.secret, hooks.received[0].body, String(hooks.received[0].headers['x-signature']))).toBe(true);

    hooks.statuses.push(500);
    expect((await request(t.app).post(`${SCIM}/Webhooks/${body.id}/test`).set(tenant.auth)).body).toMatchObject({ delivered: false, status: 500, error: 'The receiver answered HTTP 500' });
    await hooks.close();
    const unreachable = await request(t.app).post(`${SCIM}/Webhooks/${body.id}/test`).set(tenant.auth);
    expect(unreachable.body).toMatchObject({ delivered: false, error: expect.stringMatching(/^Could not deliver: /) });
    hooks = await receiver();
  });

  it('keeps each tenant to its own webhooks and events', async () => {
    const other = await t.tenant({ name: 'other' });
    const mine = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook(hooks.url, ['*']));
    for (const [method, path] of [
      ['get', `/Webhooks/${mine.body.id}`],
      ['put', `/Webhooks/${mine.body.id}`],
      ['patch', `/Webhooks/${mine.body.id}`],
      ['delete', `/Webhooks/${mine.body.id}`],
      ['get', `/Webhooks/${mine.body.id}/deliveries`],
      ['post', `/Webhooks/${mine.body.id}/test`],
    ] as const) {
      const body = method === 'put' ? webhook(hooks.url) : method === 'patch' ? { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] } : undefined;
      const res = await request(t.app)[method](`${SCIM}${path}`).set(other.auth).send(body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
    }
    expect((await request(t.app).get(`${SCIM}/Webhooks`).set(other.auth)).body.totalResults).toBe(0);
    // The other tenant's operations are not delivered to this tenant's webhook.
    await request(t.app).post(`${SCIM}/Users`).set(other.auth).send(user('theirs@example.com')).expect(201);
    await t.runWorkers();
    expect(hooks.received.flatMap((entry) => entry.json.events).filter((event) => event.tenantId !== tenant.tenant.id)).toEqual([]);
    expect(hooks.received.every((entry) => entry.json.events.every((event) => event.tenantId === tenant.tenant.id))).toBe(true);
  });

  it('needs scim:write for every route', async () => {
    const reader = { Authorization: `Bearer ${await t.tokenFor(tenant.tenant, [Scope.read, Scope.auditRead])}` };
    const res = await request(t.app).get(`${SCIM}/Webhooks`).set(reader);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], detail: expect.stringContaining('scim:write') });
    expect((await request(t.app).post(`${SCIM}/Webhooks`).set(reader).send(webhook(hooks.url))).status).toBe(403);
  });
});

describe('webhook destinations (SSRF)', () => {
  // Names resolve as the test says: one public, one rebinding to loopback after the webhook was created.
  const answers = new Map<string, string[]>([
    ['hooks.example.com', ['93.184.215.14']],
    ['rebinding.example.com', ['93.184.215.15']],
    ['mixed.example.com', ['93.184.215.16', '10.1.2.3']],
    ['internal.example.com', ['192.168.10.5']],
  ]);
  let t: TestApp;
  let tenant: TestTenant;
  beforeEach(async () => {
    t = await createTestApp({}, { resolve: async (host) => answers.get(host) ?? Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' })) });
    tenant = await t.tenant();
  });
  afterEach(() => t.close());

  it('refuses URLs whose host is, or resolves to, a loopback, private, link-local or reserved address', async () => {
    for (const url of [
      'http://127.0.0.1:8080/x',
      'http://[::1]/x',
      'http://10.0.0.5/x',
      'http://172.16.3.4/x',
      'http://192.168.1.1/x',
      'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/x',
      'http://0.0.0.0/x',
      'http://[fd00::1]/x',
      'http://[fe80::1]/x',
      'http://[::ffff:127.0.0.1]/x',
      'https://internal.example.com/x',
      'https://mixed.example.com/x',
    ]) {
      const res = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook(url));
      expect({ url, status: res.status, scimType: res.body.scimType }).toEqual({ url, status: 400, scimType: 'invalidValue' });
      expect(res.body.detail).toContain('SCIM_WEBHOOKS_ALLOW_PRIVATE');
    }
    const unknown = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook('https://nowhere.example.com/x'));
    expect(unknown.body).toMatchObject({ status: '400', detail: expect.stringContaining('cannot be resolved (ENOTFOUND)') });
    expect((await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook('https://hooks.example.com/x'))).status).toBe(201);
  });

  it('checks again at delivery, after resolving: a host that now resolves to loopback is refused (DNS rebinding)', async () => {
    const created = await request(t.app).post(`${SCIM}/Webhooks`).set(tenant.auth).send(webhook('http://rebinding.example.com/x', ['USER_CREATE_SUCCESS']));
    expect(created.status).toBe(201);
    answers.set('rebinding.example.com', ['127.0.0.1']);
    await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('rebind@example.com')).expect(201);
    await t.runWorkers();
    const log = (await request(t.app).get(`${SCIM}/Webhooks/${created.body.id}/deliveries`).set(tenant.auth)).body;
    expect(log.Resources[0]).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringMatching(/^Refused: rebinding\.example\.com resolves to 127\.0\.0\.1/) });
    const test = await request(t.app).post(`${SCIM}/Webhooks/${created.body.id}/test`).set(tenant.auth);
    expect(test.body).toMatchObject({ delivered: false, error: expect.stringMatching(/^Refused: /) });
  });
});
