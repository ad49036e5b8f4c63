// Turns member references into members: each must be a User or Group of the SAME tenant (RFC 7643 §4.2; a member
// of another tenant is as unknown as one that does not exist), its type is the type it really has, and its display
// is its name at the time it is added. Every reference is checked before anything is written. A reference to no
// resource is refused, unless the tenant set `tolerance.unknownMembers=ignore` (README "Tolerances"): then it is left
// out and a warning names it, so that a client that adds a member before creating it is not refused outright.
import type { RequestContext } from '../../auth/request-context';
import { scimErrors } from '../../scim/errors';
import { isBeingDeleted, MemberType, type Member } from '../../store/membership-store';
import type { StoredResource } from '../../store/resource-store';
import type { MemberReference } from './member-input';
import type { MembershipDeps } from './membership-deps';

const TYPES: readonly MemberType[] = [MemberType.user, MemberType.group];
/** At most this many unknown ids are named in one error detail. */
const NAMED_IN_DETAIL = 10;

export async function resolveMembers(deps: MembershipDeps, context: RequestContext, references: readonly MemberReference[], where: string): Promise<Member[]> {
  const { tenantId } = context;
  const wanted = references.map((reference) => wantedType(reference, where));
  const found = await findMembers(deps, tenantId, references, wanted);
  const members: Member[] = [];
  const unknown: string[] = [];
  references.forEach((reference, index) => {
    const type = wanted[index];
    const candidates = found.get(reference.value) ?? [];
    // The type the client named, when the id has it; else whatever the id is.
    const resource = candidates.find((candidate) => candidate.resourceType === type) ?? candidates[0];
    if (!resource) {
      unknown.push(reference.value);
      return;
    }
    if (type !== undefined && resource.resourceType !== type) {
      throw scimErrors.invalidValue(`${where}: member '${reference.value}' is a ${resource.resourceType}, not a ${type}`);
    }
    members.push(toMember(resource));
  });
  if (unknown.length > 0 && (await deps.unknownMembers?.(context)) === 'ignore') {
    deps.warn?.(
      { tenantId, requestId: context.requestId, ignoredMembers: unknown },
      `${where}: left out ${unknown.length} member(s) that name no User or Group of the tenant (tolerance.unknownMembers=ignore)`,
    );
    return members;
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

/**
 * The Users and Groups among the referenced ids, by id, read in batches (getMany): Users first, then Groups for the
 * ids that are no User or were named as Groups. A member costs a share of a batch read, never a read of its own.
 */
async function findMembers(
  deps: MembershipDeps,
  tenantId: string,
  references: readonly MemberReference[],
  wanted: readonly (MemberType | undefined)[],
): Promise<Map<string, StoredResource[]>> {
  const found = new Map<string, StoredResource[]>();
  const remember = (resources: readonly StoredResource[]) => {
    for (const resource of resources) {
      // A resource whose delete is recorded is gone, even while its delete is being finished.
      if (isBeingDeleted(resource)) continue;
      found.set(resource.id, [...(found.get(resource.id) ?? []), resource]);
    }
  };
  const ids = [...new Set(references.map((reference) => reference.value))];
  if (ids.length === 0) return found;
  remember(await deps.resources.getMany(tenantId, MemberType.user, ids));
  const namedGroups = new Set(references.filter((_reference, index) => wanted[index] === MemberType.group).map((reference) => reference.value));
  const groupIds = ids.filter((id) => !found.has(id) || namedGroups.has(id));
  if (groupIds.length > 0) remember(await deps.resources.getMany(tenantId, MemberType.group, groupIds));
  return found;
}

function wantedType(reference: MemberReference, where: string): MemberType | undefined {
  if (reference.type === undefined) return undefined;
  const type = TYPES.find((candidate) => candidate.toLowerCase() === reference.type?.trim().toLowerCase());
  if (!type) throw scimErrors.invalidValue(`${where}: member '${reference.value}' has type '${reference.type}'; the type of a member is "User" or "Group"`);
  return type;
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
