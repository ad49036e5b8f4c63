// Prometheus metrics (README "Metrics"), through prom-client, on a registry of this app's own (no process-global
// registry: tests build many apps in one process). Labels are bounded sets, never ids, tenant names or tokens:
//   - HTTP: method (the known methods, else OTHER), route TEMPLATE (`/scim/v2/Users/:id`, `unmatched` when no route
//     matched; never the raw path, which holds ids), status code, status class, SCIM error type;
//   - store: the port (`resources`, `jobs`…) and the operation (a method name of the port);
//   - rate limits: which limit refused; Idempotency-Key: what happened to a request with a key.
// Job and outbox backlog gauges are read from the store when Prometheus scrapes (one index-backed count per status),
// not on a timer. Process metrics (CPU, memory, event-loop lag, GC, handles) are prom-client's defaults.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobStore } from '../store/job-store';
import type { OutboxStore } from '../store/outbox-store';

export interface RequestObservation {
  readonly method: string;
  /** The route template, or undefined when no route matched. */
  readonly route: string | undefined;
  readonly status: number;
  readonly seconds: number;
  /** The SCIM error type of an error answer, if it had one. */
  readonly scimType?: string;
}

export interface Metrics {
  readonly registry: Registry;
  observeRequest(observation: RequestObservation): void;
  observeStoreOperation(port: string, operation: string, seconds: number, failed: boolean): void;
  countRateLimitRefusal(limit: string): void;
  countIdempotentRequest(outcome: string): void;
  /** Reads the job and outbox backlog from these ports on every scrape. */
  watchBacklog(ports: { jobs: Pick<JobStore, 'countActive'>; outbox: Pick<OutboxStore, 'countBacklog'> }, onError?: (error: unknown) => void): void;
}

export interface MetricsOptions {
  /** prom-client's process metrics (default true). */
  readonly processMetrics?: boolean;
}

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** From 1 ms (a cached discovery read) to 10 s (a large Bulk). */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** From 50 µs (an indexed SQLite read) to 2.5 s (a batch of writes, a MongoDB election). */
const STORE_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'scim_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'scim_http_request_duration_seconds',
    help: 'Time from receiving a request to handing its answer to the socket, by method, route template and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'scim_http_errors_total',
    help: 'Error answers (4xx and 5xx), by method, route template, status code and SCIM error type (scimType, empty when none)',
    labelNames: ['method', 'route', 'status', 'scim_type'] as const,
    registers: [registry],
  });
  const storeDuration = new Histogram({
    name: 'scim_store_operation_duration_seconds',
    help: 'Time of store operations, by port, operation and outcome (ok or error)',
    labelNames: ['port', 'operation', 'outcome'] as const,
    buckets: STORE_BUCKETS,
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'scim_rate_limit_refusals_total',
    help: 'Requests answered 429, by the limit that refused them (token, tenant, address, or a route limit such as invitation-accept)',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
  const idempotent = new Counter({
    name: 'scim_idempotency_requests_total',
    help: 'Requests with an Idempotency-Key, by outcome (executed: the first one ran; replayed: the first answer was sent again)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });

  return {
    registry,
    observeRequest(observation) {
      const method = METHODS.has(observation.method) ? observation.method : 'OTHER';
      const route = observation.route ?? 'unmatched';
      const status = String(observation.status);
      requests.inc({ method, route, status });
      duration.observe({ method, route, status_class: `${String(observation.status)[0]}xx` }, observation.seconds);
      if (observation.status >= 400) errors.inc({ method, route, status, scim_type: observation.scimType ?? '' });
    },
    observeStoreOperation(port, operation, seconds, failed) {
      storeDuration.observe({ port, operation, outcome: failed ? 'error' : 'ok' }, seconds);
    },
    countRateLimitRefusal(limit) {
      refusals.inc({ limit });
    },
    countIdempotentRequest(outcome) {
      idempotent.inc({ outcome });
    },
    watchBacklog(ports, onError) {
      new Gauge({
        name: 'scim_jobs',
        help: 'Jobs of all tenants that are queued or running, read from the store at each scrape',
        labelNames: ['status'] as const,
        registers: [registry],
        async collect() {
          try {
            const counts = await ports.jobs.countActive();
            this.set({ status: 'queued' }, counts.queued);
            this.set({ status: 'running' }, counts.running);
          } catch (error) {
            onError?.(error);
          }
        },
      });
      new Gauge({
        name: 'scim_outbox_messages',
        help: 'Outbox messages of all tenants waiting for delivery (pending) or given up (dead), read from the store at each scrape',
        labelNames: ['status'] as const,
        registers: [registry],
        async collect() {
          try {
            const counts = await ports.outbox.countBacklog();
            this.set({ status: 'pending' }, counts.pending);
            this.set({ status: 'dead' }, counts.dead);
          } catch (error) {
            onError?.(error);
          }
        },
      });
    },
  };
}
