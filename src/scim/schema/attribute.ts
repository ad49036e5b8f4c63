// Attribute characteristics and schema representations, exactly as RFC 7643 §2.2 and §7 define them.

export const AttributeType = {
  string: 'string',
  boolean: 'boolean',
  decimal: 'decimal',
  integer: 'integer',
  dateTime: 'dateTime',
  reference: 'reference',
  binary: 'binary',
  complex: 'complex',
} as const;
export type AttributeType = (typeof AttributeType)[keyof typeof AttributeType];

export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description?: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
  /**
   * How the server stores and indexes the value, from the `x-unversioned` / `x-indexed` characteristics of this server's
   * own schemas (never served: /Schemas shows RFC 7643 §7 characteristics only). Absent: in the resource document,
   * without an index of its own.
   */
  readonly storage?: AttributeStorage;
}

/**
 * Server-side storage characteristics of an attribute of this server's own schemas (README "Extensions"):
 *   - `unversioned`: a readOnly top-level attribute whose value the server keeps in the resource's unversioned state
 *     (ResourceWriter.updateInternal): changing it moves neither meta.version nor meta.lastModified (sign-in
 *     counters, the last sign-in). Reads show it like any other attribute; filters and sorts find it in the database.
 *   - `indexed`: filters compare it through an index on both stores (`eq`, and ranges on dateTime values).
 */
export interface AttributeStorage {
  readonly unversioned: boolean;
  readonly indexed: boolean;
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly attributes: readonly AttributeDefinition[];
}

export interface SchemaExtensionReference {
  readonly schema: string;
  readonly required: boolean;
}

/** RFC 7643 §6: a resource type binds an endpoint to a core schema and its extensions. */
export interface ResourceTypeDefinition {
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly description?: string;
  readonly schema: string;
  readonly schemaExtensions: readonly SchemaExtensionReference[];
}

/** A resource's SCIM attributes as JSON: core attributes by name, extension attributes under their schema URN. */
export type ScimAttributes = Record<string, unknown>;
