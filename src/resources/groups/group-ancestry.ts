// Walks membership upward: the groups a user or group belongs to directly and through nested groups (RFC 7643
// §4.1.2 `groups`: "either through direct membership, through nested groups"). One port call per level of
// nesting; a visited set makes the walk end even if concurrent writes ever closed a cycle.
import { scimErrors, type ScimError } from '../../scim/errors';
import type { MembershipStore } from '../../store/membership-store';

export const MembershipKind = { direct: 'direct', indirect: 'indirect' } as const;
export type MembershipKind = (typeof MembershipKind)[keyof typeof MembershipKind];

/** Every group `memberId` belongs to, each marked direct (a member of it) or indirect (through nested groups). */
export async function groupsContaining(memberships: MembershipStore, tenantId: string, memberId: string): Promise<Map<string, MembershipKind>> {
  return (await groupsContainingEach(memberships, tenantId, [memberId])).get(memberId)!;
}

/**
 * groupsContaining for many members at once (a list page): one port call per level of nesting for all of them,
 * then each member's walk runs in memory over the parent edges found.
 */
export async function groupsContainingEach(
  memberships: MembershipStore,
  tenantId: string,
  memberIds: readonly string[],
): Promise<Map<string, Map<string, MembershipKind>>> {
  return walkUp(await parentEdges(memberships, tenantId, memberIds), memberIds);
}

/** Direct parents of the members and of every group above them: one port call per level of nesting. */
export async function parentEdges(memberships: MembershipStore, tenantId: string, memberIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>> {
  const parentsOf = new Map<string, string[]>();
  let frontier = [...new Set(memberIds)];
  while (frontier.length > 0) {
    for (const id of frontier) parentsOf.set(id, []);
    const next = new Set<string>();
    for (const edge of await memberships.groupsOf(tenantId, frontier)) {
      parentsOf.get(edge.memberId)?.push(edge.groupId);
      if (!parentsOf.has(edge.groupId)) next.add(edge.groupId);
    }
    frontier = [...next];
  }
  return parentsOf;
}

/**
 * Each member's groups from the parent edges, in memory: direct, or indirect through nested groups. Groups that
 * `exists` says are gone are skipped and not walked through.
 */
export function walkUp(
  parentsOf: ReadonlyMap<string, readonly string[]>,
  memberIds: readonly string[],
  exists: (groupId: string) => boolean = () => true,
): Map<string, Map<string, MembershipKind>> {
  const result = new Map<string, Map<string, MembershipKind>>();
  for (const memberId of memberIds) {
    const found = new Map<string, MembershipKind>();
    let level = parentsOf.get(memberId) ?? [];
    let kind: MembershipKind = MembershipKind.direct;
    while (level.length > 0) {
      const next: string[] = [];
      for (const groupId of level) {
        if (found.has(groupId) || groupId === memberId || !exists(groupId)) continue;
        found.set(groupId, kind);
        next.push(...(parentsOf.get(groupId) ?? []));
      }
      level = next;
      kind = MembershipKind.indirect;
    }
    result.set(memberId, found);
  }
  return result;
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
