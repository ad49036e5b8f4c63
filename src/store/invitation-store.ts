// The invitations port (README "Invitations"): one record per invited address, and the links (tokens) issued for it.
//
// A link's token is never stored: only its SHA-256 hash, in a lookup of its own (hash -> tenant, invitation, send
// number), so that an accept, which carries no bearer token, finds its tenant from the link alone. A resend issues a
// new link with the next send number and leaves the old hash in the lookup: an old link is then recognised (and
// answered 410 "superseded") instead of looking unknown.
//
// Every state change is a compare-and-set on one record (never a transaction across records or collections): it
// applies only while the invitation is pending and at the send number the caller read, so of an accept and a cancel,
// or of two accepts, exactly one changes the record and the other finds it changed. At most one invitation per
// (tenant, address) is pending: a unique index refuses a second (StoreError conflict).

export const InvitationStatus = { pending: 'pending', accepted: 'accepted', cancelled: 'cancelled', expired: 'expired' } as const;
export type InvitationStatus = (typeof InvitationStatus)[keyof typeof InvitationStatus];

export const INVITATION_STATUSES: readonly InvitationStatus[] = Object.freeze(Object.values(InvitationStatus));

export interface InvitationRecord {
  readonly id: string;
  readonly tenantId: string;
  /** The address as given (trimmed). */
  readonly email: string;
  /** The address folded for comparison (foldCase): lookups, filters and the one-pending-per-address rule use it. */
  readonly emailKey: string;
  readonly status: InvitationStatus;
  /** The user the invitation grants access to: the pending user it created, or the user that had the address. */
  readonly userId: string;
  /** True when the invitation created that user (a cancel or an expiry removes it while it is still pending). */
  readonly userCreated: boolean;
  /** Role names (the catalogue's spelling) and group ids granted on acceptance. */
  readonly roles: readonly string[];
  readonly groups: readonly string[];
  readonly message?: string;
  /** Who invited: the token's id and label (or the CLI). */
  readonly invitedBy: { readonly tokenId: string | null; readonly label: string };
  /** ISO 8601 UTC instants with milliseconds. */
  readonly created: string;
  readonly updated: string;
  readonly expires: string;
  /** The number of the current link: 1, then one more per resend. */
  readonly send: number;
  /** When the status left `pending`. */
  readonly statusChanged?: string;
  /** The last link delivered by mail: its send number and when. */
  readonly delivered?: { readonly send: number; readonly at: string };
}

/** A link as the lookup knows it. */
export interface InvitationLink {
  readonly invitation: InvitationRecord;
  /** The send number the link was issued with: older than the invitation's `send` means superseded by a resend. */
  readonly send: number;
}

/** What a list selects; every field optional and combined with AND. */
export interface InvitationQuery {
  readonly status?: InvitationStatus;
  readonly emailKey?: string;
  /** Bounds on `created` (ISO 8601 UTC instants with milliseconds). */
  readonly created?: { readonly gt?: string; readonly ge?: string; readonly lt?: string; readonly le?: string };
}

/** A position in a list: records strictly after it in (created, id) order. */
export interface InvitationPosition {
  readonly created: string;
  readonly id: string;
}

export interface InvitationPage {
  readonly invitations: InvitationRecord[];
  /** The position after the last record, when more records follow. */
  readonly next?: InvitationPosition;
}

export interface InvitationStore {
  /**
   * Stores a new pending invitation (send 1) and its link's hash. StoreError conflict when the tenant has a pending
   * invitation for the address already; nothing is written then.
   */
  create(invitation: InvitationRecord, tokenHash: string): Promise<void>;
  get(tenantId: string, id: string): Promise<InvitationRecord | null>;
  /** The invitation a link's hash was issued for, in any tenant (an accept has no bearer token); null when unknown. */
  findByTokenHash(tokenHash: string): Promise<InvitationLink | null>;
  /** Oldest first by (created, id), at most `limit`, after `after` when given. Index-backed for each query field. */
  list(tenantId: string, query: InvitationQuery, page: { readonly after?: InvitationPosition; readonly limit: number }): Promise<InvitationPage>;
  count(tenantId: string, query: InvitationQuery): Promise<number>;
  /**
   * pending -> `to`, only while the invitation is pending at send number `send`: the record as changed, or null when
   * it was not (another change won, or no such invitation).
   */
  finish(tenantId: string, id: string, change: { readonly send: number; readonly to: Exclude<InvitationStatus, 'pending'>; readonly at: string }): Promise<InvitationRecord | null>;
  /**
   * A new link: send + 1 with its hash and a new expiry, only while the invitation is pending at `send`; null when it
   * was not. The old link's hash stays known (superseded).
   */
  renew(tenantId: string, id: string, change: { readonly send: number; readonly tokenHash: string; readonly expires: string; readonly at: string }): Promise<InvitationRecord | null>;
  /** Records that the link of `send` was delivered (the mail worker), unless a later one was recorded already. */
  recordDelivery(tenantId: string, id: string, delivered: { readonly send: number; readonly at: string }): Promise<void>;
  /** Pending invitations of a tenant whose expiry is at or before `now`, at most `limit` (the expiry sweep). */
  due(tenantId: string, now: string, limit: number): Promise<InvitationRecord[]>;
}
