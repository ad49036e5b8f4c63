// How services start background work and record side effects: a job or outbox message is written to the store and
// this process's worker host is woken, so that it starts at once instead of at the next idle poll (another instance
// may claim it first; either way it runs once). Requests never wait for the work itself: they answer 202 with the
// job to poll (ARCHITECTURE "Extensions, jobs and per-tenant schemas").
import { randomUUID } from 'node:crypto';
import type { JsonValue } from '../store/json-value';
import type { JobRecord, JobStore } from '../store/job-store';
import type { OutboxStore } from '../store/outbox-store';

export interface JobRequest {
  readonly type: string;
  readonly input: JsonValue;
  /** One job per (tenant, type, key): a repeated request answers the job that exists. */
  readonly idempotencyKey?: string;
  /** Not started before this instant. */
  readonly runAfter?: Date;
}

export interface OutboxEntry {
  readonly topic: string;
  /** The change it describes, e.g. `user.created:<id>:<version>`: appending it again adds nothing. */
  readonly key: string;
  readonly payload: JsonValue;
}

export interface JobQueue {
  enqueue(tenantId: string, request: JobRequest): Promise<{ readonly job: JobRecord; readonly created: boolean }>;
  /** Appends (idempotently, by key) right after the change the entries describe; returns how many were new. */
  appendOutbox(tenantId: string, entries: readonly OutboxEntry[]): Promise<number>;
}

export interface JobQueueDeps {
  readonly jobs: Pick<JobStore, 'enqueue'>;
  readonly outbox: Pick<OutboxStore, 'append'>;
  readonly clock?: () => Date;
  readonly newId?: () => string;
  /** The local worker host's wake(), when this process runs one. */
  readonly wake?: () => void;
}

export function createJobQueue(deps: JobQueueDeps): JobQueue {
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  return {
    async enqueue(tenantId, request) {
      const created = clock().toISOString();
      const enqueued = await deps.jobs.enqueue({
        id: newId(),
        tenantId,
        type: request.type,
        input: request.input,
        created,
        ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
        ...(request.runAfter === undefined ? {} : { runAfter: request.runAfter.toISOString() }),
      });
      if (enqueued.created) deps.wake?.();
      return enqueued;
    },
    async appendOutbox(tenantId, entries) {
      const created = clock().toISOString();
      const added = await deps.outbox.append(entries.map((entry) => ({ id: newId(), tenantId, topic: entry.topic, key: entry.key, payload: entry.payload, created })));
      if (added > 0) deps.wake?.();
      return added;
    },
  };
}
