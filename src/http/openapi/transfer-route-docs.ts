// The export and import routes in the OpenAPI document (README "Export and import"), spread into routeDocs.
import { Scope } from '../../auth/scopes';
import { audited, type ResponseDoc, type RouteDoc } from './route-doc';

const ERROR = { schema: 'Error' } as const;
const COMMON: Record<string, ResponseDoc> = {
  '401': { description: 'Missing, invalid, revoked or expired bearer token', ...ERROR },
  '429': { description: 'Past a rate limit of the token or its tenant (Retry-After says when to try again)', ...ERROR },
  '503': { description: 'The store is not reachable', ...ERROR },
};
const common = { mount: 'scim', tag: 'Export and import', auth: 'bearer' } as const;

export const TRANSFER_ROUTES: RouteDoc[] = [
  {
    ...common,
    method: 'post',
    path: '/Users/.export',
    scope: Scope.export,
    audit: audited('USER', 'EXPORT'),
    summary: 'One page of export records: users with groups, roles, lifecycle and sealed password hashes',
    description: 'The encryptionSecret goes in the body only (a secret in the query string is refused with 400). Send nextCursor back for the next page; every page of one export seals with the same key.',
    requestBody: 'ExportRequest',
    responses: {
      '200': { description: 'A page of records, and nextCursor when more follow', schema: 'ExportPage' },
      '400': { description: 'No or short encryptionSecret, a secret in the URL, a bad count, or a cursor not issued for an export (invalidCursor)', ...ERROR },
      '403': { description: 'The token lacks scim:export', ...ERROR },
      ...COMMON,
    },
  },
  {
    ...common,
    method: 'post',
    path: '/Users/.import',
    scope: Scope.write,
    // One USER_IMPORT per record besides, with its index (as Bulk operations are recorded).
    audit: audited('USER', 'IMPORT'),
    summary: 'Import up to transfer.importMaxRecords (50) export records, each whole or not at all',
    description: 'Imported users get new ids and keep originalId. Answers 200 with one result per record: created, updated, skipped, or failed with a SCIM error (409 uniqueness for a duplicate, 400 for a wrong secret or an altered record, a role the tenant lacks…).',
    query: [{ name: 'onConflict', description: 'skip or update: what a record whose userName is taken gets instead of a 409 uniqueness result' }],
    headers: [{ name: 'Idempotency-Key', description: 'Makes a retry of this request get the first answer back' }],
    requestBody: 'ImportRequest',
    responses: {
      '200': { description: 'One result per record, in order', schema: 'ImportResults' },
      '400': { description: 'No or short encryptionSecret, a secret in the URL, no records array, or a bad onConflict', ...ERROR },
      '403': { description: 'The token lacks scim:write', ...ERROR },
      '413': { description: 'More records than transfer.importMaxRecords', ...ERROR },
      ...COMMON,
    },
  },
  {
    ...common,
    method: 'post',
    path: '/Users/.export/all',
    scope: Scope.export,
    audit: audited('USER', 'EXPORT_ALL'),
    summary: 'Export every user into a gzip NDJSON file, as a job',
    description: 'Answers 202 with the job and Location: /Jobs/{id}; GET /Jobs/{id}/download serves the file once the job succeeded. The file is deleted after `expires` days (1 to 30, default 7); a failed or cancelled export leaves none.',
    headers: [{ name: 'Idempotency-Key', description: 'Makes a retry of this request get the first answer back' }],
    requestBody: 'ExportAllRequest',
    responses: {
      '202': { description: 'The queued job (Location header)', schema: 'Job' },
      '400': { description: 'No or short encryptionSecret, a secret in the URL, or expires out of 1..30', ...ERROR },
      '403': { description: 'The token lacks scim:export', ...ERROR },
      ...COMMON,
    },
  },
  {
    ...common,
    method: 'post',
    path: '/Users/.import/all',
    scope: Scope.write,
    audit: audited('USER', 'IMPORT_ALL'),
    summary: 'Import an export file, as a job with progress and a per-record report',
    description:
      'multipart/form-data with fields `file` and `encryptionSecret`, or the file as the body (application/gzip, application/octet-stream, application/x-ndjson) with the secret in X-Encryption-Secret. The file is streamed into storage (at most SCIM_IMPORT_MAX_FILE bytes), then a job imports it; answers 202 with the job and Location: /Jobs/{id}.',
    query: [{ name: 'onConflict', description: 'skip or update: what a record whose userName is taken gets instead of a 409 uniqueness result' }],
    headers: [{ name: 'X-Encryption-Secret', description: 'The encryptionSecret, with a raw body' }],
    responses: {
      '202': { description: 'The queued job (Location header)', schema: 'Job' },
      '400': { description: 'No or short secret, a secret in the URL, no file, or a file that is not an export of this server', ...ERROR },
      '403': { description: 'The token lacks scim:write', ...ERROR },
      '413': { description: 'The file is larger than SCIM_IMPORT_MAX_FILE', ...ERROR },
      '415': { description: 'Neither multipart/form-data nor a file content type', ...ERROR },
      ...COMMON,
    },
  },
];

const jobs = { mount: 'scim', tag: 'Jobs', auth: 'bearer' } as const;
const NO_JOB = { description: 'No such job in this tenant', ...ERROR };

/** GET /Jobs and the routes of one job (README "Jobs"). */
export const JOB_ROUTES: RouteDoc[] = [
  {
    ...jobs,
    method: 'get',
    path: '/Jobs',
    scope: Scope.read,
    audit: audited('JOB', 'RETRIEVE_LIST'),
    summary: "The tenant's background jobs (exports, imports, role holder moves…), newest first, paged by RFC 9865 cursor",
    query: [
      { name: 'cursor', description: 'RFC 9865 cursor: absent or empty for the first page, then nextCursor' },
      { name: 'count', description: 'Page size (at most SCIM_MAX_RESULTS)', type: 'integer' },
    ],
    responses: { '200': { description: 'A page of jobs', schema: 'JobList' }, '400': { description: 'A cursor not issued for this list (invalidCursor)', ...ERROR }, ...COMMON },
  },
  {
    ...jobs,
    method: 'get',
    path: '/Jobs/:id',
    scope: Scope.read,
    audit: audited('JOB', 'RETRIEVE', 'Job'),
    summary: 'A job: type, status, progress, times, expiry of its file, error, and where to download the file',
    responses: { '200': { description: 'The job', schema: 'Job' }, '404': NO_JOB, ...COMMON },
  },
  {
    ...jobs,
    method: 'get',
    path: '/Jobs/:id/download',
    scope: Scope.read,
    audit: audited('JOB_FILE', 'RETRIEVE', 'Job'),
    summary: "The job's file, streamed: an export (scim:export) or an import's report of failed records (scim:read)",
    responses: {
      '200': { description: 'gzip-compressed NDJSON (Content-Disposition: attachment)' },
      '403': { description: 'The token lacks the scope the file needs', ...ERROR },
      '404': { description: 'No such job, or it has no file (not yet, expired, or deleted)', ...ERROR },
      ...COMMON,
    },
  },
  {
    ...jobs,
    method: 'delete',
    path: '/Jobs/:id',
    scope: Scope.write,
    audit: audited('JOB', 'DELETE', 'Job'),
    summary: 'Cancel a queued or running job (200 with the job), or delete the file of a finished one (204)',
    responses: { '200': { description: 'Cancelled (a running job stops at its next checkpoint)', schema: 'Job' }, '204': { description: "The job's file is deleted" }, '404': NO_JOB, ...COMMON },
  },
];

/** The request and answer bodies of the export and import routes, for components.schemas. */
export function transferSchemas(): Record<string, Record<string, unknown>> {
  const secret = { type: 'string', minLength: 16, maxLength: 1024, writeOnly: true, description: 'Protects the password hashes; the import needs the same one' };
  const base64 = { type: 'string', contentEncoding: 'base64' };
  return {
    SealedPasswordHash: {
      type: 'object',
      required: ['alg', 'kdf', 'iv', 'ciphertext', 'tag'],
      properties: {
        alg: { const: 'A256GCM' },
        kdf: {
          type: 'object',
          required: ['name', 'N', 'r', 'p', 'salt'],
          properties: { name: { const: 'scrypt' }, N: { type: 'integer' }, r: { type: 'integer' }, p: { type: 'integer' }, salt: base64 },
        },
        iv: base64,
        ciphertext: base64,
        tag: base64,
      },
    },
    ExportRecord: {
      type: 'object',
      required: ['user', 'originalId', 'lifecycle'],
      properties: {
        user: { type: 'object', description: 'The SCIM User, with groups and roles' },
        originalId: { type: 'string' },
        passwordHash: { $ref: '#/components/schemas/SealedPasswordHash' },
        lifecycle: {
          type: 'object',
          required: ['state'],
          properties: {
            state: { type: 'string' },
            stateChangedAt: { type: 'string', format: 'date-time' },
            stateReason: { type: 'string' },
            lockedUntil: { type: 'string', format: 'date-time' },
            passwordExpired: { type: 'boolean' },
            mustChangePassword: { type: 'boolean' },
          },
        },
      },
    },
    ExportRequest: {
      type: 'object',
      required: ['encryptionSecret'],
      properties: { encryptionSecret: secret, cursor: { type: 'string' }, count: { type: 'integer', minimum: 1 } },
    },
    ExportPage: {
      type: 'object',
      required: ['records'],
      properties: { records: { type: 'array', items: { $ref: '#/components/schemas/ExportRecord' } }, nextCursor: { type: 'string' } },
    },
    ImportRequest: {
      type: 'object',
      required: ['encryptionSecret', 'records'],
      properties: { encryptionSecret: secret, records: { type: 'array', items: { $ref: '#/components/schemas/ExportRecord' } } },
    },
    ExportAllRequest: {
      type: 'object',
      required: ['encryptionSecret'],
      properties: { encryptionSecret: secret, expires: { type: 'integer', minimum: 1, maximum: 30, description: 'Days the file is kept (default 7)' } },
    },
    Job: {
      type: 'object',
      required: ['id', 'type', 'status', 'progress', 'created'],
      properties: {
        id: { type: 'string' },
        type: { type: 'string', examples: ['users.export', 'users.import', 'roles.move-holders'] },
        status: { enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
        progress: { type: 'object', required: ['processed'], properties: { processed: { type: 'integer' }, total: { type: 'integer' } } },
        created: { type: 'string', format: 'date-time' },
        started: { type: 'string', format: 'date-time' },
        finished: { type: 'string', format: 'date-time' },
        expires: { type: 'string', format: 'date-time' },
        cancelRequested: { const: true },
        result: { type: 'object' },
        error: { type: 'object', required: ['message'], properties: { message: { type: 'string' }, code: { type: 'string' } } },
        download: { type: 'string', description: 'Path of the file under the SCIM base' },
      },
    },
    JobList: {
      type: 'object',
      required: ['Resources'],
      properties: { Resources: { type: 'array', items: { $ref: '#/components/schemas/Job' } }, nextCursor: { type: 'string' } },
    },
    ImportResults: {
      type: 'object',
      required: ['results'],
      properties: {
        results: {
          type: 'array',
          items: {
            type: 'object',
            required: ['index', 'status'],
            properties: {
              index: { type: 'integer' },
              status: { enum: ['created', 'updated', 'skipped', 'failed'] },
              id: { type: 'string' },
              originalId: { type: 'string' },
              error: { $ref: '#/components/schemas/Error' },
            },
          },
        },
      },
    },
  };
}
