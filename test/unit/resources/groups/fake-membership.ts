// In-memory MembershipStore and resource reads for the group unit tests: plain maps, with every port call recorded
// so that tests can assert what a plan read and wrote.
import type { Member, MembershipChange, MembershipStore } from '../../../../src/store/membership-store';
import { EMPTY_UNVERSIONED, type ResourceReader, type StoredResource } from '../../../../src/store/resource-store';

export interface RecordedCall {
  readonly method: keyof MembershipStore;
  readonly args: readonly unknown[];
}

export interface FakeMemberships extends MembershipStore {
  readonly calls: RecordedCall[];
}

export function fakeMemberships(): FakeMemberships {
  // tenant -> group -> member id -> member
  const rows = new Map<string, Map<string, Map<string, Member>>>();
  const calls: RecordedCall[] = [];
  const groupOf = (tenantId: string, groupId: string) => {
    let tenant = rows.get(tenantId);
    if (!tenant) rows.set(tenantId, (tenant = new Map()));
    let group = tenant.get(groupId);
    if (!group) tenant.set(groupId, (group = new Map()));
    return group;
  };
  const record = (method: keyof MembershipStore, args: readonly unknown[]) => calls.push({ method, args });
  return {
    calls,
    async add(tenantId, groupId, members) {
      record('add', [tenantId, groupId, members]);
      const group = groupOf(tenantId, groupId);
      let added = 0;
      for (const member of members) {
        if (group.has(member.value)) continue;
        group.set(member.value, member);
        added += 1;
      }
      return added;
    },
    async remove(tenantId, groupId, memberIds) {
      record('remove', [tenantId, groupId, memberIds]);
      const group = groupOf(tenantId, groupId);
      let removed = 0;
      for (const id of new Set(memberIds)) if (group.delete(id)) removed += 1;
      return removed;
    },
    async replaceAll(tenantId, groupId, members) {
      record('replaceAll', [tenantId, groupId, members]);
      const group = groupOf(tenantId, groupId);
      group.clear();
      for (const member of members) if (!group.has(member.value)) group.set(member.value, member);
    },
    async list(tenantId, groupId, options) {
      record('list', [tenantId, groupId, options]);
      return [...groupOf(tenantId, groupId).values()]
        .sort((x, y) => (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
        .filter((member) => options.afterMemberId === undefined || member.value > options.afterMemberId)
        .slice(0, options.limit);
    },
    async has(tenantId, groupId, memberIds) {
      record('has', [tenantId, groupId, memberIds]);
      const group = groupOf(tenantId, groupId);
      return new Set(memberIds.filter((id) => group.has(id)));
    },
    async groupsOf(tenantId, memberIds) {
      record('groupsOf', [tenantId, memberIds]);
      const edges: { memberId: string; groupId: string }[] = [];
      for (const memberId of new Set(memberIds)) {
        for (const [groupId, group] of rows.get(tenantId) ?? []) if (group.has(memberId)) edges.push({ memberId, groupId });
      }
      return edges;
    },
    async removeEverywhere(tenantId, id) {
      record('removeEverywhere', [tenantId, id]);
      const tenant = rows.get(tenantId);
      tenant?.delete(id);
      for (const group of tenant?.values() ?? []) group.delete(id);
    },
    // Pending changes live in resource documents, which these tests do not have: there is never one to finish.
    async settle() {},
    async unsettled() {
      return [];
    },
  };
}

/** What settle() does with a group's planned changes, done with the direct port calls (the unit tests' stand-in). */
export async function applyChanges(memberships: MembershipStore, tenantId: string, groupId: string, changes: readonly MembershipChange[] = []): Promise<void> {
  for (const change of changes) {
    if (change.kind === 'replace') await memberships.replaceAll(tenantId, groupId, change.members);
    else if (change.kind === 'delta') {
      await memberships.remove(tenantId, groupId, change.remove);
      await memberships.add(tenantId, groupId, change.add);
    } else await memberships.removeEverywhere(tenantId, groupId);
  }
}

export interface FakeResources extends Pick<ResourceReader, 'getMany'> {
  /** The ids of each getMany call, in order. */
  readonly reads: Array<{ readonly resourceType: string; readonly ids: readonly string[] }>;
}

/** Users and groups by tenant; membership reads them only in batches (getMany). */
export function fakeResources(resources: ReadonlyArray<{ tenantId: string; resourceType: string; id: string; attributes: Record<string, unknown> }>): FakeResources {
  const reads: Array<{ resourceType: string; ids: readonly string[] }> = [];
  return {
    reads,
    async getMany(tenantId, resourceType, ids) {
      reads.push({ resourceType, ids: [...ids] });
      return resources
        .filter((resource) => resource.tenantId === tenantId && resource.resourceType === resourceType && ids.includes(resource.id))
        .map(
          (found): StoredResource => ({
            resourceType,
            id: found.id,
            version: 1,
            created: '2024-01-01T00:00:00.000Z',
            lastModified: '2024-01-01T00:00:00.000Z',
            attributes: found.attributes,
            internal: {},
            unversioned: EMPTY_UNVERSIONED,
          }),
        );
    },
  };
}
