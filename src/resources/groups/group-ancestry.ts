// Walks membership upward: the groups a user or group belongs to directly and through nested groups (RFC 7643
// §4.1.2 `groups`: "either through direct membership, through nested groups"). One port call per level of
// nesting; a visited set makes the walk end even if concurrent writes ever closed a cycle.
import { scimErrors, type ScimError } from '../../scim/errors';
import type { MembershipStore } from '../../store/membership-store';

export const MembershipKind = { direct: 'direct', indirect: 'indirect' } as const;
export type MembershipKind = (typeof MembershipKind)[keyof typeof MembershipKind];

/** Every group `memberId` belongs to, each marked direct (a member of it) or indirect (through nested groups). */
export async function groupsContaining(memberships: MembershipStore, tenantId: string, memberId: string): Promise<Map<string, MembershipKind>> {
  const found = new Map<string, MembershipKind>();
  let frontier = [memberId];
  let kind: MembershipKind = MembershipKind.direct;
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const edge of await memberships.groupsOf(tenantId, frontier)) {
      if (found.has(edge.groupId) || edge.groupId === memberId) continue;
      found.set(edge.groupId, kind);
      next.push(edge.groupId);
    }
    frontier = next;
    kind = MembershipKind.indirect;
  }
  return found;
}

/**
 * The ids among `candidates` that would close a cycle if they became members of `groupId`: the group itself and
 * every group it belongs to, directly or not (RFC 7643 §4.2 allows nested groups; a cycle has no meaning).
 */
export async function cycleMakers(memberships: MembershipStore, tenantId: string, groupId: string, candidates: readonly string[]): Promise<string[]> {
  if (candidates.length === 0) return [];
  const ancestors = await groupsContaining(memberships, tenantId, groupId);
  return candidates.filter((candidate) => candidate === groupId || ancestors.has(candidate));
}

/** The 400 for a member that would close a cycle (RFC 7643 §4.2 members; the RFC gives no scimType of its own). */
export function cycleError(memberId: string, groupId: string): ScimError {
  return scimErrors.invalidValue(
    memberId === groupId
      ? `Group ${groupId} cannot be a member of itself`
      : `Group ${memberId} cannot become a member of group ${groupId}: ${groupId} is already a member of it, directly or through nested groups, and nested groups may not form a cycle`,
  );
}
