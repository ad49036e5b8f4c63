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
