// GET /metrics (README "Metrics") after real requests: request counts, latency histograms and errors by route
// template and status, store operation timings, job and outbox backlog, rate-limit refusals, Idempotency-Key outcomes
// and process metrics; no id, tenant or token in any label; the token on the main port; off by default; the
// listener of its own for SCIM_METRICS=<port>.
import request from 'supertest';
import { createMetrics } from '../../src/metrics/metrics';
import { metricsApp } from '../../src/http/routes/metrics-router';
import { createTestApp, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123456789';
const scrapeAuth = { Authorization: `Bearer ${METRICS_TOKEN}` };

/** The value of one series of a scrape, by its exact name and labels as Prometheus prints them. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics on the server port', () => {
  let t: TestApp;
  let tenant: TestTenant;
  beforeEach(async () => {
    t = await createTestApp({ SCIM_METRICS: 'on', SCIM_METRICS_TOKEN: METRICS_TOKEN, SCIM_RATE_LIMIT_TOKEN: '1', SCIM_RATE_LIMIT_WINDOW: '60' });
    tenant = await t.tenant();
  });
  afterEach(() => t.close());

  const scrape = async () => {
    const res = await request(t.app).get('/metrics').set(scrapeAuth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };

  it('needs the metrics token, and no SCIM token will do', async () => {
    expect((await request(t.app).get('/metrics')).status).toBe(401);
    expect((await request(t.app).get('/metrics').set(tenant.auth)).status).toBe(401);
    expect((await request(t.app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`)).status).toBe(401);
    expect((await request(t.app).post('/metrics').set(scrapeAuth)).status).toBe(405);
  });

  it('shows requests, errors, latency and store timings by route template, never ids, tenants or tokens', async () => {
    const created = await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).set('Idempotency-Key', 'metrics-1').send(user('metrics@example.com'));
    expect(created.status).toBe(201);
    await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).set('Idempotency-Key', 'metrics-1').send(user('metrics@example.com'));
    expect((await request(t.app).get(`${SCIM}/Users/${created.body.id}`).set(tenant.auth)).status).toBe(200);
    expect((await request(t.app).get(`${SCIM}/Users/no-such-user`).set(tenant.auth)).status).toBe(404);
    expect((await request(t.app).get(`${SCIM}/Users`).set(tenant.auth).query({ filter: 'userName eq' })).status).toBe(400);
    expect((await request(t.app).get(`${SCIM}/nowhere/${created.body.id}`).set(tenant.auth)).status).toBe(404);
    expect((await request(t.app).get(`${SCIM}/Users`).set('Authorization', 'Bearer scim_wrong')).status).toBe(401);
    // The audit events of the requests above reach the audit store first, so that the outbox holds only m-1 below.
    await t.auditEvents(tenant.tenant.id);
    await t.store.jobs.enqueue({ id: 'job-1', tenantId: tenant.tenant.id, type: 'export', input: null, created: new Date().toISOString() });
    await t.store.outbox.append([{ id: 'm-1', tenantId: tenant.tenant.id, topic: 'webhook', key: 'k', payload: null, created: new Date().toISOString() }]);

    const text = await scrape();
    expect(valueOf(text, 'scim_http_requests_total{method="POST",route="/scim/v2/Users",status="201"}')).toBe(2);
    expect(valueOf(text, 'scim_http_requests_total{method="GET",route="/scim/v2/Users/:id",status="200"}')).toBe(1);
    expect(valueOf(text, 'scim_http_errors_total{method="GET",route="/scim/v2/Users/:id",status="404",scim_type=""}')).toBe(1);
    expect(valueOf(text, 'scim_http_errors_total{method="GET",route="/scim/v2/Users",status="400",scim_type="invalidFilter"}')).toBe(1);
    expect(valueOf(text, 'scim_http_errors_total{method="GET",route="unmatched",status="404",scim_type=""}')).toBe(1);
    expect(valueOf(text, 'scim_http_errors_total{method="GET",route="unmatched",status="401",scim_type=""}')).toBe(1);
    expect(valueOf(text, 'scim_http_request_duration_seconds_count{method="GET",route="/scim/v2/Users/:id",status_class="2xx"}')).toBe(1);
    expect(valueOf(text, 'scim_http_request_duration_seconds_bucket{le="10",method="GET",route="/scim/v2/Users/:id",status_class="2xx"}')).toBe(1);
    expect(valueOf(text, 'scim_store_operation_duration_seconds_count{port="resources",operation="get",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(valueOf(text, 'scim_store_operation_duration_seconds_count{port="tenants",operation="findTokenBySecretHash",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(valueOf(text, 'scim_idempotency_requests_total{outcome="executed"}')).toBe(1);
    expect(valueOf(text, 'scim_idempotency_requests_total{outcome="replayed"}')).toBe(1);
    expect(valueOf(text, 'scim_jobs{status="queued"}')).toBe(1);
    expect(valueOf(text, 'scim_jobs{status="running"}')).toBe(0);
    expect(valueOf(text, 'scim_outbox_messages{status="pending"}')).toBe(1);
    expect(valueOf(text, 'scim_outbox_messages{status="dead"}')).toBe(0);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    for (const secret of [created.body.id as string, tenant.tenant.id, tenant.token, 'metrics@example.com', 'no-such-user', 'scim_wrong']) expect(text).not.toContain(secret);
  });

  it('counts rate-limit refusals by limit', async () => {
    // 60 requests per fixed 60 s window: the 61st of a window is refused. The requests may straddle a window's end
    // on a slow machine, so they go on until the first refusal, which 121 of them reach within any two windows.
    let refusedAt = -1;
    for (let i = 0; i < 121 && refusedAt === -1; i++) {
      if ((await request(t.app).get(`${SCIM}/Users?count=0`).set(tenant.auth)).status === 429) refusedAt = i;
    }
    expect(refusedAt).toBeGreaterThanOrEqual(60);
    const text = await scrape();
    expect(valueOf(text, 'scim_rate_limit_refusals_total{limit="token"}')).toBe(1);
    expect(valueOf(text, 'scim_http_errors_total{method="GET",route="unmatched",status="429",scim_type=""}')).toBe(1);
  });
});

describe('GET /metrics elsewhere', () => {
  it('is not served unless SCIM_METRICS turns it on', async () => {
    const t = await createTestApp();
    try {
      expect((await request(t.app).get('/metrics')).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('is the only route of the listener of its own port, where the token is optional', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.observeRequest({ method: 'GET', route: '/scim/v2/Users/:id', status: 200, seconds: 0.002 });
    const open = metricsApp({ metrics });
    const res = await request(open).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('scim_http_requests_total{method="GET",route="/scim/v2/Users/:id",status="200"} 1');
    expect((await request(open).get('/scim/v2/Users')).status).toBe(404);
    const guarded = metricsApp({ metrics, token: METRICS_TOKEN });
    expect((await request(guarded).get('/metrics')).status).toBe(401);
    expect((await request(guarded).get('/metrics').set(scrapeAuth)).status).toBe(200);
    // A main app configured for a port of its own does not serve /metrics itself.
    const t = await createTestApp({ SCIM_METRICS: '9464' });
    try {
      expect((await request(t.app).get('/metrics')).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
