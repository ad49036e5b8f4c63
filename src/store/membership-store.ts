// The membership port: group membership is its own relation keyed by (tenant, group, member), so that a change
// to a large group is a delta (RFC 7643 §4.2 members), never a rewrite of the whole member list.
// Every call takes the tenant id of the verified token first: no call can reach across tenants.
//
// Crash safety without multi-document transactions (a standalone MongoDB has none). A group's document and its
// membership rows are different writes, so a change to both is made in two steps:
//   1. the write of the resource's own document records the membership change in it, as a pending change (one
//      atomic single-document write: the commit point; resource-store.ts `pending`);
//   2. settle() applies the resource's pending changes to the membership relation, in the order they were recorded,
//      and then clears them.
// Whoever finds a pending change finishes it: the writer right after step 1, and any later reader or writer, so a
// crash or a failure between the steps is rolled forward, never left half done. Deleting a user or a group is recorded
// the same way (a tombstone in its document): settle() removes its memberships, then the document. Applying a change
// twice, late, or concurrently with another settle() of the same resource changes nothing more (README "Groups").

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

/** groupsAbove's answer: the edges, and the groups among them that exist (gone groups are simply absent). */
export interface GroupsAbove {
  readonly edges: readonly MembershipEdge[];
  readonly groups: readonly GroupAbove[];
}

export interface GroupAbove {
  readonly id: string;
  /** The group's displayName when it is a string (absent otherwise). */
  readonly displayName?: string;
  /** The group carries a recorded delete (isBeingDeleted). */
  readonly beingDeleted: boolean;
}

/** A membership change recorded in a resource's document, to be applied by settle(). */
export type MembershipChange =
  /** Members added (idempotent) and member ids removed, in that order of precedence: an id in both is removed. */
  | { readonly kind: 'delta'; readonly add: readonly Member[]; readonly remove: readonly string[] }
  /** The group's members become exactly these. */
  | { readonly kind: 'replace'; readonly members: readonly Member[] }
  /** The resource (a user or a group) is being deleted: its memberships go, then the resource itself. */
  | { readonly kind: 'delete' };

/** A change as the writer hands it to the store, with an id of its own (a random UUID). */
export interface PendingChangeInput {
  readonly id: string;
  readonly change: MembershipChange;
}

/** A change as recorded: `stamp` is the resource version of the write that recorded it, so it orders the changes. */
export interface PendingChange extends PendingChangeInput {
  readonly stamp: number;
}

/** Whether a stored resource carries a recorded delete: it is gone for every reader, and about to be removed. */
export function isBeingDeleted(resource: { readonly pending?: readonly PendingChange[] }): boolean {
  return (resource.pending ?? []).some((pending) => pending.change.kind === 'delete');
}

/**
 * Whether a mark (resource-store.ts) must be refused as `not_found`: the resource carries a recorded delete, so it is
 * gone for every reader, and a membership change recorded after the delete would vanish with the resource while its
 * request answered success (RFC 7644 §3.5.2: a PATCH of a deleted resource is 404). A delete recorded again (a retried
 * DELETE) is let through: the resource is being deleted either way.
 */
export function refusesMark(current: readonly PendingChange[], mark: { readonly pending: readonly PendingChangeInput[] }): boolean {
  return isBeingDeleted({ pending: current }) && mark.pending.some((pending) => pending.change.kind !== 'delete');
}

/** A resource with pending changes. */
export interface UnsettledResource {
  readonly resourceType: string;
  readonly id: string;
}

/** The two calls that finish recorded changes (resource-service.ts makes them; see the top of this file). */
export interface PendingChanges {
  /**
   * Applies every pending change of the resource, in stamp order, and clears them; a `delete` change removes the
   * resource's memberships (as a group and as a member) and then the resource. Nothing to do when there is none, or
   * the resource does not exist. Idempotent, and safe to run concurrently or late: a change applied again never undoes
   * a later one, and a member that was deleted meanwhile is not added back.
   */
  settle(tenantId: string, resourceType: string, id: string): Promise<void>;
  /** The tenant's resources that have pending changes: normally none (a change is pending only while it is applied). */
  unsettled(tenantId: string): Promise<UnsettledResource[]>;
}

/**
 * The relation itself. Rows are written by settle(); add, remove, replaceAll and removeEverywhere write them directly,
 * for set-up, migrations and tests: on their own they are not crash-safe against the group's document.
 */
export interface MembershipStore extends PendingChanges {
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
  /**
   * Direct parents: one edge per (member, group) where the member is a direct member of the group; one store round trip
   * per GET_MANY_BATCH members (a list page's users together), never one per member.
   */
  groupsOf(tenantId: string, memberIds: readonly string[]): Promise<MembershipEdge[]>;
  /**
   * Optional: what one member's `groups` attribute needs, in one round trip: every edge above the member (as groupsOf
   * level by level would find them, through groups that are gone too) and, for each group among them that exists as
   * `groupType`, its displayName and whether it is being deleted. A store without it is asked level by level.
   */
  groupsAbove?(tenantId: string, memberId: string, groupType: string): Promise<GroupsAbove>;
  /** A deleted user or group leaves every group, and a deleted group loses its members. */
  removeEverywhere(tenantId: string, id: string): Promise<void>;
}
