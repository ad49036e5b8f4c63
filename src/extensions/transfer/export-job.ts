// The job behind POST /Users/.export/all (README "Export and import"): every user of the tenant, page after page,
// into an export file kept as blobs. The file is written in parts of PART_USERS users, each a complete gzip member and a
// blob of its own; after each part the job checkpoints (the last user written and the parts so far), so that after a
// restart or a takeover it goes on from there, and the part in progress, never completed, leaves nothing. The download
// streams the parts in order, one gzip file (export-file.ts).
//
// The job holds the key derived from the caller's secret (never the secret itself) in its input: whoever can read
// the store could read the password hashes themselves anyway. A failed or cancelled export deletes its parts: no file
// is kept. Parts carry the export's expiry, so housekeeping removes them even if a run died and never cleaned up.
import { isStoreError, StoreErrorCode } from '../../store/store-error';
import type { BlobStore } from '../../store/blob-store';
import type { JsonValue } from '../../store/json-value';
import type { KeysetPosition } from '../../store/resource-store';
import { systemContext } from '../../auth/request-context';
import { JobFailure, JobInterrupted, InterruptReason, RetryLater, type JobType } from '../../jobs/job-type';
import { EXPORT_CONTENT_TYPE, EXPORT_FORMAT, EXPORT_FORMAT_VERSION, gzipLines, type ExportHeader } from './export-file';
import type { ExportRecords } from './export-records';
import { sealerWithKey, type SealedKdf } from './sealed-hash';

export const EXPORT_JOB = 'users.export';

/** Users per part of the file: one blob and one checkpoint each. */
export const PART_USERS = 5000;
/** Users read per page within a part. */
const PAGE_USERS = 500;

export interface ExportJobInput {
  /** The AES key derived from the secret, base64. */
  readonly key: string;
  readonly kdf: SealedKdf;
  /** When the file expires (ISO 8601). */
  readonly expires: string;
}

export interface ExportCheckpoint {
  readonly after?: KeysetPosition;
  readonly parts: readonly string[];
  readonly processed: number;
  readonly total: number;
}

export interface ExportResult {
  readonly parts: readonly string[];
  readonly records: number;
  readonly expires: string;
}

export interface ExportJobDeps {
  readonly records: ExportRecords;
  readonly blobs: Pick<BlobStore, 'write' | 'delete'>;
  readonly countUsers: (tenantId: string) => Promise<number>;
  /** Users per part (tests lower it to reach several parts). */
  readonly partUsers?: number;
}

export function exportJob(deps: ExportJobDeps): JobType {
  const partUsers = deps.partUsers ?? PART_USERS;
  return {
    type: EXPORT_JOB,
    leaseMs: 60_000,
    async run({ job, checkpoint, clock }) {
      const input = parseInput(job.input);
      const context = systemContext(job.tenantId, job.id);
      const sealer = sealerWithKey(Buffer.from(input.key, 'base64'), input.kdf);
      const resumed = job.checkpoint as ExportCheckpoint | undefined;
      let state: ExportCheckpoint = resumed ?? { parts: [], processed: 0, total: await deps.countUsers(job.tenantId) };
      const partId = (index: number) => `${job.id}-${index}`;
      try {
        for (;;) {
          const index = state.parts.length;
          const id = partId(index);
          // A part an earlier run wrote but did not checkpoint is written again.
          await deps.blobs.delete(job.tenantId, id);
          let after = state.after;
          let written = 0;
          let last = false;
          async function* lines(): AsyncGenerator<string> {
            if (index === 0) {
              const header: ExportHeader = { format: EXPORT_FORMAT, version: EXPORT_FORMAT_VERSION, kdf: input.kdf, created: job.created };
              yield `${JSON.stringify(header)}\n`;
            }
            while (written < partUsers) {
              const page = await deps.records.page(context, sealer, after, Math.min(PAGE_USERS, partUsers - written));
              for (const record of page.records) yield `${JSON.stringify(record)}\n`;
              written += page.records.length;
              if (!page.next) {
                last = true;
                return;
              }
              after = page.next;
            }
          }
          await deps.blobs.write({ id, tenantId: job.tenantId, contentType: EXPORT_CONTENT_TYPE, created: clock().toISOString(), expires: input.expires }, gzipLines(lines()));
          const processed = state.processed + written;
          state = { ...(after ? { after } : {}), parts: [...state.parts, id], processed, total: Math.max(state.total, processed) };
          await checkpoint({ checkpoint: asJson(state), progress: { processed, total: state.total } });
          if (last) break;
        }
      } catch (error) {
        if (endsTheJob(error)) await deleteParts(deps.blobs, job.tenantId, [...state.parts, partId(state.parts.length)]);
        throw error;
      }
      const result: ExportResult = { parts: state.parts, records: state.processed, expires: input.expires };
      return asJson(result);
    },
  };
}

/**
 * Whether the job ends with this error (failed or cancelled), so that its parts must go; a stop, a lost lease, a retry
 * later or an unavailable store leave them for the run that resumes.
 */
export function endsTheJob(error: unknown): boolean {
  if (error instanceof JobInterrupted) return error.reason === InterruptReason.cancelled;
  return !(error instanceof RetryLater) && !isStoreError(error, StoreErrorCode.unavailable);
}

/** A checkpoint or result of plain JSON values, as the job store keeps it. */
export function asJson(value: object): JsonValue {
  return value as unknown as JsonValue;
}

export async function deleteParts(blobs: Pick<BlobStore, 'delete'>, tenantId: string, parts: readonly string[]): Promise<void> {
  for (const part of parts) await blobs.delete(tenantId, part).catch(() => undefined);
}

function parseInput(input: unknown): ExportJobInput {
  const value = (input ?? {}) as Partial<ExportJobInput>;
  if (typeof value.key !== 'string' || typeof value.kdf !== 'object' || value.kdf === null || typeof value.expires !== 'string') {
    throw new JobFailure('The export job has no key, KDF or expiry in its input', 'invalid_input');
  }
  return value as ExportJobInput;
}
