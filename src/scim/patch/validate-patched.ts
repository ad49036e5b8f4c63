// Validation of a patched resource: exactly the PUT rules (RFC 7643 §2.2 types, required, immutable, the canonical
// form), run once on the result. When the result is invalid, the operation to blame is found by re-applying prefixes
// of the operations (by request index): the operation whose prefix first shows the same error names it, so that the
// client reads which operation failed (RFC 7644 §3.5.2: the error names the failing operation). A few operations are
// tried one prefix at a time; a long request is bisected, so that a failing PATCH of thousands of operations costs a
// dozen re-applications rather than thousands (each prefix costs the whole request again).
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
  // Applying a prefix cannot throw: the whole request applied, and operations apply one after the other. Applying the
  // operations with an index in (after, upTo] to the state after `after` gives the state after `upTo`.
  const advance = (start: ScimAttributes, after: number, upTo: number) => {
    const attributes = applyPatch(registry, type, start, operations.filter((operation) => operation.index > after && operation.index <= upTo)).attributes;
    try {
      validator.validatePatchResult(attributes, before);
      return { attributes, failsAlike: false };
    } catch (error) {
      if (!isScimError(error)) throw error;
      return { attributes, failsAlike: error.detail === failure.detail };
    }
  };
  if (indices.length <= LINEAR_BLAME_LIMIT) {
    let state = before;
    let after = -1;
    for (const index of indices) {
      const next = advance(state, after, index);
      if (next.failsAlike) return index;
      state = next.attributes;
      after = index;
    }
    return undefined;
  }
  // The whole request fails alike (that is why we are here): bisect for an operation after which the prefix fails
  // alike and before which it does not (the first such one whenever the error, once it appears, stays). Each probe
  // starts from the state after the last prefix that did not fail alike, so that all probes together apply about as
  // many operations as the request holds.
  let passing = -1;
  let passingState = before;
  let failing = indices.length - 1;
  while (failing - passing > 1) {
    const middle = Math.floor((passing + failing) / 2);
    const probe = advance(passingState, passing === -1 ? -1 : indices[passing], indices[middle]);
    if (probe.failsAlike) failing = middle;
    else {
      passing = middle;
      passingState = probe.attributes;
    }
  }
  return indices[failing];
}

/** Up to this many operations, every prefix is tried in order: the exact first culprit. */
const LINEAR_BLAME_LIMIT = 16;
