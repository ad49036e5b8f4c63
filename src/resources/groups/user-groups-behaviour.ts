// User `groups` (RFC 7643 §4.1.2): readOnly, computed from the membership relation on read, direct and indirect
// (through nested groups), and never stored with the user. PATCH on it is refused by the PATCH engine (readOnly:
// 400 mutability), PUT ignores it (readOnly values are ignored on input, RFC 7643 §2.2). A deleted user leaves
// every group when its delete is settled (store/membership-store.ts). A group that no longer exists is neither
// listed nor walked through, so a membership row that outlived its group never makes anyone an indirect member.
import type { RequestContext } from '../../auth/request-context';
import type { ScimAttributes } from '../../scim/schema/attribute';
import { isBeingDeleted } from '../../store/membership-store';
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
    // member. The values are only read after this (projection copies what it returns), so members can share them.
    const built: Record<MembershipKind, Map<string, ScimAttributes>> = { direct: new Map(), indirect: new Map() };
    const valueOf = (groupId: string, kind: MembershipKind, group: StoredResource): ScimAttributes => {
      let value = built[kind].get(groupId);
      if (value === undefined) {
        const display = group.attributes.displayName;
        value = { value: groupId, $ref: resourceLocation(compute.baseUrl, schema.groupType, groupId), ...(typeof display === 'string' ? { display } : {}), type: kind };
        built[kind].set(groupId, value);
      }
      return value;
    };
    for (const id of ids) {
      const found = membershipsOf.get(id);
      if (!found || found.size === 0) continue;
      const values: ScimAttributes[] = [];
      for (const [groupId, kind] of found.size === 1 ? found : [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const group = groupById.get(groupId);
        if (group) values.push(valueOf(groupId, kind, group));
      }
      if (values.length > 0) computed.set(id, { [groupsKey]: values });
    }
    return computed;
  };

  return {
    async computedAttributes(context, id, compute) {
      return (await groupsOfEach(context, [id], compute)).get(id) ?? {};
    },
    computedAttributesOfPage: groupsOfEach,
  };
}

/** A stored group that is not being deleted. */
function isLive(group: StoredResource | undefined): group is StoredResource {
  return group !== undefined && !isBeingDeleted(group);
}
