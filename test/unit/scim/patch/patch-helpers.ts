// Shared set-up for the PATCH unit tests: the built-in registry, and a message builder.
import { applyPatch } from '../../../../src/scim/patch/apply-patch';
import { parsePatchRequest } from '../../../../src/scim/patch/parse-patch';
import type { ScimAttributes } from '../../../../src/scim/schema/attribute';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';

export const registry = loadBuiltinRegistry();
export const userType = registry.resourceType('User')!;
export const groupType = registry.resourceType('Group')!;
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export function message(...operations: unknown[]): Record<string, unknown> {
  return { schemas: [PATCH_OP], Operations: operations };
}

/** Parses and applies operations to a User's attributes. */
export function patchUser(start: ScimAttributes, ...operations: unknown[]): { attributes: ScimAttributes; changed: boolean } {
  return applyPatch(registry, userType, start, parsePatchRequest(registry, userType, message(...operations)));
}

/** The ScimError a patch throws (fails the test when none is thrown). */
export function patchError(start: ScimAttributes, ...operations: unknown[]): { status: number; scimType?: string; detail: string } {
  try {
    patchUser(start, ...operations);
  } catch (error) {
    const { status, scimType, detail } = error as { status: number; scimType?: string; detail: string };
    return { status, scimType, detail };
  }
  throw new Error('expected the PATCH to fail');
}
