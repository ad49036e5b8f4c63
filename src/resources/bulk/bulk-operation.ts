// The operations of a BulkRequest (RFC 7644 §3.7) as understood before anything runs, and their results.
import type { ScimError, ScimErrorBody } from '../../scim/errors';
import type { ResourceTypeDefinition } from '../../scim/schema/attribute';

export const BulkMethod = { post: 'POST', put: 'PUT', patch: 'PATCH', delete: 'DELETE' } as const;
export type BulkMethod = (typeof BulkMethod)[keyof typeof BulkMethod];

/** RFC 7644 §3.7.2: a reference to the resource a POST of the same request creates. */
export const BULK_ID_PREFIX = 'bulkId:';

interface OperationEcho {
  /** Position in the request's `Operations` (0-based). */
  readonly index: number;
  /** The method as the response repeats it (upper case), when the client sent a string. */
  readonly methodText?: string;
  readonly bulkId?: string;
}

/** An operation that can run: its path resolved to a resource type and, except for POST, a target. */
export interface ValidBulkOperation extends OperationEcho {
  readonly method: BulkMethod;
  readonly type: ResourceTypeDefinition;
  /** The resource id of PUT, PATCH and DELETE, possibly a `bulkId:` reference; absent for POST. */
  readonly target?: string;
  /** RFC 7644 §3.7: `version` is the operation's If-Match. */
  readonly ifMatch?: string;
  readonly data?: Readonly<Record<string, unknown>>;
  /** bulkIds this operation refers to (in its target or data), each once, in order of appearance. */
  readonly references: readonly string[];
}

/** An operation refused before anything ran (its shape is wrong); answered with `error` in its turn. */
export interface InvalidBulkOperation extends OperationEcho {
  readonly method?: BulkMethod;
  readonly error: ScimError;
}

export type BulkOperation = ValidBulkOperation | InvalidBulkOperation;

export function isInvalid(operation: BulkOperation): operation is InvalidBulkOperation {
  return 'error' in operation;
}

/** One entry of the BulkResponse `Operations` (RFC 7644 §3.7.3); `status` is the HTTP status as a string. */
export interface BulkOperationResult {
  readonly method?: string;
  readonly bulkId?: string;
  readonly version?: string;
  readonly location?: string;
  readonly status: string;
  readonly response?: ScimErrorBody;
}

export interface BulkResponseBody {
  readonly schemas: readonly string[];
  readonly Operations: readonly BulkOperationResult[];
}
