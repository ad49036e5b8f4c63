// Turns member references into members: each must be a User or Group of the SAME tenant (RFC 7643 §4.2; a member
// of another tenant is as unknown as one that does not exist), its type is the type it really has, and its display
// is its name at the time it is added. Every reference is checked before anything is written.
import { scimErrors } from '../../scim/errors';
import type { Member, MemberType } from '../../store/membership-store';
import type { StoredResource } from '../../store/resource-store';
import type { MemberReference } from './member-input';
import type { MembershipDeps } from './membership-deps';

const TYPES: readonly MemberType[] = ['User', 'Group'];
/** At most this many unknown ids are named in one error detail. */
const NAMED_IN_DETAIL = 10;

export async function resolveMembers(deps: MembershipDeps, tenantId: string, references: readonly MemberReference[], where: string): Promise<Member[]> {
  const members: Member[] = [];
  const unknown: string[] = [];
  for (const reference of references) {
    const wanted = wantedType(reference, where);
    const found = await findMember(deps, tenantId, reference.value, wanted);
    if (!found) {
      unknown.push(reference.value);
      continue;
    }
    if (wanted !== undefined && found.resourceType !== wanted) {
      throw scimErrors.invalidValue(`${where}: member '${reference.value}' is a ${found.resourceType}, not a ${wanted}`);
    }
    members.push(toMember(found));
  }
  if (unknown.length > 0) {
    const named = unknown.slice(0, NAMED_IN_DETAIL).map((id) => `'${id}'`).join(', ');
    const more = unknown.length > NAMED_IN_DETAIL ? ` and ${unknown.length - NAMED_IN_DETAIL} more` : '';
    throw scimErrors.invalidValue(
      `${where}: no User or Group with id ${named}${more} exists in this tenant; members must be created before they are added to a group`,
    );
  }
  return members;
}

function wantedType(reference: MemberReference, where: string): MemberType | undefined {
  if (reference.type === undefined) return undefined;
  const type = TYPES.find((candidate) => candidate.toLowerCase() === reference.type?.trim().toLowerCase());
  if (!type) throw scimErrors.invalidValue(`${where}: member '${reference.value}' has type '${reference.type}'; the type of a member is "User" or "Group"`);
  return type;
}

async function findMember(deps: MembershipDeps, tenantId: string, id: string, wanted: MemberType | undefined): Promise<StoredResource | null> {
  // The named type first: one read for clients that say what they add.
  const order = wanted === 'Group' ? (['Group', 'User'] as const) : (['User', 'Group'] as const);
  for (const type of order) {
    const found = await deps.resources.get(tenantId, type, id);
    if (found) return found;
  }
  return null;
}

function toMember(resource: StoredResource): Member {
  const type: MemberType = resource.resourceType === 'Group' ? 'Group' : 'User';
  const display = displayOf(resource);
  return display === undefined ? { value: resource.id, type } : { value: resource.id, type, display };
}

/** A user shows as its displayName, else its userName; a group as its displayName. */
function displayOf(resource: StoredResource): string | undefined {
  const { displayName, userName } = resource.attributes;
  if (typeof displayName === 'string' && displayName !== '') return displayName;
  return typeof userName === 'string' && userName !== '' ? userName : undefined;
}
