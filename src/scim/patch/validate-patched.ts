// Validation of a patched resource: exactly the PUT rules (RFC 7643 §2.2 types, required, immutable, the canonical
// form), run once on the result. When the result is invalid, the operation to blame is found by re-applying the
// operations one request index at a time: the first prefix that shows the same error names it, so that the client
// reads which operation failed (RFC 7644 §3.5.2: the error names the failing operation).
import { isScimError, ScimError } from '../errors';
import type { ResourceTypeDefinition, ScimAttributes } from '../schema/attribute';
import type { SchemaRegistry } from '../schema/registry';
import type { ResourceValidator, ValidatedResource } from '../schema/validate-resource';
import { applyPatch } from './apply-patch';
import type { PatchOperation } from './patch-operation';

export function validatePatched(
  validator: ResourceValidator,
  registry: SchemaRegistry,
  type: ResourceTypeDefinition,
  before: ScimAttributes,
  after: ScimAttributes,
  operations: readonly PatchOperation[],
): ValidatedResource {
  try {
    return withUnassignedWriteOnly(validator.validatePatchResult(after, before), operations);
  } catch (error) {
    if (!isScimError(error)) throw error;
    const culprit = blame(validator, registry, type, before, operations, error);
    if (culprit === undefined) throw error;
    throw new ScimError(error.status, `Operation ${culprit}: ${error.detail}`, { scimType: error.scimType, cause: error });
  }
}

/**
 * A writeOnly attribute (password) is never part of the stored attributes, so a PATCH that removes it or sets it to
 * null leaves no trace in the result: operations that name it, with no value for it in the result, unassigned it
 * (RFC 7644 §3.5.2.2), and the service must hear so (writeOnly `null`), not "nothing said".
 */
function withUnassignedWriteOnly(validated: ValidatedResource, operations: readonly PatchOperation[]): ValidatedResource {
  const unassigned = operations.flatMap((operation) => {
    const attribute = operation.path?.attribute.attribute;
    return attribute?.mutability === 'writeOnly' && !(attribute.name in validated.writeOnly) ? [attribute.name] : [];
  });
  if (unassigned.length === 0) return validated;
  return { ...validated, writeOnly: { ...validated.writeOnly, ...Object.fromEntries(unassigned.map((name) => [name, null])) } };
}

function blame(
  validator: ResourceValidator,
  registry: SchemaRegistry,
  type: ResourceTypeDefinition,
  before: ScimAttributes,
  operations: readonly PatchOperation[],
  failure: ScimError,
): number | undefined {
  const indices = [...new Set(operations.map((operation) => operation.index))].sort((a, b) => a - b);
  for (const index of indices) {
    const prefix = operations.filter((operation) => operation.index <= index);
    try {
      validator.validatePatchResult(applyPatch(registry, type, before, prefix).attributes, before);
    } catch (error) {
      if (isScimError(error) && error.detail === failure.detail) return index;
    }
  }
  return undefined;
}
