// User `groups` (RFC 7643 §4.1.2): readOnly, computed from the membership relation on read, direct and indirect
// (through nested groups), and never stored with the user. PATCH on it is refused by the PATCH engine (readOnly:
// 400 mutability), PUT ignores it (readOnly values are ignored on input, RFC 7643 §2.2). A deleted user leaves
// every group.
import type { ScimAttributes } from '../../scim/schema/attribute';
import { resourceLocation } from '../represent';
import type { ResourceTypeBehaviour } from '../resource-type-behaviour';
import { isAttributeNeeded } from './attribute-needed';
import { groupsContaining } from './group-ancestry';
import { resolveMembershipSchema, type MembershipDeps } from './membership-deps';

export type UserMembershipBehaviour = Required<Pick<ResourceTypeBehaviour, 'computedAttributes' | 'afterDelete'>>;

export function createUserMembershipBehaviour(deps: MembershipDeps): UserMembershipBehaviour {
  const schema = resolveMembershipSchema(deps.registry);
  const groupsKey = schema.groups.attribute.name;

  return {
    async computedAttributes(tenantId, id, context) {
      if (!isAttributeNeeded(context.selection, schema.groups)) return {};
      const memberships = await groupsContaining(deps.memberships, tenantId, id);
      const groups: ScimAttributes[] = [];
      for (const [groupId, kind] of [...memberships].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const group = await deps.resources.get(tenantId, schema.groupType.name, groupId);
        // A group deleted between the two reads is no longer a membership.
        if (!group) continue;
        const display = group.attributes.displayName;
        groups.push({
          value: groupId,
          $ref: resourceLocation(context.baseUrl, schema.groupType, groupId),
          ...(typeof display === 'string' ? { display } : {}),
          type: kind,
        });
      }
      return groups.length === 0 ? {} : { [groupsKey]: groups };
    },

    afterDelete: (tenantId, id) => deps.memberships.removeEverywhere(tenantId, id),
  };
}
