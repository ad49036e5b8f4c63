// User `groups` (RFC 7643 §4.1.2): readOnly, computed from the membership relation on read, direct and indirect
// (through nested groups), and never stored with the user. PATCH on it is refused by the PATCH engine (readOnly:
// 400 mutability), PUT ignores it (readOnly values are ignored on input, RFC 7643 §2.2). A deleted user leaves
// every group.
import type { RequestContext } from '../../auth/request-context';
import type { ScimAttributes } from '../../scim/schema/attribute';
import { resourceLocation } from '../represent';
import type { ComputeContext, ResourceTypeBehaviour } from '../resource-type-behaviour';
import { isAttributeNeeded } from './attribute-needed';
import { groupsContainingEach } from './group-ancestry';
import { resolveMembershipSchema, type MembershipDeps } from './membership-deps';

export type UserMembershipBehaviour = Required<Pick<ResourceTypeBehaviour, 'computedAttributes' | 'computedAttributesOfPage' | 'afterDelete'>>;

export function createUserMembershipBehaviour(deps: MembershipDeps): UserMembershipBehaviour {
  const schema = resolveMembershipSchema(deps.registry);
  const groupsKey = schema.groups.attribute.name;

  /** `groups` of each user: a few store calls per page (one per nesting level, one per batch of groups), not per user. */
  const groupsOfEach = async (context: RequestContext, ids: readonly string[], compute: ComputeContext): Promise<Map<string, ScimAttributes>> => {
    const { tenantId } = context;
    const computed = new Map<string, ScimAttributes>();
    if (!isAttributeNeeded(compute.selection, schema.groups)) return computed;
    const membershipsOf = await groupsContainingEach(deps.memberships, tenantId, ids);
    const groupIds = [...new Set([...membershipsOf.values()].flatMap((memberships) => [...memberships.keys()]))];
    // One batched read for the page's groups (getMany), never one read per group.
    const groupById = new Map((await deps.resources.getMany(tenantId, schema.groupType.name, groupIds)).map((group) => [group.id, group]));
    for (const id of ids) {
      const values: ScimAttributes[] = [];
      for (const [groupId, kind] of [...(membershipsOf.get(id) ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const group = groupById.get(groupId);
        // A group deleted between the two reads is no longer a membership.
        if (!group) continue;
        const display = group.attributes.displayName;
        values.push({
          value: groupId,
          $ref: resourceLocation(compute.baseUrl, schema.groupType, groupId),
          ...(typeof display === 'string' ? { display } : {}),
          type: kind,
        });
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
    afterDelete: (context, id) => deps.memberships.removeEverywhere(context.tenantId, id),
  };
}
