// The bodies and parameters of the export and import routes (README "Export and import"), read once and checked
// before any work: a problem is a ScimError naming the field.
import { scimErrors } from '../../scim/errors';

/** The shortest and longest encryptionSecret: a short one would make a leaked file easy to open by guessing. */
export const SECRET_LENGTH = { min: 16, max: 1024 } as const;

/** What a duplicate gets on import: a 409 uniqueness result (the default), left alone, or replaced by the record. */
export const OnConflict = { fail: 'fail', skip: 'skip', update: 'update' } as const;
export type OnConflict = (typeof OnConflict)[keyof typeof OnConflict];

export interface ExportPageRequest {
  readonly secret: string;
  readonly cursor: string;
  readonly count: number;
}

export interface ImportRequest {
  readonly secret: string;
  readonly records: readonly unknown[];
}

export function readSecret(value: unknown, where = "'encryptionSecret'"): string {
  if (typeof value !== 'string' || value.length < SECRET_LENGTH.min || value.length > SECRET_LENGTH.max) {
    throw scimErrors.invalidValue(
      `${where} is required: a string of ${SECRET_LENGTH.min} to ${SECRET_LENGTH.max} characters that protects the password hashes (keep it: the import needs the same one)`,
    );
  }
  return value;
}

/**
 * The secret belongs in the body: a query string is written to proxies' and servers' access logs (RFC 7644 §7.5.2).
 * Refused whatever its spelling, before anything else is read.
 */
export function refuseSecretInQuery(query: Readonly<Record<string, unknown>>): void {
  const named = Object.keys(query).find((name) => /secret/i.test(name));
  if (named !== undefined) {
    throw scimErrors.invalidValue(`The query parameter '${named}' looks like a secret; send encryptionSecret in the JSON body, never in the URL (URLs end up in access logs)`);
  }
}

export function readExportPageRequest(body: unknown, limits: { readonly maxResults: number; readonly defaultCount: number }): ExportPageRequest {
  const fields = objectBody(body, '{"encryptionSecret", "cursor"?, "count"?}');
  const cursor = fields.cursor ?? '';
  if (typeof cursor !== 'string') throw scimErrors.invalidValue("'cursor' must be the nextCursor of the previous page (a string); leave it out for the first page");
  const count = fields.count ?? limits.defaultCount;
  if (!Number.isInteger(count) || (count as number) < 1) throw scimErrors.invalidValue(`'count' must be a whole number from 1 to ${limits.maxResults}`);
  return { secret: readSecret(fields.encryptionSecret), cursor, count: Math.min(count as number, limits.maxResults) };
}

/** Days an export file is kept: 1 to 30, 7 unless asked (IBM App ID's Cloud Directory export/all keeps the same). */
export const EXPORT_DAYS = { min: 1, max: 30, default: 7 } as const;

export interface ExportAllRequest {
  readonly secret: string;
  readonly expiresDays: number;
}

export function readExportAllRequest(body: unknown): ExportAllRequest {
  const fields = objectBody(body, '{"encryptionSecret", "expires"?}');
  const expires = fields.expires ?? EXPORT_DAYS.default;
  if (!Number.isInteger(expires) || (expires as number) < EXPORT_DAYS.min || (expires as number) > EXPORT_DAYS.max) {
    throw scimErrors.invalidValue(`'expires' is the number of days the file is kept: a whole number from ${EXPORT_DAYS.min} to ${EXPORT_DAYS.max} (default ${EXPORT_DAYS.default})`);
  }
  return { secret: readSecret(fields.encryptionSecret), expiresDays: expires as number };
}

export function readImportRequest(body: unknown, maxRecords: number): ImportRequest {
  const fields = objectBody(body, '{"encryptionSecret", "records": [...]}');
  const records = fields.records;
  if (!Array.isArray(records)) throw scimErrors.invalidSyntax("'records' must be an array of export records");
  if (records.length > maxRecords) {
    throw scimErrors.payloadTooLarge(
      `The request holds ${records.length} records; this tenant imports at most ${maxRecords} per request (setting transfer.importMaxRecords). Send smaller requests, or upload the whole file to POST /Users/.import/all.`,
    );
  }
  return { secret: readSecret(fields.encryptionSecret), records };
}

export function readOnConflict(value: unknown): OnConflict {
  if (value === undefined || value === '') return OnConflict.fail;
  const text = typeof value === 'string' ? value.toLowerCase() : undefined;
  if (text === OnConflict.skip || text === OnConflict.update || text === OnConflict.fail) return text;
  throw scimErrors.invalidValue(`Parameter 'onConflict' must be skip or update (or left out: a duplicate fails its record with 409 uniqueness)`);
}

function objectBody(body: unknown, shape: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw scimErrors.invalidSyntax(`The body must be a JSON object ${shape}`);
  return body as Record<string, unknown>;
}
