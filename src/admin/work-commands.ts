// Admin commands about background work: a tenant's jobs (or the server's own, with `system` as the tenant), and its
// outbox messages, so that an operator can see what runs, cancel or retry a job, and requeue a dead letter once the
// receiver is fixed.
import { integer, oneOf } from '../config/value-parsers';
import { JobStatus, SYSTEM_TENANT_ID, type JobRecord } from '../store/job-store';
import { OutboxStatus, type OutboxMessage } from '../store/outbox-store';
import { expectPositionals, requireTenant, table, UsageError, type Command, type Context, type ParsedArgs } from './command-line';

const SYSTEM = 'system';
const DEFAULT_LIMIT = 50;

export const WORK_USAGE = [
  'Jobs and outbox (<tenantId> may be "system" for the server\'s own jobs)',
  '  job list <tenantId> [--status queued|running|succeeded|failed|cancelled] [--limit N]',
  '                                                     newest first, with progress, attempts and errors',
  '  job cancel <tenantId> <jobId>                      cancel a queued job, or ask a running one to stop',
  '  job retry <tenantId> <jobId>                       queue a failed or cancelled job again (from its checkpoint)',
  '  outbox list <tenantId> [--status pending|delivered|dead] [--limit N]',
  '                                                     oldest first, with attempts and the last error',
  '  outbox requeue <tenantId> <messageId>              deliver a dead message again, from its first attempt',
] as const;

/** Runs a parser of the value table on an option, as a usage error naming the option. */
function optionValue<T>(parsed: ParsedArgs, name: string, parse: (raw: string) => T): T | undefined {
  const raw = parsed.options[name];
  if (raw === undefined) return undefined;
  try {
    return parse(raw);
  } catch (error) {
    throw new UsageError(`--${name} ${(error as Error).message}`);
  }
}

/** The tenant a command names: `system` for the server's own jobs, else a tenant that must exist. */
async function tenantOf(context: Context, tenantId: string): Promise<string> {
  if (tenantId === SYSTEM) return SYSTEM_TENANT_ID;
  return (await requireTenant(context.tenants, tenantId)).id;
}

function progressOf(job: JobRecord): string {
  if (!job.progress) return '-';
  return job.progress.total === undefined ? String(job.progress.processed) : `${job.progress.processed}/${job.progress.total}`;
}

function jobRows(jobs: readonly JobRecord[]): string[] {
  return table(
    ['ID', 'TYPE', 'STATUS', 'PROGRESS', 'ATTEMPTS', 'CREATED', 'FINISHED', 'NOTE'],
    jobs.map((job) => [
      job.id,
      job.type,
      job.status === JobStatus.running && job.cancelRequested ? 'running (cancel requested)' : job.status,
      progressOf(job),
      String(job.attempts),
      job.created,
      job.finished ?? '-',
      job.error ? `${job.error.code ?? 'error'}: ${job.error.message}` : job.lease ? `lease held by ${job.lease.owner} until ${job.lease.expires}` : '',
    ]),
  );
}

function messageRows(messages: readonly OutboxMessage[]): string[] {
  return table(
    ['ID', 'TOPIC', 'KEY', 'STATUS', 'ATTEMPTS', 'CREATED', 'LAST ERROR'],
    messages.map((message) => [message.id, message.topic, message.key, message.status, String(message.attempts), message.created, message.lastError ?? '']),
  );
}

export const WORK_COMMANDS: Record<string, Command> = {
  'job list': {
    options: ['status', 'limit'],
    prepare(parsed) {
      const [tenantId] = expectPositionals(parsed, ['tenantId']);
      const status = optionValue(parsed, 'status', oneOf(...Object.values(JobStatus)));
      const limit = optionValue(parsed, 'limit', integer(1, 1000)) ?? DEFAULT_LIMIT;
      return async (context) => {
        const { jobs } = await context.store.jobs.list(await tenantOf(context, tenantId), { limit, ...(status ? { status } : {}) });
        for (const line of jobRows(jobs)) context.out(line);
      };
    },
  },
  'job cancel': {
    options: [],
    prepare(parsed) {
      const [tenantId, jobId] = expectPositionals(parsed, ['tenantId', 'jobId']);
      return async (context) => {
        const job = await context.store.jobs.cancel(await tenantOf(context, tenantId), jobId, context.now().toISOString());
        if (!job) throw new Error(`Tenant ${tenantId} has no job ${jobId}`);
        if (job.status === JobStatus.cancelled) context.out(`Job ${jobId} is cancelled`);
        else if (job.status === JobStatus.running) context.out(`Job ${jobId} is running: it stops at its next checkpoint and is then cancelled`);
        else context.out(`Job ${jobId} has already ${job.status}; nothing to cancel`);
      };
    },
  },
  'job retry': {
    options: [],
    prepare(parsed) {
      const [tenantId, jobId] = expectPositionals(parsed, ['tenantId', 'jobId']);
      return async (context) => {
        const job = await context.store.jobs.retry(await tenantOf(context, tenantId), jobId, context.now().toISOString());
        if (!job) throw new Error(`Tenant ${tenantId} has no job ${jobId}`);
        if (job.status === JobStatus.queued) context.out(`Job ${jobId} is queued again; a worker resumes it from its last checkpoint`);
        else throw new Error(`Job ${jobId} is ${job.status}: only a failed or cancelled job can be retried`);
      };
    },
  },
  'outbox list': {
    options: ['status', 'limit'],
    prepare(parsed) {
      const [tenantId] = expectPositionals(parsed, ['tenantId']);
      const status = optionValue(parsed, 'status', oneOf(...Object.values(OutboxStatus)));
      const limit = optionValue(parsed, 'limit', integer(1, 1000)) ?? DEFAULT_LIMIT;
      return async (context) => {
        const messages = await context.store.outbox.list(await tenantOf(context, tenantId), { limit, ...(status ? { status } : {}) });
        for (const line of messageRows(messages)) context.out(line);
      };
    },
  },
  'outbox requeue': {
    options: [],
    prepare(parsed) {
      const [tenantId, messageId] = expectPositionals(parsed, ['tenantId', 'messageId']);
      return async (context) => {
        const message = await context.store.outbox.requeue(await tenantOf(context, tenantId), messageId, context.now().toISOString());
        if (!message) throw new Error(`Tenant ${tenantId} has no dead outbox message ${messageId} (see \`outbox list ${tenantId} --status dead\`)`);
        context.out(`Message ${messageId} is pending again; a worker delivers it shortly`);
      };
    },
  },
};
