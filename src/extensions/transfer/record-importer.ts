// One export record written into a tenant (README "Export and import"), whole or not at all:
//
//   1. everything is read and checked first (transfer-record.ts), the sealed hash opened and checked to be verifiable
//      here: a bad record writes nothing;
//   2. the user is written in ONE write through the resource service (schema, uniqueness, the role catalogue, every
//      User behaviour), with what only the server sets preset beside the body: a new id, originalId, the lifecycle as
//      exported, the password hash. This write is the commit point;
//   3. the user's groups are found by displayName (created when missing, with the user as member: one write) or joined
//      (one member add each).
// Step 3 may fail after step 2 (the store went away, a group was deleted meanwhile). The record then fails and its
// writes are undone in reverse: members added are removed, groups it created are deleted again when nobody else joined
// them, and the user it created is deleted (an updated user is put back as it was). So a failed record leaves the tenant
// as it found it, and running the same import again is safe: a user already there is a 409 uniqueness result, or
// skipped or updated with `?onConflict=`.
//
// Records run several at a time (in-order-pool.ts). Each takes its turns when it starts, in file order: one at its user
// (userName), held until it ends, and one at each of its groups not known yet, held for that group's step. So two
// records that name the same user go one after the other, a duplicate refused, skipped or applied as if the records ran
// in sequence; and a new group is created once, by the first record (in file order) that names it. Joins of a group are
// done in batches, one batch at a time (keyed-batches.ts): in an import job (no audit event per write) the users created
// by the records of one batch join in one member write, so that a directory whose users share a group does not cost a
// member write (and a commit) per user, one after another. Each still has its own undo step (its member removed), and
// if that write fails each joins alone.
import type { RequestContext } from '../../auth/request-context';
import { auditDeclaration, type AuditDeclaration } from '../audit/audit-event';
import type { ResourceService } from '../../resources/resource-service';
import type { WritePreset } from '../../resources/resource-type-behaviour';
import { whyUnverifiable } from '../../resources/users/password-algorithms';
import type { FilterAst } from '../../scim/filter/filter-ast';
import { ScimError, scimErrors, ScimType, type ScimErrorBody } from '../../scim/errors';
import { versionToETag } from '../../scim/etag';
import { resolveAttributePath } from '../../scim/paths/attribute-path';
import type { ResourceTypeDefinition } from '../../scim/schema/attribute';
import { DEFAULT_SELECTION } from '../../scim/schema/attribute-selection';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { URN } from '../../scim/urns';
import type { StoredResource } from '../../store/resource-store';
import { ProductUrn } from '../product-urns';
import { SealError, type HashOpener } from './sealed-hash';
import { createKeyedBatches } from './keyed-batches';
import { createTurns, type Turn } from './turns';
import { readRecord, type ImportedRecord } from './transfer-record';
import { OnConflict } from './transfer-requests';

export const ImportStatus = { created: 'created', updated: 'updated', skipped: 'skipped', failed: 'failed' } as const;
export type ImportStatus = (typeof ImportStatus)[keyof typeof ImportStatus];

/** One record's outcome, as POST /Users/.import answers it and the import job's report lists it. */
export interface ImportResult {
  readonly index: number;
  readonly status: ImportStatus;
  /** The user's id on this server (created, updated, or the one a skipped record matched). */
  readonly id?: string;
  readonly originalId?: string;
  readonly error?: ScimErrorBody;
}

export interface RecordImporterDeps {
  readonly registry: SchemaRegistry;
  readonly resources: Pick<ResourceService, 'create' | 'replace' | 'update' | 'patch' | 'delete' | 'get' | 'list' | 'computedAttributes' | 'resourceType'>;
  readonly warn: (details: Record<string, unknown>, message: string) => void;
}

export interface RecordImporter {
  importRecord(value: unknown, index: number): Promise<ImportResult>;
}

export interface ImportSession {
  readonly context: RequestContext;
  readonly opener: HashOpener;
  readonly onConflict: OnConflict;
}

type Undo = () => Promise<unknown>;

/** One record's join of one of its groups, queued at the group. */
interface Join {
  readonly userId: string;
  /** The group's displayName as the record spells it. */
  readonly name: string;
  /** The record's undo steps: a join adds its own. */
  readonly undo: Undo[];
  readonly index: number;
  /** May join in one write with others: a user the record created, in an import whose writes are not audited one by one. */
  readonly together: boolean;
}

/**
 * A step at one group, queued there like a join: the undo of a group that a failed record created. It runs after the
 * joins of its batch, never beside one: a join that went first makes it keep the group for the newcomer.
 */
interface UndoCreate {
  readonly undoCreate: () => Promise<void>;
}
type GroupStep = Join | UndoCreate;

/**
 * Audit (README "Audit events"): each record is one USER_IMPORT operation inside the request's, with its index, as a
 * Bulk operation is; the group writes it makes and the steps that undo a failed record are operations of their own.
 */
const RECORD_EVENTS = auditDeclaration('USER', 'IMPORT');
const UNDO_EVENTS = auditDeclaration('USER', 'IMPORT_UNDO');
const GROUP_EVENTS = { create: auditDeclaration('GROUP', 'CREATE'), update: auditDeclaration('GROUP', 'UPDATE') } as const;

/** A record importer for one request or job: groups found or created are remembered for its later records. */
export function createRecordImporter(deps: RecordImporterDeps, session: ImportSession): RecordImporter {
  const { context } = session;
  /** Reads made on the way are no operation of their own. */
  const lookup: RequestContext = { ...context, operation: undefined };
  /** The context of one audited step of record `index` (none when the caller records nothing, e.g. a job). */
  const stepOf = (declaration: AuditDeclaration, index: number): RequestContext => ({ ...context, operation: context.operation?.child(declaration, { index }) });
  const userType = deps.resources.resourceType('User');
  const groupType = deps.resources.resourceType('Group');
  const userNamePath = requiredPath(deps.registry, userType, 'userName');
  const displayNamePath = requiredPath(deps.registry, groupType, 'displayName');
  const groupIds = new Map<string, string>();
  const take = createTurns();

  const findOne = async (type: ResourceTypeDefinition, filter: FilterAst): Promise<StoredResource | undefined> => {
    const { resources } = await deps.resources.list(lookup, type, { filter, startIndex: 1, count: 1, selection: DEFAULT_SELECTION });
    return resources[0];
  };
  const eq = (path: typeof userNamePath, value: string): FilterAst => ({ kind: 'compare', path, op: 'eq', value });

  /** The hash the record sealed, opened and checked to verify here; undefined when the record has none. */
  const openHash = async (record: ImportedRecord, index: number): Promise<string | undefined> => {
    if (record.sealedHash === undefined) return undefined;
    let hash: string;
    try {
      hash = await session.opener.open(record.sealedHash, record.originalId);
    } catch (error) {
      if (error instanceof SealError) throw scimErrors.invalidValue(`records[${index}].passwordHash (originalId ${JSON.stringify(record.originalId)}): ${error.message}`);
      throw error;
    }
    // A hash that cannot be verified here would lock its user out for good: its record fails instead, with the reason.
    const why = whyUnverifiable(hash);
    if (why !== undefined) throw scimErrors.invalidValue(`records[${index}].passwordHash (originalId ${JSON.stringify(record.originalId)}): ${why}`);
    return hash;
  };

  /** Step 2: the user, created or (after a conflict, as asked) matched by userName and left alone or replaced. */
  const writeUser = async (record: ImportedRecord, preset: WritePreset, undo: Undo[], step: RequestContext, index: number): Promise<{ stored: StoredResource; status: ImportStatus }> => {
    try {
      const stored = await deps.resources.create(step, userType, record.body, { preset });
      undo.push(() => deps.resources.delete(stepOf(UNDO_EVENTS, index), userType, stored.id));
      return { stored, status: ImportStatus.created };
    } catch (error) {
      if (!(error instanceof ScimError && error.scimType === ScimType.uniqueness) || session.onConflict === OnConflict.fail || record.userName === undefined) throw error;
      const existing = await findOne(userType, eq(userNamePath, record.userName));
      if (!existing) throw error;
      if (session.onConflict === OnConflict.skip) return { stored: existing, status: ImportStatus.skipped };
      const stored = await deps.resources.replace(step, userType, existing.id, record.body, undefined, { preset });
      // Put back as it was: one server change, conditional on the version this import wrote.
      undo.push(() =>
        deps.resources.update(stepOf(UNDO_EVENTS, index), userType, existing.id, () => ({ attributes: existing.attributes, internal: existing.internal }), { ifMatch: versionToETag(stored.version) }),
      );
      return { stored, status: ImportStatus.updated };
    }
  };

  /** The undo of a member added: that member removed, as an audited undo step of record `index`. */
  const leave = (groupId: string, userId: string, index: number): Undo => () =>
    deps.resources.patch(stepOf(UNDO_EVENTS, index), groupType, groupId, memberPatch('remove', userId));

  /**
   * Step 3: the user in each of its groups, matched by displayName, created when missing. Each join waits at its group
   * for the batch of joins running there (keyed-batches.ts), and goes with the next one.
   */
  const joinGroups = async (userId: string, names: readonly string[], turns: ReadonlyMap<string, Turn>, undo: Undo[], index: number, together: boolean) => {
    for (const name of names) {
      const key = name.toLowerCase();
      const turn = turns.get(key);
      await turn?.ready;
      try {
        await joins(key, { userId, name, undo, index, together });
      } finally {
        turn?.release();
      }
    }
  };

  /**
   * One batch of steps at one group, one outcome per step. A group not known yet is found or created by the first join
   * alone. Then the users that may go together are added in ONE member write (undone one by one, as a single join is);
   * if that write fails, each of them joins alone, as do the others, so that every join has its own outcome. The undos
   * of groups created by failed records come last.
   */
  const joinBatch = async (key: string, batch: readonly GroupStep[]): Promise<unknown[]> => {
    const outcomes: unknown[] = batch.map(() => undefined);
    const steps = batch.map((step, at) => ({ step, at }));
    const joinsOf = steps.filter((entry): entry is { step: Join; at: number } => 'userId' in entry.step);
    const alone = async ({ step, at }: { step: Join; at: number }) => {
      await joinGroup(step.userId, step.name, key, step.undo, step.index).catch((error: unknown) => (outcomes[at] = error));
    };
    let rest = joinsOf;
    if (!groupIds.has(key) && rest.length > 0) {
      await alone(rest[0]);
      rest = rest.slice(1);
    }
    const together = rest.filter(({ step }) => step.together);
    const groupId = groupIds.get(key);
    const joined = new Set<number>();
    if (together.length > 1 && groupId !== undefined) {
      try {
        await deps.resources.patch(context, groupType, groupId, memberPatch('add', ...together.map(({ step }) => step.userId)));
        for (const { step, at } of together) {
          const { userId, undo, index } = step;
          undo.push(leave(groupId, userId, index));
          joined.add(at);
        }
      } catch {
        // Each of them joins alone below, and fails (or not) on its own.
      }
    }
    for (const entry of rest) if (!joined.has(entry.at)) await alone(entry);
    for (const { step, at } of steps) if ('undoCreate' in step) await step.undoCreate().catch((error: unknown) => (outcomes[at] = error));
    return outcomes;
  };
  const joins = createKeyedBatches<GroupStep>(joinBatch);

  const joinGroup = async (userId: string, name: string, key: string, undo: Undo[], index: number, again = false): Promise<void> => {
    let groupId = groupIds.get(key) ?? (await findOne(groupType, eq(displayNamePath, name)))?.id;
    if (groupId === undefined) {
      const created = await createGroup(name, userId, index);
      if (created) {
        groupIds.set(key, created.id);
        undo.push(() => joins(key, { undoCreate: () => deleteIfUnused(key, created.id, userId, index) }));
        return;
      }
      // Created meanwhile by another request: join it.
      groupId = (await findOne(groupType, eq(displayNamePath, name)))?.id;
      if (groupId === undefined) throw scimErrors.conflict(`The group "${name}" was created and deleted again while the user joined it; import the record again`);
    }
    groupIds.set(key, groupId);
    const joined = groupId;
    const join = stepOf(GROUP_EVENTS.update, index);
    let changed: boolean;
    try {
      ({ changed } = await deps.resources.patch(join, groupType, joined, memberPatch('add', userId)));
    } catch (error) {
      // Deleted meanwhile (a failed record undid the group it had created): found or created afresh, once.
      if (again || !(error instanceof ScimError && error.status === 404)) throw error;
      groupIds.delete(key);
      return joinGroup(userId, name, key, undo, index, true);
    }
    // A member already there changes nothing: recorded as a success that wrote nothing.
    if (!changed) join.operation?.succeed();
    else undo.push(leave(joined, userId, index));
  };

  /** A new group with the user as its member; undefined when a group of that displayName appeared meanwhile. */
  const createGroup = async (displayName: string, userId: string, index: number): Promise<StoredResource | undefined> => {
    const step = stepOf(GROUP_EVENTS.create, index);
    try {
      return await deps.resources.create(step, groupType, { schemas: [groupType.schema], displayName, members: [{ value: userId }] });
    } catch (error) {
      if (error instanceof ScimError) step.operation?.fail({ status: error.status, scimType: error.scimType });
      if (error instanceof ScimError && error.scimType === ScimType.uniqueness) return undefined;
      throw error;
    }
  };

  /** Undoing a group this import created for `userId`: deleted unless someone else joined it meanwhile. */
  const deleteIfUnused = async (key: string, groupId: string, userId: string, index: number) => {
    // The version is read before the members: a record that joins after these reads moves it, and the delete,
    // conditional on it, then refuses (412) instead of taking the newcomer's group away.
    const { version } = await deps.resources.get(lookup, groupType, groupId);
    const { members } = await deps.resources.computedAttributes(lookup, groupType, groupId);
    if (Array.isArray(members) && members.some((member) => (member as { value?: unknown }).value !== userId)) return;
    try {
      await deps.resources.delete(stepOf(UNDO_EVENTS, index), groupType, groupId, { ifMatch: `W/"${version}"` });
    } catch (error) {
      if (error instanceof ScimError && error.status === 412) return;
      throw error;
    }
    groupIds.delete(key);
  };

  const undoAll = async (undo: readonly Undo[], index: number) => {
    for (const step of [...undo].reverse()) {
      try {
        await step();
      } catch (error) {
        deps.warn({ err: error, tenantId: context.tenantId, index }, 'could not undo a step of a failed import record');
      }
    }
  };

  /** A record as read when it started, or why it could not be read. */
  type Read = { readonly record: ImportedRecord } | { readonly error: unknown };

  /** One record, in its turns: its user's (held until it ends) and one per group it names that was not known yet. */
  const importOne = async (value: unknown, index: number, read: Read, userTurn: Turn | undefined, groupTurns: ReadonlyMap<string, Turn>): Promise<ImportResult> => {
    const originalId = typeof (value as { originalId?: unknown } | null)?.originalId === 'string' ? String((value as { originalId: string }).originalId) : undefined;
    const undo: Undo[] = [];
    const step = stepOf(RECORD_EVENTS, index);
    try {
      if ('error' in read) throw read.error;
      const { record } = read;
      await userTurn?.ready;
      const hash = await openHash(record, index);
      const preset: WritePreset = {
        attributes: { [ProductUrn.user]: { ...record.lifecycle, originalId: record.originalId } },
        internal: hash === undefined ? {} : { passwordHash: hash },
      };
      const { stored, status } = await writeUser(record, preset, undo, step, index);
      if (status === ImportStatus.skipped) step.operation?.succeed();
      // A user this record created joins together with others unless each write is an audited operation of its own.
      else await joinGroups(stored.id, record.groups, groupTurns, undo, index, status === ImportStatus.created && context.operation === undefined);
      return { index, status, id: stored.id, originalId: record.originalId };
    } catch (error) {
      await undoAll(undo, index);
      const scim = error instanceof ScimError ? error : scimErrors.internal(error);
      step.operation?.fail({ status: scim.status, scimType: scim.scimType });
      if (scim.status >= 500) deps.warn({ err: error, tenantId: context.tenantId, index }, 'an import record failed');
      return { index, status: ImportStatus.failed, ...(originalId === undefined ? {} : { originalId }), error: scim.toBody() };
    }
  };

  return {
    importRecord(value, index) {
      // Read, and the turns taken, before any await: records started in file order are served in that order. A group
      // already found or created needs no turn (its joins are batched); one not known yet is created by the first
      // record, in file order, that names it, in that record's spelling.
      let read: Read;
      try {
        read = { record: readRecord(value, index) };
      } catch (error) {
        read = { error };
      }
      const record = 'record' in read ? read.record : undefined;
      const userTurn = record?.userName === undefined ? undefined : take(`user:${record.userName.toLowerCase()}`);
      const groupTurns = new Map(
        (record?.groups ?? []).map((name) => name.toLowerCase()).filter((key) => !groupIds.has(key)).map((key) => [key, take(`group:${key}`)] as const),
      );
      return importOne(value, index, read, userTurn, groupTurns).finally(() => {
        userTurn?.release();
        for (const turn of groupTurns.values()) turn.release();
      });
    },
  };
}

/** RFC 7644 §3.5.2.1 add of members (one write however many), §3.5.2.2 remove of one member. */
function memberPatch(op: 'add', ...userIds: string[]): Record<string, unknown>;
function memberPatch(op: 'remove', userId: string): Record<string, unknown>;
function memberPatch(op: 'add' | 'remove', ...userIds: string[]): Record<string, unknown> {
  const operation = op === 'add' ? { op, path: 'members', value: userIds.map((value) => ({ value })) } : { op, path: `members[value eq ${JSON.stringify(userIds[0])}]` };
  return { schemas: [URN.message.patchOp], Operations: [operation] };
}

function requiredPath(registry: SchemaRegistry, type: ResourceTypeDefinition, text: string) {
  const path = resolveAttributePath(registry, type, text);
  if (!path) throw new Error(`The import needs the attribute ${type.name}.${text}`);
  return path;
}
