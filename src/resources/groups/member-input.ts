// Member values as clients send them (RFC 7643 §4.2: `value`, optional `type`, `display`, `$ref`), read into member
// references. Keys are resolved through scim/paths, so `Value` and `value` are the same sub-attribute (RFC 7643
// §2.1). `display` and `$ref` are server-assigned on the way out and ignored on the way in.
import { scimErrors } from '../../scim/errors';
import { resolveSubAttribute } from '../../scim/paths/attribute-path';
import type { MembershipSchema } from './membership-deps';

export interface MemberReference {
  readonly value: string;
  /** The type the client named, if any (`User` or `Group`, any case). */
  readonly type?: string;
}

/**
 * Reads `members` (an array of member objects, or one object) into references, the first of each value only.
 * `where` prefixes error details (e.g. `Operation 2`).
 */
export function readMemberReferences(schema: MembershipSchema, input: unknown, where: string): MemberReference[] {
  if (input === undefined || input === null) return [];
  const list = Array.isArray(input) ? input : [input];
  const seen = new Map<string, MemberReference>();
  list.forEach((item, position) => {
    const reference = readOne(schema, item, `${where}: members[${position}]`);
    if (!seen.has(reference.value)) seen.set(reference.value, reference);
  });
  return [...seen.values()];
}

function readOne(schema: MembershipSchema, item: unknown, where: string): MemberReference {
  // The complex-value tolerance of the rest of the server: a bare string is the member's id (`{"value": id}`).
  if (typeof item === 'string') return readOne(schema, { value: item }, where);
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw scimErrors.invalidValue(`${where} must be an object with the member's id in "value" (RFC 7643 §4.2)`);
  }
  let value: unknown;
  let type: unknown;
  for (const [key, sub] of Object.entries(item)) {
    const definition = resolveSubAttribute(schema.members, key)?.subAttribute;
    if (definition === undefined) continue;
    if (definition === schema.memberValue.subAttribute) value = sub;
    else if (definition === schema.memberType.subAttribute) type = sub;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw scimErrors.invalidValue(`${where} has no "value": each member needs the id of a User or Group (RFC 7643 §4.2)`);
  }
  if (type !== undefined && type !== null && typeof type !== 'string') {
    throw scimErrors.invalidValue(`${where}: "type" must be "User" or "Group"`);
  }
  return typeof type === 'string' ? { value, type } : { value };
}
