// Group (RFC 7643 §4.2) behaviour on the generic service: `members` is kept in the membership relation, not in the
// group's document. Creates and replaces take members out of the document and plan their change, which the service
// records in the group's own write and applies right after it (crash-safe: store/membership-store.ts); reads add them
// back only when the response carries them (`excludedAttributes=members` never reads a membership); PATCH on members
// is a delta (member-patch-plan.ts). A deleted group leaves its parents and loses its members when its delete is
// settled.
import type { ScimAttributes } from '../../scim/schema/attribute';
import type { Member, MembershipChange } from '../../store/membership-store';
import { resourceLocation } from '../represent';
import type { ResourceTypeBehaviour } from '../resource-type-behaviour';
import { isAttributeNeeded } from './attribute-needed';
import { cycleError, cycleMakers } from './group-ancestry';
import { readMemberReferences } from './member-input';
import { planMemberPatch } from './member-patch-plan';
import { resolveMembers } from './member-resolver';
import { DEFAULT_MAX_MEMBERS_RETURNED, resolveMembershipSchema, type MembershipDeps, type MembershipSchema } from './membership-deps';

export function createGroupBehaviour(deps: MembershipDeps): ResourceTypeBehaviour {
  const schema = resolveMembershipSchema(deps.registry);
  const membersKey = schema.members.attribute.name;
  const maxMembers = Math.max(0, deps.maxMembersReturned ?? DEFAULT_MAX_MEMBERS_RETURNED);

  return {
    async planRelationWrite(context, id, attributes, previous) {
      const { tenantId } = context;
      const { [membersKey]: input, ...document } = attributes;
      const members = await resolveMembers(deps, context, readMemberReferences(schema, input, 'members'), 'members');
      if (previous === undefined) {
        // A new group has no parents yet, so none of its members can close a cycle.
        const pending: MembershipChange[] = members.length === 0 ? [] : [{ kind: 'delta', add: members, remove: [] }];
        return { attributes: document, pending, commit: nothingMore };
      }
      const cycles = await cycleMakers(deps.memberships, tenantId, id, groupIds(members));
      if (cycles.length > 0) throw cycleError(cycles[0], id);
      // RFC 7644 §3.5.1: PUT replaces the members; a body without members leaves the group empty.
      return { attributes: document, pending: [{ kind: 'replace', members }], commit: nothingMore };
    },

    async computedAttributes(context, id, compute) {
      if (!isAttributeNeeded(compute.selection, schema.members)) return {};
      const members = await deps.memberships.list(context.tenantId, id, { limit: maxMembers });
      if (members.length === 0) return {};
      return { [membersKey]: members.map((member) => representMember(schema, compute.baseUrl, member)) };
    },

    planRelationPatch: (context, id, operations) => planMemberPatch(deps, schema, context, id, operations),
  };
}

/** The changes are recorded with the group's write and settled by the service: nothing is left to do after it. */
const nothingMore = async (): Promise<void> => undefined;

function groupIds(members: readonly Member[]): string[] {
  return members.filter((member) => member.type === 'Group').map((member) => member.value);
}

/** RFC 7643 §4.2: value, $ref (the member's absolute URI), display and type. */
function representMember(schema: MembershipSchema, baseUrl: string, member: Member): ScimAttributes {
  const type = member.type === 'Group' ? schema.groupType : schema.userType;
  return {
    value: member.value,
    $ref: resourceLocation(baseUrl, type, member.value),
    ...(member.display === undefined ? {} : { display: member.display }),
    type: member.type,
  };
}
