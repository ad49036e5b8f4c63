// PATCH on Group.members (RFC 7644 §3.5.2) as a delta on the membership relation: the operations on `members` are
// taken out of the request, folded in order into "members to add" / "members to remove" (or "replace them all"),
// checked (members exist in this tenant, no cycle) before anything is written, and returned as one pending change that
// the service records in the group's own write and applies right after it (store/membership-store.ts). The cost is the
// number of members named, never the size of the group. Adds, removes of named members and replace-all hold whatever
// was recorded before them, so they are written without a compare-and-set and parallel PATCHes of one group all apply;
// a filter evaluated against the members, or a replace that needs a match, is written at the version read. Forms:
//   add      members  [{value}, …]                          adds (idempotent)
//   remove   members[value eq "x"]  (any value filter)       removes the matching members (none matching: nothing)
//   remove   members  [{value}, …]   (Entra ID)              removes exactly those members, never all
//   remove   members                                         removes every member
//   replace  members  [{value}, …]                           the members become exactly these
//   replace  members[filter]  [{value}, …]                   removes the matching members, adds the given ones
// Sub-attributes of a member are immutable (RFC 7643 §4.2): a path that targets one is 400 mutability.
import type { RequestContext } from '../../auth/request-context';
import { scimErrors } from '../../scim/errors';
import type { FilterAst } from '../../scim/filter/filter-ast';
import { matchesValueFilter } from '../../scim/filter/evaluate-filter';
import type { PatchOperation } from '../../scim/patch/patch-operation';
import type { RelationPatchPlan } from '../resource-type-behaviour';
import { cycleError, cycleMakers } from './group-ancestry';
import { readMemberReferences, type MemberReference } from './member-input';
import { resolveMembers } from './member-resolver';
import type { MembershipDeps, MembershipSchema } from './membership-deps';

/** Members are read in pages of this size when a value filter has to be evaluated against them. */
const SCAN_PAGE = 1000;

/** The net effect of the member operations so far. */
interface MemberDelta {
  /** A replace or remove of all members came first: the stored members do not count any more. */
  cleared: boolean;
  readonly adds: Map<string, MemberReference>;
  readonly removes: Set<string>;
  /** The members as read decided part of it (a filter evaluated against them, a replace that needs a match). */
  readsMembers: boolean;
}

export async function planMemberPatch(
  deps: MembershipDeps,
  schema: MembershipSchema,
  context: RequestContext,
  groupId: string,
  operations: readonly PatchOperation[],
): Promise<RelationPatchPlan> {
  const { tenantId } = context;
  const remaining: PatchOperation[] = [];
  const delta: MemberDelta = { cleared: false, adds: new Map(), removes: new Set(), readsMembers: false };
  const where = (operation: PatchOperation) => `Operation ${operation.index} (${operation.op} '${operation.path?.text ?? ''}')`;

  for (const operation of operations) {
    const { path } = operation;
    if (!path || path.attribute.attribute !== schema.members.attribute) {
      remaining.push(operation);
      continue;
    }
    if (path.subAttribute) {
      throw scimErrors.mutability(
        `${where(operation)}: the sub-attributes of a member are immutable (RFC 7643 §4.2); add or remove the member instead`,
      );
    }
    const given = () => readMemberReferences(schema, operation.value, where(operation));
    switch (operation.op) {
      case 'add':
        if (path.valueFilter) throw scimErrors.invalidPath(`${where(operation)}: members are added with path "members" and a list of members, not through a filter`);
        if (operation.value === undefined || operation.value === null) throw scimErrors.invalidValue(`${where(operation)}: "add" needs the members to add in "value"`);
        for (const reference of given()) addTo(delta, reference);
        break;
      case 'remove':
        if (path.valueFilter) {
          // `value eq "x"` (Okta) names its members: removing them is a delta, whether they are members now or not.
          const named = namedIds(schema, path.valueFilter);
          const selected = named ?? (await matchingMembers(deps, schema, tenantId, groupId, delta, path.valueFilter));
          for (const id of selected) removeFrom(delta, id);
        } else if (operation.value !== undefined && operation.value !== null) {
          // Entra ID: {"op":"Remove","path":"members","value":[{"value":"<id>"}]} removes those members only.
          for (const reference of given()) removeFrom(delta, reference.value);
        } else {
          clear(delta);
        }
        break;
      case 'replace':
        if (path.valueFilter) {
          const matched = await matchingMembers(deps, schema, tenantId, groupId, delta, path.valueFilter);
          // As for other multi-valued attributes: a replace through a filter that matches nothing has no target.
          if (matched.length === 0) throw scimErrors.noTarget(`${where(operation)}: no member matches the filter`);
          if (!delta.cleared) delta.readsMembers = true;
          const replacements = given();
          for (const id of matched) removeFrom(delta, id);
          for (const reference of replacements) addTo(delta, reference);
        } else {
          const replacements = given();
          clear(delta);
          for (const reference of replacements) addTo(delta, reference);
        }
        break;
    }
  }

  const touched = delta.cleared || delta.adds.size > 0 || delta.removes.size > 0;
  if (!touched) return { remaining, changes: false, commit: nothingMore };

  // Everything is checked before anything is written (RFC 7644 §3.5.2: a PATCH is atomic).
  const adds = await resolveMembers(deps, context, [...delta.adds.values()], 'members');
  const cycles = await cycleMakers(
    deps.memberships,
    tenantId,
    groupId,
    adds.filter((member) => member.type === 'Group').map((member) => member.value),
  );
  if (cycles.length > 0) throw cycleError(cycles[0], groupId);

  const readsRelation = delta.readsMembers;
  if (delta.cleared) {
    const hadMembers = (await deps.memberships.list(tenantId, groupId, { limit: 1 })).length > 0;
    return { remaining, changes: hadMembers || adds.length > 0, pending: [{ kind: 'replace', members: adds }], readsRelation, commit: nothingMore };
  }

  // Whether anything changes is decided on the members as read: a PATCH that changes nothing writes nothing (and takes
  // its place before any concurrent write). One that changes something records every member it names, not only those
  // that differ from what it read: a delta recorded after a concurrent PUT or PATCH then applies in full on top of it,
  // the outcome of the two one after the other (an add the PUT undid is made again, a remove the PUT undid is made
  // again), and concurrent deltas of one group never need to contend.
  const removes = [...delta.removes];
  const present = await deps.memberships.has(tenantId, groupId, [...removes, ...adds.map((member) => member.value)]);
  const changes = removes.some((id) => present.has(id)) || adds.some((member) => !present.has(member.value));
  return { remaining, changes, pending: [{ kind: 'delta', add: adds, remove: removes }], readsRelation, commit: nothingMore };
}

/** The change is recorded with the group's write and settled by the service: nothing is left to do after it. */
const nothingMore = async (): Promise<void> => undefined;

function addTo(delta: MemberDelta, reference: MemberReference): void {
  delta.removes.delete(reference.value);
  delta.adds.set(reference.value, reference);
}

function removeFrom(delta: MemberDelta, id: string): void {
  delta.adds.delete(id);
  if (!delta.cleared) delta.removes.add(id);
}

function clear(delta: MemberDelta): void {
  delta.cleared = true;
  delta.adds.clear();
  delta.removes.clear();
}

/**
 * The ids of the members a value filter selects, as the group stands after the operations so far. `value eq "x"`
 * (alone or joined by `or`, the forms IdPs send) names its members without reading the group; any other filter is
 * evaluated against the members, read page by page.
 */
async function matchingMembers(
  deps: MembershipDeps,
  schema: MembershipSchema,
  tenantId: string,
  groupId: string,
  delta: MemberDelta,
  filter: FilterAst,
): Promise<string[]> {
  const named = namedIds(schema, filter);
  if (named) {
    const stored = delta.cleared ? new Set<string>() : await deps.memberships.has(tenantId, groupId, named);
    return [...new Set(named)].filter((id) => delta.adds.has(id) || (stored.has(id) && !delta.removes.has(id)));
  }
  const matched: string[] = [];
  for (const reference of delta.adds.values()) {
    if (matchesValueFilter(filter, { value: reference.value, ...(reference.type ? { type: reference.type } : {}) })) matched.push(reference.value);
  }
  if (delta.cleared) return matched;
  // Any other filter selects by what the members are now: the plan holds only at the version it read.
  delta.readsMembers = true;
  let after: string | undefined;
  for (;;) {
    const page = await deps.memberships.list(tenantId, groupId, { limit: SCAN_PAGE, ...(after === undefined ? {} : { afterMemberId: after }) });
    for (const member of page) {
      if (!delta.removes.has(member.value) && !delta.adds.has(member.value) && matchesValueFilter(filter, member)) matched.push(member.value);
    }
    if (page.length < SCAN_PAGE) return matched;
    after = page[page.length - 1].value;
  }
}

/** The member ids of `value eq "<id>"`, or of several joined by `or`; undefined for any other filter. */
function namedIds(schema: MembershipSchema, filter: FilterAst): string[] | undefined {
  if (filter.kind === 'compare') {
    const isValue = filter.path.subAttribute === schema.memberValue.subAttribute;
    return filter.op === 'eq' && isValue && typeof filter.value === 'string' ? [filter.value] : undefined;
  }
  if (filter.kind === 'or') {
    const parts = filter.filters.map((part) => namedIds(schema, part));
    return parts.every((part) => part !== undefined) ? parts.flat() : undefined;
  }
  return undefined;
}
