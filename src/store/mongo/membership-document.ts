// One group membership in the `memberships` collection: { tenantId, groupId, memberId, type, display?, typeKey,
// displayKey?, stamp?, present? }. `stamp` and `present` are written by settle() (mongo-membership-store.ts): the
// version of the group change that last wrote the row, and false for a member removed (a tombstone, kept so that a
// late or repeated write of an older change cannot bring the member back). Rows without them are present members. Membership is its own collection (ARCHITECTURE "Store notes") keyed by (tenant, group, member), so
// that a change to a large group touches only the members that change, and "the groups of a user" is one indexed
// lookup the other way round (indexes.ts). typeKey and displayKey are the folded forms filters compare
// (RFC 7643 §4.2: members.type and members.display are caseExact=false); member ids are compared exactly.
import { foldCase } from '../../scim/schema/fold-case';
import type { Member, MemberType } from '../membership-store';

export interface MembershipDocument {
  readonly tenantId: string;
  readonly groupId: string;
  readonly memberId: string;
  readonly type: MemberType;
  readonly display?: string;
  readonly typeKey: string;
  readonly displayKey?: string;
  readonly stamp?: number;
  readonly present?: boolean;
}

/** The query condition of a member that is in its group (not a tombstone). */
export const PRESENT = { present: { $ne: false } } as const;

export function toMembershipDocument(tenantId: string, groupId: string, member: Member): MembershipDocument {
  return {
    tenantId,
    groupId,
    memberId: member.value,
    type: member.type,
    typeKey: foldCase(member.type),
    ...(member.display === undefined ? {} : { display: member.display, displayKey: foldCase(member.display) }),
  };
}

export function toMember(document: Pick<MembershipDocument, 'memberId' | 'type' | 'display'>): Member {
  return document.display === undefined || document.display === null
    ? { value: document.memberId, type: document.type }
    : { value: document.memberId, type: document.type, display: document.display };
}
