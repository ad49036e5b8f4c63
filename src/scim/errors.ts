// The one protocol error (RFC 7644 §3.12). Thrown anywhere in the core and services; serialised only by the
// HTTP error middleware, so that the thrown value and the wire body stay separate.
import { URN } from './urns';

/** scimType keywords of RFC 7644 §3.12 Table 9, plus the cursor errors of RFC 9865 §2.5. */
export const ScimType = {
  invalidFilter: 'invalidFilter',
  tooMany: 'tooMany',
  uniqueness: 'uniqueness',
  mutability: 'mutability',
  invalidSyntax: 'invalidSyntax',
  invalidPath: 'invalidPath',
  noTarget: 'noTarget',
  invalidValue: 'invalidValue',
  invalidVers: 'invalidVers',
  sensitive: 'sensitive',
  invalidCursor: 'invalidCursor',
  expiredCursor: 'expiredCursor',
} as const;
export type ScimType = (typeof ScimType)[keyof typeof ScimType];

export interface ScimErrorBody {
  schemas: [typeof URN.message.error];
  status: string;
  scimType?: ScimType;
  detail: string;
  /** Fields a vendor extension adds beside RFC 7644 §3.12's (ScimError.fields), e.g. `reason`, `lockedUntil`. */
  [field: string]: unknown;
}

export class ScimError extends Error {
  readonly status: number;
  readonly scimType?: ScimType;
  readonly detail: string;
  /** Extra response headers (e.g. Retry-After, WWW-Authenticate). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Fields of the error body beside RFC 7644 §3.12's, for a vendor extension's errors (README "Extensions"): plain
   * top-level strings that a client can branch on, such as the `reason` of a refused sign-in. They never replace
   * `schemas`, `status`, `scimType` or `detail`.
   */
  readonly fields?: Readonly<Record<string, string>>;

  constructor(
    status: number,
    detail: string,
    options: { scimType?: ScimType; cause?: unknown; headers?: Record<string, string>; fields?: Record<string, string> } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScimError';
    this.status = status;
    this.detail = detail;
    this.scimType = options.scimType;
    this.headers = options.headers;
    this.fields = options.fields;
  }

  toBody(): ScimErrorBody {
    const body: ScimErrorBody = { ...this.fields, schemas: [URN.message.error], status: String(this.status), detail: this.detail };
    if (this.scimType) body.scimType = this.scimType;
    return body;
  }
}

export function isScimError(value: unknown): value is ScimError {
  return value instanceof ScimError;
}

// Factories named after the RFC 7644 §3.12 keywords and statuses, so call sites read like the RFC.
export const scimErrors = {
  invalidFilter: (detail: string, cause?: unknown) => new ScimError(400, detail, { scimType: ScimType.invalidFilter, cause }),
  tooMany: (detail: string) => new ScimError(400, detail, { scimType: ScimType.tooMany }),
  uniqueness: (detail: string, cause?: unknown) => new ScimError(409, detail, { scimType: ScimType.uniqueness, cause }),
  mutability: (detail: string) => new ScimError(400, detail, { scimType: ScimType.mutability }),
  invalidSyntax: (detail: string, cause?: unknown) => new ScimError(400, detail, { scimType: ScimType.invalidSyntax, cause }),
  invalidPath: (detail: string) => new ScimError(400, detail, { scimType: ScimType.invalidPath }),
  noTarget: (detail: string) => new ScimError(400, detail, { scimType: ScimType.noTarget }),
  invalidValue: (detail: string) => new ScimError(400, detail, { scimType: ScimType.invalidValue }),
  invalidVersion: (detail: string) => new ScimError(400, detail, { scimType: ScimType.invalidVers }),
  // RFC 7644 §7.5.2 (verified erratum 6893): a request that carries sensitive information in its URI is 403.
  sensitive: (detail: string) => new ScimError(403, detail, { scimType: ScimType.sensitive }),
  invalidCursor: (detail: string) => new ScimError(400, detail, { scimType: ScimType.invalidCursor }),
  expiredCursor: (detail: string) => new ScimError(400, detail, { scimType: ScimType.expiredCursor }),
  badRequest: (detail: string) => new ScimError(400, detail),
  unauthorized: (detail: string) => new ScimError(401, detail, { headers: { 'WWW-Authenticate': 'Bearer realm="scim"' } }),
  forbidden: (detail: string, fields?: Record<string, string>) => new ScimError(403, detail, { fields }),
  notFound: (detail: string) => new ScimError(404, detail),
  methodNotAllowed: (detail: string, allow: string[]) => new ScimError(405, detail, { headers: { Allow: allow.join(', ') } }),
  conflict: (detail: string, fields?: Record<string, string>) => new ScimError(409, detail, { fields }),
  requestTimeout: (detail: string) => new ScimError(408, detail),
  preconditionFailed: (detail: string) => new ScimError(412, detail),
  payloadTooLarge: (detail: string) => new ScimError(413, detail),
  unsupportedMediaType: (detail: string) => new ScimError(415, detail),
  /** RFC 4918 §11.3 423 Locked: outside SCIM's own statuses, for a locked account (README "Account lifecycle"). */
  /** RFC 9110 §15.5.11: the target existed and is no longer available (a used, cancelled or expired invitation link). */
  gone: (detail: string, fields?: Record<string, string>) => new ScimError(410, detail, { fields }),
  locked: (detail: string, fields?: Record<string, string>) => new ScimError(423, detail, { fields }),
  requestHeaderFieldsTooLarge: (detail: string) => new ScimError(431, detail),
  tooManyRequests: (detail: string, retryAfterSeconds: number) => new ScimError(429, detail, { headers: { 'Retry-After': String(retryAfterSeconds) } }),
  internal: (cause?: unknown) => new ScimError(500, 'Internal server error', { cause }),
  notImplemented: (detail: string) => new ScimError(501, detail),
  unavailable: (detail: string, cause?: unknown) => new ScimError(503, detail, { cause, headers: { 'Retry-After': '5' } }),
} as const;
