// A tenant's jobs as its clients see them (README "Jobs"): GET /Jobs, GET /Jobs/{id}, DELETE /Jobs/{id} and the
// download of a job's file. Every job type is listed (exports, imports, the holders of a renamed role…); a type that
// makes a file says which blobs hold it through a JobFiles entry, and which scope may download it.
//
// What a job shows is chosen here, never its input: the input of an export or import holds the key that opens its
// password hashes.
import type { RequestContext } from '../auth/request-context';
import type { Scope } from '../auth/scopes';
import { scimErrors } from '../scim/errors';
import type { CursorBinding, CursorCodec } from '../scim/list/cursor-codec';
import type { BlobStore } from '../store/blob-store';
import type { JsonValue } from '../store/json-value';
import { JobStatus, type JobRecord, type JobStore } from '../store/job-store';
import { mapStoreErrors } from '../resources/store-errors';

/** What a job type with a file says about a job of its type. */
export interface JobFile {
  /** The blobs holding the file, in order (their contents are concatenated); none while there is no file. */
  readonly parts: readonly string[];
  /** When the file is deleted by the server. */
  readonly expires?: string;
  readonly fileName: string;
  readonly contentType: string;
  /** The scope a token needs to download it. */
  readonly scope: Scope;
}

export interface JobFiles {
  readonly type: string;
  /** The job's file; undefined when it has none (yet, or any more). */
  fileOf(job: JobRecord): JobFile | undefined;
  /** What the job's result says, for people (counts); never secrets. */
  summaryOf?(job: JobRecord): Record<string, JsonValue> | undefined;
}

export interface JobView {
  readonly id: string;
  readonly type: string;
  readonly status: JobRecord['status'];
  readonly progress: { readonly processed: number; readonly total?: number };
  readonly created: string;
  readonly started?: string;
  readonly finished?: string;
  readonly expires?: string;
  readonly cancelRequested?: true;
  readonly result?: Record<string, JsonValue>;
  readonly error?: { readonly message: string; readonly code?: string };
  /** Where the file is, relative to the SCIM base: present once there is one to download. */
  readonly download?: string;
}

export interface JobDownload {
  readonly fileName: string;
  readonly contentType: string;
  readonly content: AsyncIterable<Uint8Array>;
}

export interface TenantJobs {
  list(context: RequestContext, page: { readonly cursor?: string; readonly count: number }): Promise<{ readonly Resources: JobView[]; readonly nextCursor?: string }>;
  get(context: RequestContext, id: string): Promise<JobView>;
  /** A queued or running job is cancelled (its file, if any, goes with it); a finished one loses its file. */
  cancelOrDelete(context: RequestContext, id: string): Promise<{ readonly cancelled: boolean; readonly job: JobView }>;
  /** The job's file, checked for the scope its type asks; 404 when there is none. */
  download(context: RequestContext, id: string, hasScope: (scope: Scope) => boolean): Promise<JobDownload>;
}

export interface TenantJobsDeps {
  readonly jobs: Pick<JobStore, 'get' | 'list' | 'cancel'>;
  readonly blobs: Pick<BlobStore, 'stat' | 'read' | 'delete'>;
  readonly files: readonly JobFiles[];
  readonly cursors: CursorCodec;
  readonly clock?: () => Date;
}

export function createTenantJobs(deps: TenantJobsDeps): TenantJobs {
  const clock = deps.clock ?? (() => new Date());
  const filesOf = new Map(deps.files.map((entry) => [entry.type, entry]));
  const fileOf = (job: JobRecord) => filesOf.get(job.type)?.fileOf(job);

  const find = async (context: RequestContext, id: string): Promise<JobRecord> => {
    const job = await mapStoreErrors(`Job ${id}`, () => deps.jobs.get(context.tenantId, id));
    if (!job) throw scimErrors.notFound(`Job ${id} not found`);
    return job;
  };

  /** The file when all of its parts are still there (not deleted, not expired). */
  const availableFile = async (job: JobRecord): Promise<JobFile | undefined> => {
    const file = fileOf(job);
    if (!file || file.parts.length === 0) return undefined;
    const now = clock().toISOString();
    for (const part of file.parts) if (!(await deps.blobs.stat(job.tenantId, part, now))) return undefined;
    return file;
  };

  const view = async (job: JobRecord): Promise<JobView> => {
    const file = fileOf(job);
    const available = await availableFile(job);
    const summary = filesOf.get(job.type)?.summaryOf?.(job);
    return {
      id: job.id,
      type: job.type,
      status: job.status,
      progress: job.progress ?? { processed: 0 },
      created: job.created,
      ...(job.started ? { started: job.started } : {}),
      ...(job.finished ? { finished: job.finished } : {}),
      ...(file?.expires ? { expires: file.expires } : {}),
      ...(job.cancelRequested && job.status === JobStatus.running ? { cancelRequested: true as const } : {}),
      ...(summary ? { result: summary } : {}),
      ...(job.error ? { error: job.error } : {}),
      ...(available ? { download: `/Jobs/${encodeURIComponent(job.id)}/download` } : {}),
    };
  };

  return {
    async list(context, page) {
      const binding: CursorBinding = { tenantId: context.tenantId, scope: 'Jobs' };
      const position = page.cursor === undefined || page.cursor === '' ? {} : deps.cursors.open(binding, page.cursor);
      const after = position.after && typeof position.after.sortValue === 'string' ? { created: position.after.sortValue, id: position.after.id } : undefined;
      const found = await mapStoreErrors('Jobs', () => deps.jobs.list(context.tenantId, { limit: page.count, ...(after ? { after } : {}) }));
      const nextCursor = found.next && page.count > 0 ? deps.cursors.seal(binding, { after: { sortValue: found.next.created, id: found.next.id } }) : undefined;
      return { Resources: await Promise.all(found.jobs.map(view)), ...(nextCursor ? { nextCursor } : {}) };
    },

    async get(context, id) {
      return view(await find(context, id));
    },

    async cancelOrDelete(context, id) {
      const job = await find(context, id);
      if (job.status === JobStatus.queued || job.status === JobStatus.running) {
        const cancelled = await mapStoreErrors(`Job ${id}`, () => deps.jobs.cancel(context.tenantId, id, clock().toISOString()));
        if (!cancelled) throw scimErrors.notFound(`Job ${id} not found`);
        return { cancelled: true, job: await view(cancelled) };
      }
      for (const part of fileOf(job)?.parts ?? []) await mapStoreErrors(`Job ${id}`, () => deps.blobs.delete(context.tenantId, part));
      return { cancelled: false, job: await view(job) };
    },

    async download(context, id, hasScope) {
      const job = await find(context, id);
      const file = fileOf(job);
      if (file && !hasScope(file.scope)) throw scimErrors.forbidden(`Downloading the file of a ${job.type} job needs a token with ${file.scope}`);
      const available = await availableFile(job);
      if (!file || !available) {
        throw scimErrors.notFound(
          job.status === JobStatus.succeeded || !file
            ? `Job ${id} has no file to download: it makes none, it expired, or it was deleted`
            : `Job ${id} has no file to download yet: it is ${job.status}`,
        );
      }
      const now = clock().toISOString();
      async function* content(): AsyncGenerator<Uint8Array> {
        for (const part of available!.parts) {
          const blob = await deps.blobs.read(job.tenantId, part, now);
          if (!blob) throw new Error(`A part of the file of job ${id} disappeared while it was sent`);
          yield* blob.content;
        }
      }
      return { fileName: available.fileName, contentType: available.contentType, content: content() };
    },
  };
}
