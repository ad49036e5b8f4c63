// What group membership needs from the rest of the server: the schema registry (to resolve `members` and `groups`),
// the resource reader (members must exist in the same tenant) and the membership port.
import type { RequestContext } from '../../auth/request-context';
import { resolveAttributePath, resolveSubAttribute } from '../../scim/paths/attribute-path';
import type { ResolvedPath } from '../../scim/paths/resolved-path';
import type { ResourceTypeDefinition } from '../../scim/schema/attribute';
import type { SchemaRegistry } from '../../scim/schema/registry';
import type { MembershipStore } from '../../store/membership-store';
import type { ResourceReader } from '../../store/resource-store';

/** How many members a group representation carries at most, unless configured otherwise (README "Groups"). */
export const DEFAULT_MAX_MEMBERS_RETURNED = 10_000;

export interface MembershipDeps {
  readonly registry: SchemaRegistry;
  /** Members are read in batches (getMany), never one by one. */
  readonly resources: Pick<ResourceReader, 'getMany'>;
  readonly memberships: MembershipStore;
  /** Members returned with a group, ordered by member id; larger groups are returned capped (README "Groups"). */
  readonly maxMembersReturned?: number;
  /** The tenant's `tolerance.unknownMembers`: whether members that name no resource are refused (default) or left out. */
  readonly unknownMembers?: (context: RequestContext) => Promise<'reject' | 'ignore'>;
  /** Where a left-out member is reported (a warning log line). */
  readonly warn?: (details: Record<string, unknown>, message: string) => void;
}

/** The resource types and attribute paths membership works with, resolved once from the registry. */
export interface MembershipSchema {
  readonly userType: ResourceTypeDefinition;
  readonly groupType: ResourceTypeDefinition;
  /** Group `members` and its sub-attributes. */
  readonly members: ResolvedPath;
  readonly memberValue: ResolvedPath;
  readonly memberType: ResolvedPath;
  /** User `groups`. */
  readonly groups: ResolvedPath;
}

export function resolveMembershipSchema(registry: SchemaRegistry): MembershipSchema {
  const userType = registry.resourceType('User');
  const groupType = registry.resourceType('Group');
  if (!userType || !groupType) throw new Error('Group membership needs the User and Group resource types in the registry');
  const members = resolveAttributePath(registry, groupType, 'members');
  const memberValue = members && resolveSubAttribute(members, 'value');
  const memberType = members && resolveSubAttribute(members, 'type');
  const groups = resolveAttributePath(registry, userType, 'groups');
  if (!members || !memberValue || !memberType || !groups) throw new Error('Group membership needs Group.members (with value) and User.groups in the schemas');
  return { userType, groupType, members, memberValue, memberType, groups };
}
