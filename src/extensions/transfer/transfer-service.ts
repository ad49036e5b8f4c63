// Export and import of a tenant's users (README "Export and import"): the service behind POST /Users/.export and
// POST /Users/.import. Records are made by export-records.ts and written by record-importer.ts, which the export and
// import jobs share.
import type { RequestContext } from '../../auth/request-context';
import type { ResourceService } from '../../resources/resource-service';
import { scimErrors } from '../../scim/errors';
import type { CursorBinding, CursorCodec } from '../../scim/list/cursor-codec';
import type { SchemaRegistry } from '../../scim/schema/registry';
import type { SettingsReader } from '../../settings/settings-reader';
import { createExportRecords } from './export-records';
import { IMPORT_CONCURRENCY, runInOrder } from './in-order-pool';
import { createRecordImporter, type ImportResult } from './record-importer';
import { createOpener, createSealer, EXPORT_KDF, newExportSalt, type KdfParameters } from './sealed-hash';
import type { TransferRecord } from './transfer-record';
import { readExportPageRequest, readImportRequest, type OnConflict } from './transfer-requests';

/** Distinct exports (KDF salts) one import request may mix: each costs one key derivation. */
export const MAX_KEYS_PER_REQUEST = 4;

export interface ExportPage {
  readonly records: TransferRecord[];
  readonly nextCursor?: string;
}

/** The page sizes of POST /Users/.export: SCIM_MAX_RESULTS and SCIM_DEFAULT_PAGE_SIZE, as for lists. */
export interface PageLimits {
  readonly maxResults: number;
  readonly defaultCount: number;
}

export interface TransferService {
  /** One page of export records; the cursor carries the export's salt, so every page seals with one key. */
  exportPage(context: RequestContext, body: unknown, limits: PageLimits): Promise<ExportPage>;
  /** Up to the tenant's transfer.importMaxRecords records, each written whole or not at all; one result each. */
  importRecords(context: RequestContext, body: unknown, onConflict: OnConflict): Promise<{ results: ImportResult[] }>;
}

export interface TransferServiceDeps {
  readonly registry: SchemaRegistry;
  readonly resources: ResourceService;
  readonly settings: Pick<SettingsReader, 'forTenant'>;
  readonly cursors: CursorCodec;
  readonly warn: (details: Record<string, unknown>, message: string) => void;
  /** The export's KDF cost (tests lower it; the server uses EXPORT_KDF). */
  readonly kdf?: KdfParameters;
  /** Records of one request worked on at once (SCIM_IMPORT_CONCURRENCY). */
  readonly concurrency?: number;
}

export function createTransferService(deps: TransferServiceDeps): TransferService {
  const exportRecords = createExportRecords({ registry: deps.registry, resources: deps.resources });
  const kdf = deps.kdf ?? EXPORT_KDF;

  return {
    async exportPage(context, body, limits) {
      const request = readExportPageRequest(body, limits);
      const binding: CursorBinding = { tenantId: context.tenantId, scope: 'Users/.export' };
      // RFC 9865: an empty cursor asks for the first page, which starts a new export with a salt of its own.
      const position = request.cursor === '' ? { carry: newExportSalt() } : deps.cursors.open(binding, request.cursor);
      if (position.carry === undefined) throw scimErrors.invalidCursor('The cursor is not one of an export: send the nextCursor of the previous POST /Users/.export');
      const sealer = await createSealer(request.secret, position.carry, kdf);
      const page = await exportRecords.page(context, sealer, position.after, request.count);
      const nextCursor = page.next ? deps.cursors.seal(binding, { after: page.next, carry: position.carry }) : undefined;
      return { records: page.records, ...(nextCursor ? { nextCursor } : {}) };
    },

    async importRecords(context, body, onConflict) {
      const maxRecords = (await deps.settings.forTenant(context.tenantId))['transfer.importMaxRecords'];
      const request = readImportRequest(body, maxRecords);
      const importer = createRecordImporter(
        { registry: deps.registry, resources: deps.resources, warn: deps.warn },
        { context, onConflict, opener: createOpener(request.secret, { maxKeys: MAX_KEYS_PER_REQUEST }) },
      );
      // Several records at a time, the results in the records' order (src/extensions/transfer/in-order-pool.ts).
      const results: ImportResult[] = [];
      await runInOrder(request.records.entries(), {
        concurrency: deps.concurrency ?? IMPORT_CONCURRENCY,
        work: ([index, record]) => importer.importRecord(record, index),
        settle: (result) => {
          results.push(result);
        },
      });
      return { results };
    },
  };
}
