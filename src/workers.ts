// Composition root of background work (as app.ts is of the HTTP side): builds the worker host for a store with the
// built-in job types. src/main.ts starts it unless SCIM_WORKERS=off and stops it before the store closes.
import { AUDIT_RETENTION_EVERY_MS, AUDIT_RETENTION_JOB, auditRetentionJob } from './extensions/audit/audit-retention';
import { auditTopic, type AuditListener } from './extensions/audit/audit-topic';
import { createConditionCheck } from './extensions/audit/confirm-condition';
import type { DeliveryPolicy } from './extensions/webhooks/post-delivery';
import type { SecretBox } from './extensions/webhooks/secret-box';
import { webhookFanOut } from './extensions/webhooks/webhook-fanout';
import { webhookTopic } from './extensions/webhooks/webhook-topic';
import type { WorkerLogger } from './jobs/job-type';
import { derivedDataRebuildJob } from './jobs/derived-data-rebuild';
import { randomUUID } from 'node:crypto';
import { HOUSEKEEPING_EVERY_MS, HOUSEKEEPING_JOB, housekeepingJob } from './jobs/housekeeping';
import { createWorkerHost, type WorkerHost } from './jobs/worker-host';
import { LIFECYCLE_SWEEP_EVERY_MS, LIFECYCLE_SWEEP_JOB, lifecycleSweepJob } from './extensions/lifecycle/lifecycle-sweep-job';
import { invitationMailTopic, type MailSender } from './extensions/invitations/invitation-mail';
import { INVITATIONS_SWEEP_EVERY_MS, INVITATIONS_SWEEP_JOB, invitationsSweepJob } from './extensions/invitations/invitations-sweep-job';
import type { SchemaRegistry } from './scim/schema/registry';
import { buildServices } from './services';
import type { Store } from './store/tenant-store';

export interface WorkerDeps {
  readonly store: Store;
  readonly registry: SchemaRegistry;
  readonly logger: WorkerLogger;
  readonly clock?: () => Date;
  readonly workerId?: string;
  /** Told about audit events once they are in the audit store, besides the webhooks' fan-out. */
  readonly auditListeners?: readonly AuditListener[];
  /** Webhook deliveries: the key of their secrets (none: they wait for one) and where they may go. */
  readonly webhooks?: { readonly secrets: SecretBox | undefined; readonly policy: DeliveryPolicy };
  /** Users per part of an export file (README "Export and import"); tests lower it. */
  readonly exportPartUsers?: number;
  /** SCIM_IMPORT_CONCURRENCY: records an import job works on at once. */
  readonly importConcurrency?: number;
  /** Invitation mails (README "Invitations"): how to send one and the From address; without it no mail is sent. */
  readonly mail?: { readonly send: MailSender; readonly from: string };
}

/** How often each instance looks for write effects stranded by a process that died mid-write (MongoDB). */
export const EFFECTS_RECOVERY_EVERY_MS = 30_000;
/** A write younger than this may still be appending its own effects: recovery leaves it alone. */
const EFFECTS_RECOVERY_AGE_MS = 30_000;
const EFFECTS_RECOVERY_BATCH = 200;

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
  const services = buildServices({ store, registry: deps.registry, logger, clock, wakeWorkers: () => host.wake(), exportPartUsers: deps.exportPartUsers, importConcurrency: deps.importConcurrency });
  const settings = services.settings;
  host.registerJobType(
    housekeepingJob({
      tenants: store.tenants,
      jobs: store.jobs,
      outbox: store.outbox,
      blobs: store.blobs,
      idempotency: store.idempotency,
      rateLimits: store.rateLimits,
      settings,
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

  // The audit trail: events from the outbox into the audit store (and on to the listeners), and its retention.
  const holds = createConditionCheck({ resources: store.resources, tenants: store.tenants, auditEvents: store.auditEvents });
  const listeners = [...(deps.auditListeners ?? [])];
  if (deps.webhooks) {
    // Audit events on to the webhooks that subscribe to them, each delivery signed and retried for a day.
    listeners.push(webhookFanOut({ resources: store.resources, outbox: store.outbox, clock: clock ?? (() => new Date()), newId: randomUUID }));
    host.registerOutboxTopic(webhookTopic({ resources: store.resources, secrets: deps.webhooks.secrets, policy: deps.webhooks.policy }));
  }
  host.registerOutboxTopic(auditTopic({ auditEvents: store.auditEvents, holds, listeners, logger }));
  host.registerJobType(auditRetentionJob({ tenants: store.tenants, auditEvents: store.auditEvents, settings }));
  host.schedule({ type: AUDIT_RETENTION_JOB, everyMs: AUDIT_RETENTION_EVERY_MS });
  host.every({
    name: 'recover write effects',
    everyMs: EFFECTS_RECOVERY_EVERY_MS,
    run: async (now) => {
      const before = new Date(now.getTime() - EFFECTS_RECOVERY_AGE_MS).toISOString();
      const recovered = await store.resources.recoverEffects(before, EFFECTS_RECOVERY_BATCH);
      if (recovered > 0) logger.warn({ writes: recovered }, 'appended the audit events of writes whose process stopped before it could');
    },
  });
  // README "Export and import": POST /Users/.export/all and /Users/.import/all.
  for (const type of services.transferJobs.jobTypes) host.registerJobType(type);
  // README "Invitations": expired invitations, and their mails when an SMTP server is configured.
  host.registerJobType(invitationsSweepJob({ tenants: store.tenants, invitations: services.invitations }));
  host.schedule({ type: INVITATIONS_SWEEP_JOB, everyMs: INVITATIONS_SWEEP_EVERY_MS });
  if (deps.mail) {
    host.registerOutboxTopic(
      invitationMailTopic({ invitations: store.invitations, outbox: store.outbox, newId: randomUUID, settings: services.settings, send: deps.mail.send, from: deps.mail.from, logger }),
    );
  }
  return host;
}
