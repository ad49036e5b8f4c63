// The parsed form of a PatchOp message (RFC 7644 §3.5.2): each operation with its op, its schema-resolved
// path and its value, in request order. Produced by parsePatchRequest, consumed by applyPatch and by
// resource-type behaviours that keep some attributes outside the resource document (Group.members).
import type { FilterAst } from '../filter/filter-ast';
import type { ResolvedPath } from '../paths/resolved-path';
import type { AttributeDefinition } from '../schema/attribute';

export type PatchOpKind = 'add' | 'remove' | 'replace';

/** A parsed, schema-resolved PATCH path (RFC 7644 §3.5.2 `PATH = attrPath / valuePath [subAttr]`). */
export interface PatchPath {
  /** The path as sent. */
  readonly text: string;
  /** The top-level attribute (its schemaUrn / attribute); never carries a sub-attribute. */
  readonly attribute: ResolvedPath;
  /** `emails[type eq "work"]`: selects values of a multi-valued attribute. */
  readonly valueFilter?: FilterAst;
  /** `.value` after a filter, or `givenName` of `name.givenName`. */
  readonly subAttribute?: AttributeDefinition;
}

export interface PatchOperation {
  /** Position of the operation in the request's `Operations` array (0-based), quoted in error details. */
  readonly index: number;
  readonly op: PatchOpKind;
  readonly path?: PatchPath;
  readonly value?: unknown;
}
