// The membership port: group membership is its own relation keyed by (tenant, group, member), so that a change
// to a large group is a delta (RFC 7643 §4.2 members), never a rewrite of the whole member list.
// Every call takes the tenant id of the verified token first: no call can reach across tenants.

export const MemberType = { user: 'User', group: 'Group' } as const;
export type MemberType = (typeof MemberType)[keyof typeof MemberType];

export interface Member {
  /** The member's resource id. */
  readonly value: string;
  readonly type: MemberType;
  /** The display name sent by the client, kept as given (RFC 7643 §4.2 members.display). */
  readonly display?: string;
}

export interface MemberPageOptions {
  /** At most this many members are returned. */
  readonly limit: number;
  /** Keyset paging: members whose id sorts strictly after this one (code-point order). */
  readonly afterMemberId?: string;
}

export interface MembershipEdge {
  readonly memberId: string;
  readonly groupId: string;
}

export interface MembershipStore {
  /** Idempotent: members already in the group are left as they are. Returns how many were new. */
  add(tenantId: string, groupId: string, members: readonly Member[]): Promise<number>;
  /** Returns how many of the given ids were members (and are no longer). Unknown ids are ignored. */
  remove(tenantId: string, groupId: string, memberIds: readonly string[]): Promise<number>;
  /** The group's members become exactly `members`. */
  replaceAll(tenantId: string, groupId: string, members: readonly Member[]): Promise<void>;
  /** Members ordered by member id (code-point order), `limit` at most, after `afterMemberId` when given. */
  list(tenantId: string, groupId: string, options: MemberPageOptions): Promise<Member[]>;
  /** Which of `memberIds` are direct members of the group. */
  has(tenantId: string, groupId: string, memberIds: readonly string[]): Promise<Set<string>>;
  /** Direct parents: one edge per (member, group) where the member is a direct member of the group. */
  groupsOf(tenantId: string, memberIds: readonly string[]): Promise<MembershipEdge[]>;
  /** A deleted user or group leaves every group, and a deleted group loses its members. */
  removeEverywhere(tenantId: string, id: string): Promise<void>;
}
