// User `groups` (RFC 7643 §4.1.2): readOnly, computed from the membership relation on read, direct and indirect
// (through nested groups), and never stored with the user. PATCH on it is refused by the PATCH engine (readOnly:
// 400 mutability), PUT ignores it (readOnly values are ignored on input, RFC 7643 §2.2). A deleted user leaves
// every group when its delete is settled (store/membership-store.ts). A group that no longer exists is neither
// listed nor walked through, so a membership row that outlived its group never makes anyone an indirect member.
import type { RequestContext } from '../../auth/request-context';
import type { ScimAttributes } from '../../scim/schema/attribute';
import { isBeingDeleted, type GroupAbove, type MembershipStore } from '../../store/membership-store';
import type { StoredResource } from '../../store/resource-store';
import { resourceLocation } from '../represent';
import type { ComputeContext, ResourceTypeBehaviour } from '../resource-type-behaviour';
import { isAttributeNeeded } from './attribute-needed';
import { parentEdges, walkUp, type MembershipKind } from './group-ancestry';
import { resolveMembershipSchema, type MembershipDeps } from './membership-deps';

export type UserMembershipBehaviour = Required<Pick<ResourceTypeBehaviour, 'computedAttributes' | 'computedAttributesOfPage'>>;

export function createUserMembershipBehaviour(deps: MembershipDeps): UserMembershipBehaviour {
  const schema = resolveMembershipSchema(deps.registry);
  const groupsKey = schema.groups.attribute.name;

  /** `groups` of each user: a few store calls per page (one per nesting level, one per batch of groups), not per user. */
  const groupsOfEach = async (context: RequestContext, ids: readonly string[], compute: ComputeContext): Promise<Map<string, ScimAttributes>> => {
    const { tenantId } = context;
    const computed = new Map<string, ScimAttributes>();
    if (!isAttributeNeeded(compute.selection, schema.groups)) return computed;
    const parentsOf = await parentEdges(deps.memberships, tenantId, ids);
    const groupIds = [...new Set([...parentsOf.values()].flat())];
    // One batched read for the page's groups (getMany), never one read per group.
    const groupById = new Map((await deps.resources.getMany(tenantId, schema.groupType.name, groupIds)).map((group) => [group.id, group]));
    // A group that is gone (or being deleted) is no membership, and nobody is a member of its parents through it.
    const membershipsOf = walkUp(parentsOf, ids, (groupId) => isLive(groupById.get(groupId)));
    // A page's users mostly share their groups: each group's value (one per kind) is built once per call, not once per
    // member. Nothing writes to a value after this (the projection reads it, and may hand it on as it is), so members
    // can share them.
    const built: Record<MembershipKind, Map<string, ScimAttributes>> = { direct: new Map(), indirect: new Map() };
    const valueOf = (groupId: string, kind: MembershipKind, group: StoredResource): ScimAttributes => {
      let value = built[kind].get(groupId);
      if (value === undefined) {
        const display = group.attributes.displayName;
        value = groupValue(groupId, resourceLocation(compute.baseUrl, schema.groupType, groupId), typeof display === 'string' ? display : undefined, kind);
        built[kind].set(groupId, value);
      }
      return value;
    };
    for (const id of ids) {
      const found = membershipsOf.get(id);
      if (!found || found.size === 0) continue;
      const values: ScimAttributes[] = [];
      for (const [groupId, kind] of found.size === 1 ? found : [...found].sort(byGroupId)) {
        const group = groupById.get(groupId);
        if (group) values.push(valueOf(groupId, kind, group));
      }
      if (values.length > 0) computed.set(id, { [groupsKey]: values });
    }
    return computed;
  };

  /**
   * `groups` of one user (a read of one resource) from a store that answers groupsAbove: the edges above the user and
   * its groups' displayNames in one round trip, without reading the groups' documents; the same walk and the same
   * values as groupsOfEach.
   */
  const groupsOfOne = async (context: RequestContext, id: string, compute: ComputeContext, groupsAbove: GroupsAboveCall): Promise<ScimAttributes> => {
    if (!isAttributeNeeded(compute.selection, schema.groups)) return {};
    const above = await groupsAbove(context.tenantId, id, schema.groupType.name);
    const parentsOf = new Map<string, string[]>();
    for (const edge of above.edges) {
      const parents = parentsOf.get(edge.memberId);
      if (parents) parents.push(edge.groupId);
      else parentsOf.set(edge.memberId, [edge.groupId]);
    }
    // A group that is gone (absent) or being deleted is no membership, and nobody is a member of its parents through it.
    const live = new Map<string, GroupAbove>();
    for (const group of above.groups) if (!group.beingDeleted) live.set(group.id, group);
    const found = walkUp(parentsOf, [id], (groupId) => live.has(groupId)).get(id);
    if (!found || found.size === 0) return {};
    const values = [...found]
      .sort(byGroupId)
      .map(([groupId, kind]) => groupValue(groupId, resourceLocation(compute.baseUrl, schema.groupType, groupId), live.get(groupId)?.displayName, kind));
    return { [groupsKey]: values };
  };

  // Looked up once: a store either answers groupsAbove or not.
  const groupsAbove = deps.memberships.groupsAbove?.bind(deps.memberships);

  return {
    async computedAttributes(context, id, compute) {
      if (groupsAbove) return groupsOfOne(context, id, compute, groupsAbove);
      return (await groupsOfEach(context, [id], compute)).get(id) ?? {};
    },
    computedAttributesOfPage: groupsOfEach,
  };
}

type GroupsAboveCall = NonNullable<MembershipStore['groupsAbove']>;

/** A user's groups in the order of their ids (code unit order, as both paths list them). */
function byGroupId([a]: readonly [string, MembershipKind], [b]: readonly [string, MembershipKind]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One value of User `groups` (RFC 7643 §4.1.2): display only when the group's displayName is a string. */
function groupValue(groupId: string, location: string, display: string | undefined, kind: MembershipKind): ScimAttributes {
  return { value: groupId, $ref: location, ...(display !== undefined ? { display } : {}), type: kind };
}

/** A stored group that is not being deleted. */
function isLive(group: StoredResource | undefined): group is StoredResource {
  return group !== undefined && !isBeingDeleted(group);
}
