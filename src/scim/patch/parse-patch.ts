// PatchOp message (RFC 7644 §3.5.2) -> PatchOperation[], every path resolved against the resource type's schemas.
//
// Rules decided here (README "PATCH"):
//   - `schemas` must list urn:ietf:params:scim:api:messages:2.0:PatchOp; `Operations` must be a non-empty array.
//     Member names (`Operations`, `op`, `path`, `value`) and the `op` values are matched case-insensitively, because
//     Entra ID sends "Add" / "Replace" / "Remove". Extra members (Entra's `"name"`, a message-level `"id"`) are ignored.
//   - An operation without a path (add / replace) carries an object whose keys are themselves paths: `active`,
//     `name.givenName`, `urn:…:enterprise:2.0:User:department`, `emails[type eq "work"].value`, or an extension URN
//     whose value is an object of that extension's attributes. Each key becomes its own operation with the original
//     `index`, so that applying them one by one is what RFC 7644 §3.5.2.1/§3.5.2.3 describe for the whole object,
//     and a resource-type behaviour can pick out operations on `members`. `schemas` keys and readOnly attributes
//     (Okta sends the resource's `id`) inside the value are ignored, as in POST and PUT.
//   - A path naming a whole extension schema (`urn:…:enterprise:2.0:User`) is expanded the same way.
//   - `remove` without a path is 400 noTarget (RFC 7644 §3.5.2.2); `add` without a value is 400 invalidValue.
//   - A path that does not resolve is 400 invalidPath; a value filter inside it that does not parse or names no
//     sub-attribute is 400 invalidFilter, as RFC 7644 §3.12 lists invalidFilter for "PATCH (Path Filter)".
//   - A path or path-less key under a schema URN the resource type does not have is 400 invalidPath naming it and the
//     type's schemas (README "Unknown schema URNs"); under the tenant tolerance `unknownSchemas: ignore`, one under a
//     URN the server does not know at all is skipped instead, as POST and PUT drop such an extension.
import { scimErrors, isScimError } from '../errors';
import { parseFilter } from '../filter/parse-filter';
import { resolveAttributePath, resolveForeignSchema, resolveSchemaUrn } from '../paths/attribute-path';
import { findKeyIgnoringCase, getIgnoringCase } from '../paths/case-insensitive-key';
import type { ResolvedPath } from '../paths/resolved-path';
import type { ResourceTypeDefinition } from '../schema/attribute';
import { UnknownSchemaPolicy } from '../schema/declared-schemas';
import type { SchemaRegistry } from '../schema/registry';
import { URN } from '../urns';
import type { PatchOpKind, PatchOperation, PatchPath } from './patch-operation';

const OP_KINDS: readonly PatchOpKind[] = ['add', 'remove', 'replace'];

export interface PatchOptions {
  /** Paths under a schema URN the server does not know: refused (default) or skipped (README "Tolerances"). */
  readonly unknownSchemas?: UnknownSchemaPolicy;
}

export function parsePatchRequest(registry: SchemaRegistry, type: ResourceTypeDefinition, body: unknown, options: PatchOptions = {}): PatchOperation[] {
  if (!isObject(body)) throw scimErrors.invalidSyntax('The PATCH body must be a JSON object (a PatchOp message, RFC 7644 §3.5.2)');
  const schemas = getIgnoringCase(body, 'schemas');
  const declared = Array.isArray(schemas) ? schemas : [];
  if (!declared.some((urn) => typeof urn === 'string' && urn.toLowerCase() === URN.message.patchOp.toLowerCase())) {
    throw scimErrors.invalidSyntax(`A PATCH body must have "schemas": ["${URN.message.patchOp}"]`);
  }
  const operations = getIgnoringCase(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw scimErrors.invalidSyntax('A PATCH body must have "Operations": an array of one or more operations (RFC 7644 §3.5.2)');
  }
  const context: ParseContext = { registry, type, unknownSchemas: options.unknownSchemas ?? UnknownSchemaPolicy.reject };
  return operations.flatMap((raw, index) => parseOperation(context, raw, index));
}

interface ParseContext {
  readonly registry: SchemaRegistry;
  readonly type: ResourceTypeDefinition;
  readonly unknownSchemas: UnknownSchemaPolicy;
}

/**
 * False when `text` is not under a foreign schema URN; true when it is under one the tenant tolerates not knowing
 * (the caller skips it); otherwise throws 400 invalidPath naming the URN and the resource type's own schemas.
 */
function skipsForeignSchema(context: ParseContext, text: string, index: number): boolean {
  const foreign = resolveForeignSchema(context.registry, context.type, text.split('[', 1)[0]);
  if (!foreign) return false;
  if (!foreign.known && context.unknownSchemas === UnknownSchemaPolicy.ignore) return true;
  const what = foreign.known ? `"${foreign.known.id}", a schema of another resource type` : 'a schema URN this server does not know';
  throw scimErrors.invalidPath(
    `Operation ${index}: '${text}' is under ${what}; the schemas of ${context.type.name} are ${foreign.own.map((urn) => `"${urn}"`).join(', ')}`,
  );
}

function parseOperation(context: ParseContext, raw: unknown, index: number): PatchOperation[] {
  if (!isObject(raw)) throw scimErrors.invalidSyntax(`Operation ${index}: each element of "Operations" must be a JSON object`);
  const opText = getIgnoringCase(raw, 'op');
  const op = typeof opText === 'string' ? OP_KINDS.find((kind) => kind === opText.trim().toLowerCase()) : undefined;
  if (!op) {
    throw scimErrors.invalidSyntax(`Operation ${index}: "op" must be "add", "remove" or "replace" (got ${JSON.stringify(opText ?? null)})`);
  }
  const pathText = getIgnoringCase(raw, 'path');
  if (pathText !== undefined && pathText !== null && typeof pathText !== 'string') {
    throw scimErrors.invalidPath(`Operation ${index}: "path" must be a string`);
  }
  const hasValue = findKeyIgnoringCase(raw, 'value') !== undefined;
  const value = getIgnoringCase(raw, 'value');
  const path = typeof pathText === 'string' && pathText.trim() !== '' ? pathText.trim() : undefined;

  if (path === undefined) {
    // RFC 7644 §3.5.2.2: remove needs a target.
    if (op === 'remove') throw scimErrors.noTarget(`Operation ${index}: "remove" needs a "path" naming what to remove`);
    if (!isObject(value)) {
      throw scimErrors.invalidValue(`Operation ${index}: an "${op}" without "path" needs a "value" object of attributes to ${op}`);
    }
    return expandValueObject(context, op, index, value);
  }
  if (op === 'add' && (!hasValue || value === null || value === undefined)) {
    throw scimErrors.invalidValue(`Operation ${index}: "add" to '${path}' needs a "value"`);
  }
  if (op === 'replace' && !hasValue) throw scimErrors.invalidValue(`Operation ${index}: "replace" of '${path}' needs a "value"`);

  if (skipsForeignSchema(context, path, index)) return [];
  const schema = resolveSchemaUrn(context.registry, context.type, path);
  if (schema) {
    if (!schema.inExtension) throw scimErrors.invalidPath(`Operation ${index}: '${path}' names the core schema; name an attribute instead`);
    if (op === 'remove') {
      return schema.schema.attributes.map((attribute) => pathOperation(context, op, index, `${schema.schema.id}:${attribute.name}`, undefined, false));
    }
    if (value === null) {
      return schema.schema.attributes.map((attribute) => pathOperation(context, op, index, `${schema.schema.id}:${attribute.name}`, null, true));
    }
    if (!isObject(value)) throw scimErrors.invalidValue(`Operation ${index}: the value for extension '${schema.schema.id}' must be an object`);
    return expandExtension(context, op, index, schema.schema.id, value);
  }
  return [pathOperation(context, op, index, path, value, hasValue)];
}

function expandValueObject(context: ParseContext, op: PatchOpKind, index: number, value: Record<string, unknown>): PatchOperation[] {
  const result: PatchOperation[] = [];
  for (const [key, inner] of Object.entries(value)) {
    if (key.toLowerCase() === 'schemas') continue;
    if (skipsForeignSchema(context, key, index)) continue;
    const schema = resolveSchemaUrn(context.registry, context.type, key);
    if (schema) {
      if (!schema.inExtension) {
        // Some clients nest core attributes under the core URN.
        if (!isObject(inner)) throw scimErrors.invalidValue(`Operation ${index}: the value for '${key}' must be an object`);
        result.push(...expandValueObject(context, op, index, inner));
        continue;
      }
      if (inner === null) continue;
      if (!isObject(inner)) throw scimErrors.invalidValue(`Operation ${index}: the value for extension '${schema.schema.id}' must be an object`);
      result.push(...expandExtension(context, op, index, schema.schema.id, inner));
      continue;
    }
    const operation = pathOperation(context, op, index, key, inner, true);
    // As in POST and PUT (RFC 7644 §3.3, §3.5.1), readOnly values in a value object are ignored: Okta sends the
    // group's own `id` beside `displayName`. A readOnly attribute named by `path` is still 400 mutability.
    if (!isReadOnly(operation.path)) result.push(operation);
  }
  return result;
}

function isReadOnly(path: PatchPath | undefined): boolean {
  return path?.attribute.attribute.mutability === 'readOnly' || path?.subAttribute?.mutability === 'readOnly';
}

function expandExtension(context: ParseContext, op: PatchOpKind, index: number, urn: string, value: Record<string, unknown>): PatchOperation[] {
  return Object.entries(value)
    .filter(([key]) => key.toLowerCase() !== 'schemas')
    .map(([key, inner]) => pathOperation(context, op, index, `${urn}:${key}`, inner, true))
    .filter((operation) => !isReadOnly(operation.path));
}

function pathOperation(context: ParseContext, op: PatchOpKind, index: number, text: string, value: unknown, hasValue: boolean): PatchOperation {
  const path = parsePatchPath(context, text, index);
  return hasValue && value !== undefined ? { index, op, path, value } : { index, op, path };
}

/** `attrPath` or `valuePath [subAttr]` (RFC 7644 §3.5.2 ABNF), attribute names resolved via scim/paths. */
export function parsePatchPath(context: ParseContext, text: string, index: number): PatchPath {
  const open = text.indexOf('[');
  if (open < 0) {
    const resolved = resolveAttributePath(context.registry, context.type, text);
    if (!resolved) throw unknownPath(text, index);
    return { text, attribute: topLevel(resolved), ...(resolved.subAttribute ? { subAttribute: resolved.subAttribute } : {}) };
  }
  const close = closingBracket(text, open);
  if (close < 0) throw scimErrors.invalidPath(`Operation ${index}: '${text}' has a '[' without its closing ']'`);
  const attributeText = text.slice(0, open).trim();
  const rest = text.slice(close + 1).trim();
  const resolved = resolveAttributePath(context.registry, context.type, attributeText);
  if (!resolved) throw unknownPath(attributeText, index);
  if (resolved.subAttribute || resolved.attribute.type !== 'complex' || !resolved.attribute.multiValued) {
    throw scimErrors.invalidPath(`Operation ${index}: '${attributeText}' is not a multi-valued complex attribute, so it cannot take a value filter '[...]'`);
  }
  let filter;
  try {
    filter = parseFilter(`${attributeText}[${text.slice(open + 1, close)}]`, { registry: context.registry, resourceType: context.type });
  } catch (error) {
    if (isScimError(error)) throw scimErrors.invalidFilter(`Operation ${index}: the value filter in '${text}' is invalid: ${error.detail}`, error);
    throw error;
  }
  if (filter.kind !== 'valuePath') throw scimErrors.invalidPath(`Operation ${index}: '${text}' is not a valid value filter path`);

  let subAttribute;
  if (rest !== '') {
    const subName = rest.startsWith('.') ? rest.slice(1) : undefined;
    const sub = subName ? resolveAttributePath(context.registry, context.type, `${attributeText}.${subName}`) : undefined;
    if (!sub?.subAttribute) {
      throw scimErrors.invalidPath(`Operation ${index}: '${rest}' after the value filter in '${text}' must be '.' and a sub-attribute of '${resolved.attribute.name}'`);
    }
    subAttribute = sub.subAttribute;
  }
  return { text, attribute: topLevel(resolved), valueFilter: filter.filter, ...(subAttribute ? { subAttribute } : {}) };
}

function topLevel(path: ResolvedPath): ResolvedPath {
  return { schemaUrn: path.schemaUrn, inExtension: path.inExtension, attribute: path.attribute };
}

function unknownPath(text: string, index: number) {
  return scimErrors.invalidPath(`Operation ${index}: '${text}' is not an attribute of this resource type`);
}

/** Index of the `]` closing the `[` at `open`, skipping quoted strings (a `]` inside "..." is data). */
function closingBracket(text: string, open: number): number {
  let inString = false;
  for (let i = open + 1; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === ']') return i;
  }
  return -1;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
