// The job behind POST /Users/.import/all (README "Export and import"): the uploaded export file, already kept as a blob,
// imported with the same importer as POST /Users/.import (each record whole or not at all).
//
//   1. First run: the whole file is read once without writing anything, to check it (gzip integrity: a truncated or
//      altered file fails here, before any user is written) and count its records (the progress total).
//   2. Records are imported several at a time (SCIM_IMPORT_CONCURRENCY) and accounted for in file order
//      (in-order-pool.ts); every BATCH records the job checkpoints the line it reached (a line whose records before it
//      are all done), the counts, and the report of that batch's failed records (a gzip NDJSON blob of ImportResult
//      lines, downloadable from the job). Told to stop at a checkpoint, it finishes the records in flight and saves
//      them too. A resumed run skips to the line after the checkpoint; after a crash or a takeover, the records that
//      were in flight beyond it are imported again, find their users there and are reported as 409 uniqueness (or
//      skipped / updated with onConflict), never written twice.
// The upload is deleted when the job ends, however it ends. The job holds the key derived from the caller's secret for
// the file's salt (never the secret itself).
import { systemContext } from '../../auth/request-context';
import { JobFailure, JobInterrupted, type JobType } from '../../jobs/job-type';
import type { BlobStore } from '../../store/blob-store';
import { asJson, endsTheJob } from './export-job';
import { EXPORT_CONTENT_TYPE, fileLines, gzipLines, parseHeader, type FileLine } from './export-file';
import { IMPORT_CONCURRENCY, runInOrder } from './in-order-pool';
import { createRecordImporter, ImportStatus, type ImportResult, type RecordImporterDeps } from './record-importer';
import { openerWithKey, type SealedKdf } from './sealed-hash';
import { readOnConflict } from './transfer-requests';
import { scimErrors } from '../../scim/errors';

export const IMPORT_JOB = 'users.import';

/** Records between checkpoints. */
export const IMPORT_BATCH = 200;

export interface ImportJobInput {
  /** The blob holding the uploaded file. */
  readonly upload: string;
  /** The AES key derived from the secret with the file header's KDF, base64. */
  readonly key: string;
  readonly kdf: SealedKdf;
  readonly onConflict: string;
  /** When the report expires (ISO 8601). */
  readonly expires: string;
}

export interface ImportCounts {
  readonly created: number;
  readonly updated: number;
  readonly skipped: number;
  readonly failed: number;
}

export interface ImportCheckpoint {
  /** The last line of the file imported (the header is line 0). */
  readonly line: number;
  readonly total: number;
  readonly counts: ImportCounts;
  /** Report parts written so far. */
  readonly reports: readonly string[];
}

export interface ImportJobDeps {
  readonly importer: Omit<RecordImporterDeps, 'warn'>;
  readonly blobs: Pick<BlobStore, 'read' | 'write' | 'delete'>;
  readonly batch?: number;
  /** Records in flight at once (SCIM_IMPORT_CONCURRENCY). */
  readonly concurrency?: number;
}

export function importJob(deps: ImportJobDeps): JobType {
  const batchSize = deps.batch ?? IMPORT_BATCH;
  const concurrency = deps.concurrency ?? IMPORT_CONCURRENCY;
  return {
    type: IMPORT_JOB,
    leaseMs: 60_000,
    async run({ job, checkpoint, clock, logger, signal }) {
      const input = parseInput(job.input);
      const tenantId = job.tenantId;
      const open = async () => {
        const blob = await deps.blobs.read(tenantId, input.upload, clock().toISOString());
        if (!blob) throw new JobFailure('The uploaded file is gone (it expired, or the job was deleted); upload it again', 'upload_missing');
        return blob.content;
      };
      let state: ImportCheckpoint | undefined = job.checkpoint as ImportCheckpoint | undefined;
      try {
        state ??= { line: 0, total: await checkFile(await open()), counts: { created: 0, updated: 0, skipped: 0, failed: 0 }, reports: [] };
        await checkpoint({ checkpoint: asJson(state), progress: { processed: state.line, total: state.total } });

        const importer = createRecordImporter(
          { ...deps.importer, warn: (details, message) => logger.warn({ ...details, jobId: job.id }, message) },
          { context: systemContext(tenantId, job.id), onConflict: readOnConflict(input.onConflict), opener: openerWithKey(Buffer.from(input.key, 'base64'), input.kdf) },
        );
        let failures: ImportResult[] = [];
        let counts = { ...state.counts };
        let line = state.line;
        const save = async () => {
          let reports = state!.reports;
          if (failures.length > 0) {
            const id = `${job.id}-report-${reports.length}`;
            await deps.blobs.delete(tenantId, id);
            const report = failures;
            await deps.blobs.write(
              { id, tenantId, contentType: EXPORT_CONTENT_TYPE, created: clock().toISOString(), expires: input.expires },
              gzipLines((async function* () {
                for (const result of report) yield `${JSON.stringify(result)}\n`;
              })()),
            );
            reports = [...reports, id];
          }
          failures = [];
          state = { line, total: state!.total, counts, reports };
          await checkpoint({ checkpoint: asJson(state), progress: { processed: line, total: state.total } });
        };
        // A checkpoint that says stop (cancelled, shutting down, the lease lost) has saved what was settled; the records
        // in flight then end and are settled, no record starts, and one more checkpoint saves them: a job resumed from
        // it repeats none of them.
        let interrupted: JobInterrupted | undefined;
        const saveUnlessInterrupted = async () => {
          try {
            await save();
          } catch (error) {
            if (!(error instanceof JobInterrupted)) throw error;
            interrupted = error;
          }
        };
        await runInOrder(linesAfter(fileLines(await open()), state.line), {
          concurrency,
          work: (fileLine) =>
            fileLine.kind === 'tooLong'
              ? Promise.resolve({ index: fileLine.number - 1, status: ImportStatus.failed, error: scimErrors.payloadTooLarge(`Line ${fileLine.number} is longer than a record may be`).toBody() })
              : importLine(importer, fileLine.text, fileLine.number - 1),
          // In file order: `line` (what a checkpoint records) is a record whose predecessors are all done.
          settle: async (result, fileLine) => {
            line = fileLine.number;
            counts = { ...counts, [result.status]: counts[result.status] + 1 };
            if (result.status === ImportStatus.failed) failures.push(result);
            if (line - state!.line >= batchSize && !interrupted) await saveUnlessInterrupted();
          },
          stopped: () => interrupted !== undefined || signal.aborted,
        });
        if (line !== state.line || failures.length > 0) await save();
        if (interrupted) throw interrupted;
      } catch (error) {
        if (endsTheJob(error)) await deps.blobs.delete(tenantId, input.upload).catch(() => undefined);
        throw error;
      }
      await deps.blobs.delete(tenantId, input.upload);
      return { ...state.counts, reports: [...state.reports], expires: input.expires };
    },
  };
}

/** The lines of the file after `line` (the last one a checkpoint recorded), without the header. */
async function* linesAfter(lines: AsyncIterable<FileLine>, line: number): AsyncGenerator<FileLine> {
  for await (const fileLine of lines) if (fileLine.number > line) yield fileLine;
}

async function importLine(importer: ReturnType<typeof createRecordImporter>, text: string, index: number): Promise<ImportResult> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { index, status: ImportStatus.failed, error: scimErrors.invalidSyntax(`Line ${index + 1} of the file is not JSON`).toBody() };
  }
  return importer.importRecord(value, index);
}

/** Reads the whole file once: its header, and every line up to a complete end (gzip's length and CRC checked). */
async function checkFile(content: AsyncIterable<Uint8Array>): Promise<number> {
  let lines = 0;
  try {
    for await (const line of fileLines(content)) {
      if (line.number === 0 && (line.kind !== 'line' || !parseHeader(line.text))) throw new JobFailure('The file does not start with the header line of an export of this server', 'invalid_file');
      lines = line.number + 1;
    }
  } catch (error) {
    if (error instanceof JobFailure) throw error;
    throw new JobFailure(`The file cannot be read to its end (${(error as Error).message}): it is truncated or was altered; nothing was imported`, 'invalid_file');
  }
  if (lines === 0) throw new JobFailure('The file is empty', 'invalid_file');
  return lines - 1;
}

function parseInput(input: unknown): ImportJobInput {
  const value = (input ?? {}) as Partial<ImportJobInput>;
  if (typeof value.upload !== 'string' || typeof value.key !== 'string' || typeof value.kdf !== 'object' || typeof value.expires !== 'string') {
    throw new JobFailure('The import job has no upload, key, KDF or expiry in its input', 'invalid_input');
  }
  return value as ImportJobInput;
}
