// The asynchronous export and import (README "Export and import"): POST /Users/.export/all and /Users/.import/all
// start jobs (export-job.ts, import-job.ts) and answer at once; GET /Jobs/{id} reports them and
// GET /Jobs/{id}/download serves their files (src/jobs/tenant-jobs.ts, through the JobFiles entries made here).
//
// The secret is used while the request lasts: the key is derived from it then (for an import, with the KDF the
// uploaded file's header names, checked first), and only the key goes into the job.
import { randomUUID } from 'node:crypto';
import { systemContext, type RequestContext } from '../../auth/request-context';
import { Scope } from '../../auth/scopes';
import type { JobQueue } from '../../jobs/job-queue';
import type { JobType } from '../../jobs/job-type';
import type { JobFiles } from '../../jobs/tenant-jobs';
import type { ResourceService } from '../../resources/resource-service';
import { mapStoreErrors } from '../../resources/store-errors';
import { scimErrors } from '../../scim/errors';
import { DEFAULT_SELECTION } from '../../scim/schema/attribute-selection';
import type { SchemaRegistry } from '../../scim/schema/registry';
import type { BlobStore } from '../../store/blob-store';
import type { JobRecord } from '../../store/job-store';
import type { JsonValue } from '../../store/json-value';
import { EXPORT_CONTENT_TYPE, firstLine, parseHeader, peekFirstLine } from './export-file';
import { EXPORT_JOB, exportJob } from './export-job';
import { createExportRecords } from './export-records';
import { IMPORT_JOB, importJob, type ImportCheckpoint } from './import-job';
import { deriveKeyFor, EXPORT_KDF, KDF_NAME, newExportSalt, SealError, type KdfParameters, type SealedKdf } from './sealed-hash';
import { EXPORT_DAYS, readExportAllRequest, readSecret, type OnConflict } from './transfer-requests';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TransferJobs {
  /** Starts an export of every user; answers the queued job. */
  exportAll(context: RequestContext, body: unknown): Promise<JobRecord>;
  /**
   * Keeps an uploaded file (streamed: never held whole); fails, keeping nothing, when `content` does. `secret`: the
   * encryptionSecret when it is known before the file (a raw body's header, a form field sent first): the key is then
   * derived from the file's header before the rest of the file is read.
   */
  storeUpload(context: RequestContext, content: AsyncIterable<Uint8Array>, secret?: unknown): Promise<StoredUpload>;
  /** Starts the import of a stored upload; the upload is deleted when it cannot start. */
  importAll(context: RequestContext, upload: StoredUpload, secret: unknown, onConflict: OnConflict): Promise<JobRecord>;
  /** What GET /Jobs shows of these jobs' files. */
  readonly files: readonly JobFiles[];
  /** For the worker host. */
  readonly jobTypes: readonly JobType[];
}

/** An upload kept for an import, and the key derived for it while it arrived (for the request's own secret only). */
export interface StoredUpload {
  /** The blob holding the file. */
  readonly id: string;
  readonly derived?: { readonly secret: string; readonly key: Buffer; readonly kdf: SealedKdf };
}

export interface TransferJobsDeps {
  readonly registry: SchemaRegistry;
  readonly resources: ResourceService;
  readonly blobs: BlobStore;
  readonly jobs: Pick<JobQueue, 'enqueue'>;
  readonly clock?: () => Date;
  readonly kdf?: KdfParameters;
  /** Users per part of an export file (tests lower it). */
  readonly partUsers?: number;
  /** Records an import job works on at once (SCIM_IMPORT_CONCURRENCY). */
  readonly importConcurrency?: number;
}

export function createTransferJobs(deps: TransferJobsDeps): TransferJobs {
  const clock = deps.clock ?? (() => new Date());
  const kdf = deps.kdf ?? EXPORT_KDF;
  const records = createExportRecords({ registry: deps.registry, resources: deps.resources });
  const daysFromNow = (days: number) => new Date(clock().getTime() + days * DAY_MS).toISOString();

  const countUsers = async (tenantId: string) =>
    (await deps.resources.list(systemContext(tenantId), records.userType, { startIndex: 1, count: 0, selection: DEFAULT_SELECTION })).totalResults;

  /** The header of a stored upload, read without reading the rest. */
  const headerOf = async (context: RequestContext, upload: string) => {
    const blob = await mapStoreErrors('Upload', () => deps.blobs.read(context.tenantId, upload, clock().toISOString()));
    if (!blob) throw scimErrors.notFound('The uploaded file is gone');
    const line = await firstLine(blob.content);
    return line === undefined ? undefined : parseHeader(line);
  };

  return {
    async exportAll(context, body) {
      const request = readExportAllRequest(body);
      const derived = await deriveKeyFor(request.secret, { name: KDF_NAME, ...kdf, salt: newExportSalt() }, kdf);
      const input = { key: derived.key.toString('base64'), kdf: { ...derived.kdf }, expires: daysFromNow(request.expiresDays) };
      const { job } = await mapStoreErrors('Export', () => deps.jobs.enqueue(context.tenantId, { type: EXPORT_JOB, input }));
      return job;
    },

    async storeUpload(context, content, secret) {
      const id = `upload-${randomUUID()}`;
      // The key first, when the secret came first: scrypt's 32 MiB are taken and given back before the upload has left
      // its buffers behind, instead of on top of them (README "Where the memory goes"). Any problem (no header, a bad
      // secret or KDF) is left for importAll to report, after the upload as before.
      let derived: StoredUpload['derived'];
      let file = content;
      if (typeof secret === 'string' && isSecret(secret)) {
        const peeked = await peekFirstLine(content);
        file = peeked.content;
        const header = peeked.line === undefined ? undefined : parseHeader(peeked.line);
        if (header) derived = await deriveKeyFor(secret, header.kdf).then(({ key, kdf: sealedKdf }) => ({ secret, key, kdf: sealedKdf }), () => undefined);
      }
      // Kept at most as long as an export file: the import job deletes it when it ends.
      await mapStoreErrors('Upload', () =>
        deps.blobs.write({ id, tenantId: context.tenantId, contentType: 'application/octet-stream', created: clock().toISOString(), expires: daysFromNow(EXPORT_DAYS.default) }, file),
      );
      return { id, ...(derived ? { derived } : {}) };
    },

    async importAll(context, upload, secretValue, onConflict) {
      try {
        const secret = readSecret(secretValue, "'encryptionSecret' (a form field, or the X-Encryption-Secret header with a raw body)");
        const header = await headerOf(context, upload.id);
        if (!header) throw scimErrors.invalidValue('The file is not an export of this server: its first line must be the export header (a gzip NDJSON file from GET /Jobs/{id}/download)');
        let derived;
        try {
          // The key derived while the file arrived, when it was for this secret and the header as stored.
          const early = upload.derived;
          derived = early && early.secret === secret && sameKdf(early.kdf, header.kdf) ? early : await deriveKeyFor(secret, header.kdf);
        } catch (error) {
          if (error instanceof SealError) throw scimErrors.invalidValue(`The file's header: ${error.message}`);
          throw error;
        }
        const input = { upload: upload.id, key: derived.key.toString('base64'), kdf: { ...derived.kdf }, onConflict, expires: daysFromNow(EXPORT_DAYS.default) };
        const { job } = await mapStoreErrors('Import', () => deps.jobs.enqueue(context.tenantId, { type: IMPORT_JOB, input }));
        return job;
      } catch (error) {
        await deps.blobs.delete(context.tenantId, upload.id).catch(() => undefined);
        throw error;
      }
    },

    files: [
      {
        type: EXPORT_JOB,
        fileOf(job) {
          const result = job.result as { parts?: string[]; expires?: string } | undefined;
          const expires = result?.expires ?? (job.input as { expires?: string } | null)?.expires;
          return { parts: job.status === 'succeeded' ? (result?.parts ?? []) : [], ...(expires ? { expires } : {}), fileName: `users-export-${job.id}.ndjson.gz`, contentType: EXPORT_CONTENT_TYPE, scope: Scope.export };
        },
        summaryOf(job) {
          const result = job.result as { records?: number } | undefined;
          return result?.records === undefined ? undefined : { records: result.records };
        },
      },
      {
        type: IMPORT_JOB,
        fileOf(job) {
          const state = (job.result ?? job.checkpoint) as { reports?: string[]; expires?: string } | undefined;
          const expires = state?.expires ?? (job.input as { expires?: string } | null)?.expires;
          return { parts: state?.reports ?? [], ...(expires ? { expires } : {}), fileName: `users-import-report-${job.id}.ndjson.gz`, contentType: EXPORT_CONTENT_TYPE, scope: Scope.read };
        },
        summaryOf(job) {
          const counts = (job.result ?? (job.checkpoint as ImportCheckpoint | undefined)?.counts) as Record<string, JsonValue> | undefined;
          if (!counts) return undefined;
          const { created, updated, skipped, failed } = counts;
          return { created, updated, skipped, failed };
        },
      },
    ],

    jobTypes: [
      exportJob({ records, blobs: deps.blobs, countUsers, partUsers: deps.partUsers }),
      importJob({ importer: { registry: deps.registry, resources: deps.resources }, blobs: deps.blobs, concurrency: deps.importConcurrency }),
    ],
  };
}

/** Whether a secret would pass readSecret (a short or malformed one is refused there, with its reason). */
function isSecret(secret: string): boolean {
  try {
    readSecret(secret, 'encryptionSecret');
    return true;
  } catch {
    return false;
  }
}

/** The same KDF as a file header names: a key derived for `derived` opens what was sealed under `header`. */
function sameKdf(derived: SealedKdf, header: unknown): boolean {
  const named = header as Partial<SealedKdf> | null;
  return named?.name === derived.name && named.N === derived.N && named.r === derived.r && named.p === derived.p && named.salt === derived.salt;
}
