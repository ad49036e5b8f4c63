// Composition root of background work (as app.ts is of the HTTP side): builds the worker host for a store with the
// built-in job types. src/main.ts starts it unless SCIM_WORKERS=off and stops it before the store closes.
import type { WorkerLogger } from './jobs/job-type';
import { derivedDataRebuildJob } from './jobs/derived-data-rebuild';
import { HOUSEKEEPING_EVERY_MS, HOUSEKEEPING_JOB, housekeepingJob } from './jobs/housekeeping';
import { createWorkerHost, type WorkerHost } from './jobs/worker-host';
import { LIFECYCLE_SWEEP_EVERY_MS, LIFECYCLE_SWEEP_JOB, lifecycleSweepJob } from './extensions/lifecycle/lifecycle-sweep-job';
import type { SchemaRegistry } from './scim/schema/registry';
import { buildServices } from './services';
import type { Store } from './store/tenant-store';

export interface WorkerDeps {
  readonly store: Store;
  readonly registry: SchemaRegistry;
  readonly logger: WorkerLogger;
  readonly clock?: () => Date;
  readonly workerId?: string;
}

/**
 * What SCIM_TEST_HOOKS gives a test's module (the test suite's way to run jobs and outbox topics of its own in real
 * server processes, test/fixtures/worker-test-hooks.js): the host, the store, and the worker clock to move forward.
 */
export interface TestHooksApi {
  readonly host: WorkerHost;
  readonly store: Store;
  shiftClock(ms: number): void;
}

export interface TestHooksModule {
  registerTestHooks(api: TestHooksApi): void;
}

export function buildWorkers(deps: WorkerDeps): WorkerHost {
  const { store, logger, clock } = deps;
  const host = createWorkerHost({ jobs: store.jobs, outbox: store.outbox, logger, clock, workerId: deps.workerId });
  // The services requests use, so that a job writes through the same behaviours as a request would.
  const services = buildServices({ store, registry: deps.registry, logger, clock, wakeWorkers: () => host.wake() });
  host.registerJobType(
    housekeepingJob({
      tenants: store.tenants,
      jobs: store.jobs,
      outbox: store.outbox,
      blobs: store.blobs,
      idempotency: store.idempotency,
      rateLimits: store.rateLimits,
      settings: services.settings,
    }),
  );
  host.schedule({ type: HOUSEKEEPING_JOB, everyMs: HOUSEKEEPING_EVERY_MS });
  // README "Roles": the holders of a renamed or force-deleted role, moved in batches.
  host.registerJobType(services.roles.holdersJob);
  // MongoDB: the rebuild of derived fields for this instance's schema model, after a schema change.
  if (store.derivedData) host.registerJobType(derivedDataRebuildJob(store.derivedData));
  // README "Account lifecycle": timed locks lifted when they end, sign-in history past its retention deleted.
  host.registerJobType(lifecycleSweepJob({ tenants: store.tenants, lifecycle: services.lifecycle }));
  host.schedule({ type: LIFECYCLE_SWEEP_JOB, everyMs: LIFECYCLE_SWEEP_EVERY_MS });
  return host;
}
