// ResourceStore on MongoDB. Every write is ONE single-document operation, so correctness needs no multi-document
// transaction (a standalone mongod has none; ARCHITECTURE "Store notes"):
//   - create is an insert; a unique index (resource id, or a unique attribute's folded values) refuses a duplicate
//     atomically with the write itself (E11000 -> StoreError `conflict` naming the attribute);
//   - replace is a conditional findOneAndUpdate on { tenantId, resourceType, id [, version] } that bumps the version:
//     compare-and-set, so of concurrent writers at one version exactly one wins (the others: `version_mismatch`);
//   - delete is a conditional deleteOne on the same key;
//   - updateInternal is a conditional findOneAndUpdate of the unversioned fields only (with `us`/`up`, the searchable
//     fields of the unversioned attributes), compare-and-set on their revision and, when asked, on the version; it
//     leaves version and lastModified alone, and replace leaves `us`/`up` alone;
//   - mark bumps the version and appends pending membership changes (membership-store.ts) in one update; without an
//     expected version it has no condition at all, so member-only changes of one group never contend. The change is
//     stamped with the version the update writes, computed by the update itself (an aggregation-pipeline update).
// Every query names tenantId first, so no call reaches another tenant and a sharded cluster can target it.
// Creates and replaces also pass the model fence (model-generations.ts): during a rolling deploy with a schema change,
// an instance of the older version never leaves a document with stale derived fields behind.
//
// A write's effects (outbox messages: the audit events of the change) must exist exactly when the write does, and
// there is no transaction across the resource and the outbox. So:
//   - create, replace and mark (a member-only change, or a delete's tombstone) put the messages INTO the resource
//     document (`outboxPending`, pushed by the same single-document write), then append them to the outbox
//     (idempotent on their keys), then pull them out of the document. A tombstoned document is removed by the
//     membership store's settle(), which first appends whatever messages it still holds.
//     A process that dies after the write leaves them in the document, where recoverEffects() (run by every worker
//     host) finds them by an index on their time, appends them and pulls them. Pushing rather than setting keeps the
//     messages of a concurrent write to the same resource side by side; a message is pulled by its id only. An insert
//     the model fence takes back takes its messages with it (they are appended only after the fence let it stay).
//   - delete (the direct removal; the service deletes through a tombstone) cannot leave anything in a document it removes. Its messages are appended to the outbox first, HELD (a
//     condition: "the resource is gone", available only when a short hold ends), then the document is deleted, then
//     the messages are released (or discarded when nothing was deleted). A process that dies in between leaves held
//     messages that surface when the hold ends, and the audit topic checks the condition before delivering them
//     (src/extensions/audit/confirm-condition.ts). A delete also appends what an earlier write left in the document.
import type { Collection, Document, Filter } from 'mongodb';
import { MongoBulkWriteError } from 'mongodb';
import { isBeingDeleted, type PendingChange, type PendingChangeInput } from '../membership-store';
import type { NewOutboxMessage, OutboxStore } from '../outbox-store';
import {
  GET_MANY_BATCH,
  type NewResource,
  type ResourceMark,
  type ResourceReplacement,
  type ResourceStore,
  type StoredResource,
  type StoreListResult,
  type StoreQuery,
  type WriteEffects,
} from '../resource-store';
import { StoreError } from '../store-error';
import type { StoreModel } from '../model/resource-model';
import type { MemberGroupsResolver } from './filter-to-mongo';
import type { IndexPlan } from './indexes';
import { planList, positionOf, SORT_KEY, SORT_MISSING, SORT_MISSING_STAGE, sortDocument, sortKeyStage, valueAt, type ListPlan } from './list-query';
import { DUPLICATE_KEY, duplicateKeyDetails, duplicateKeyIndex, isDuplicateKey, timeLimited, whenReady, type DuplicateKeyDetails } from './mongo-errors';
import {
  deriveFields,
  deriveUnversionedFields,
  fromResourceDocument,
  STORED_PROJECTION,
  toResourceDocument,
  type ResourceDocument,
  type StoredFields,
} from './resource-document';
import { outdatedModelError, type ModelFence } from './model-generations';

export interface MongoResourceStoreDeps {
  readonly resources: Collection<ResourceDocument>;
  readonly model: StoreModel;
  readonly plan: IndexPlan;
  /** Ids of the groups with a membership matching a query (the membership store answers it). */
  readonly memberGroups: (tenantId: string) => MemberGroupsResolver;
  /** Runs before every operation: resolves once the indexes exist (see mongo-store.ts). */
  readonly ready: () => Promise<void>;
  readonly fence: ModelFence;
  /** maxTimeMS of the count and page of a list: the server stops a query past it (MaxTimeMSExpired -> `timeout`). */
  readonly queryTimeoutMs?: number;
  /** Where a write's effects go. */
  readonly outbox: Pick<OutboxStore, 'append' | 'release' | 'discard'>;
}

/** A message kept in a resource document until it is in the outbox: the payload and condition as JSON text, like the outbox's own documents. */
export interface PendingMessage {
  readonly id: string;
  readonly topic: string;
  readonly key: string;
  readonly payload: string;
  readonly created: string;
  readonly availableAt?: string;
}

/** How long a delete's messages are held before the audit topic checks them itself (the writer died meanwhile). */
export const DELETE_HOLD_MS = 30_000;

/** The condition a delete's held messages carry: the resource no longer exists. */
export function resourceGoneCondition(resourceType: string, id: string) {
  return { kind: 'resourceDeleted', resourceType, id } as const;
}

const toPending = (message: NewOutboxMessage): PendingMessage => ({
  id: message.id,
  topic: message.topic,
  key: message.key,
  payload: JSON.stringify(message.payload),
  created: message.created,
  ...(message.availableAt === undefined ? {} : { availableAt: message.availableAt }),
});

const fromPending = (tenantId: string, pending: PendingMessage): NewOutboxMessage => ({
  id: pending.id,
  tenantId,
  topic: pending.topic,
  key: pending.key,
  payload: JSON.parse(pending.payload) as NewOutboxMessage['payload'],
  created: pending.created,
  ...(pending.availableAt === undefined ? {} : { availableAt: pending.availableAt }),
});

/** A classic update's `$push` of a write's effects into the document (spread into an existing `$push`). */
const pushedEffects = (effects: WriteEffects | undefined): Document =>
  effects && effects.length > 0 ? { outboxPending: { $each: effects.map(toPending) } } : {};

/** A classic update's `$push` clause of a write's effects, when it has no other `$push`. */
const pushEffects = (effects: WriteEffects | undefined): Document => (effects && effects.length > 0 ? { $push: pushedEffects(effects) } : {});

/** The same for a pipeline update's `$set`: appended as literals (a "$" in a payload must not be read as a field). */
const appendedEffects = (effects: WriteEffects | undefined): Document =>
  effects && effects.length > 0 ? { outboxPending: { $concatArrays: [{ $ifNull: ['$outboxPending', []] }, { $literal: effects.map(toPending) }] } } : {};

/**
 * Appends the messages a document still holds (a write whose process died before it appended them), before the
 * document is removed: the membership store's settle() of a tombstone calls it (idempotent on the messages' keys).
 */
export async function appendHeldEffects(outbox: Pick<OutboxStore, 'append'>, tenantId: string, held: readonly PendingMessage[] | undefined): Promise<void> {
  if (held && held.length > 0) await outbox.append(held.map((pending) => fromPending(tenantId, pending)));
}

/** Keys by topic, for release and discard (which take one topic each). */
function keysByTopic(messages: readonly NewOutboxMessage[]): Map<string, string[]> {
  const byTopic = new Map<string, string[]>();
  for (const message of messages) byTopic.set(message.topic, [...(byTopic.get(message.topic) ?? []), message.key]);
  return byTopic;
}

export function createMongoResourceStore(deps: MongoResourceStoreDeps): ResourceStore {
  const { resources, model, plan, fence } = deps;
  const run = whenReady(deps.ready);

  const conflictOf = (details: DuplicateKeyDetails, resourceType: string, id: string, cause: unknown): StoreError => {
    const { fields, indexName } = duplicateKeyIndex(details);
    const attribute =
      (indexName !== undefined ? plan.conflictAttributes.get(indexName) : undefined) ??
      fields?.map((field) => plan.conflictFields.get(field)).find((found) => found !== undefined);
    if (attribute === 'id') return new StoreError('conflict', `${resourceType} ${id} already exists`, { attribute, cause });
    // A unique index this server did not create (an operator's own): a conflict, but on no attribute we can name.
    if (attribute === undefined) return new StoreError('conflict', `${resourceType} ${id} conflicts with an existing resource`, { cause });
    return new StoreError('conflict', `Another ${resourceType} already has this ${attribute}`, { attribute, cause });
  };

  const key = (tenantId: string, resourceType: string, id: string) => ({ tenantId, resourceType, id });

  /** After a conditional write matched nothing: was the resource missing, at another version (or revision), or of a newer model? */
  const missOf = async (
    tenantId: string,
    resourceType: string,
    id: string,
    expected: { version?: number; revision?: number; fenced?: boolean },
  ): Promise<StoreError> => {
    const current = await resources.findOne(key(tenantId, resourceType, id), { projection: { _id: 0, version: 1, unversionedRevision: 1, pending: 1 } });
    // A resource whose delete is recorded is gone for every reader (membership-store.ts refusesMark).
    if (!current || isBeingDeleted(current)) return new StoreError('not_found', `${resourceType} ${id} not found`);
    if (expected.revision !== undefined && expected.revision !== (current.unversionedRevision ?? 0)) {
      return new StoreError('version_mismatch', `${resourceType} ${id} has unversioned revision ${current.unversionedRevision ?? 0}, not ${expected.revision}`);
    }
    // The version matched (or none was asked for), so the model fence refused the write.
    if (expected.fenced && (expected.version === undefined || current.version === expected.version)) return outdatedModelError();
    return new StoreError('version_mismatch', `${resourceType} ${id} is at version ${current.version}, not ${String(expected.version)}`);
  };

  const newDocument = (tenantId: string, resource: NewResource, effects: WriteEffects | undefined): ResourceDocument & { outboxPending?: PendingMessage[] } => {
    const document: ResourceDocument = {
      ...toResourceDocument(tenantId, model.modelOf(resource.resourceType), {
        ...resource,
        version: 1,
        lastModified: resource.created,
        pending: stamped(resource.pending, 1),
      }),
      m: fence.model,
    };
    return effects && effects.length > 0 ? { ...document, outboxPending: effects.map(toPending) } : document;
  };

  /**
   * After inserts: if another model became current meanwhile, an insert may have landed behind the rebuild's scan, so
   * each is taken back while it is still as inserted (an insert somebody has written since was rewritten by them)
   * and answered as refused. Resolves to the keys taken back.
   */
  const takeBackIfOutdated = async (tenantId: string, inserted: readonly ResourceDocument[]): Promise<Set<string>> => {
    const taken = new Set<string>();
    if (inserted.length === 0 || !(await fence.outdated())) return taken;
    for (const document of inserted) {
      const { deletedCount } = await resources.deleteOne({ ...key(tenantId, document.resourceType, document.id), version: 1, m: fence.model });
      if (deletedCount > 0) taken.add(`${document.resourceType}/${document.id}`);
    }
    return taken;
  };

  /** The second and third steps of a create, replace or mark: the messages into the outbox, then out of the document(s). */
  const settleEffects = async (tenantId: string, resourceType: string, ids: readonly string[], effects: readonly NewOutboxMessage[]) => {
    if (effects.length === 0) return;
    await deps.outbox.append(effects);
    await resources.updateMany({ tenantId, resourceType, id: { $in: [...ids] } }, { $pull: { outboxPending: { id: { $in: effects.map((effect) => effect.id) } } } } as Document);
  };

  return {
    async get(tenantId, resourceType, id) {
      return run(async () => {
        const document = await resources.findOne(key(tenantId, resourceType, id), { projection: STORED_PROJECTION });
        return document ? fromResourceDocument(document) : null;
      });
    },

    async getMany(tenantId, resourceType, ids) {
      const distinct = [...new Set(ids)];
      return run(async () => {
        const found: StoredResource[] = [];
        // Each batch is one $in query on the unique (tenantId, resourceType, id) index.
        for (let start = 0; start < distinct.length; start += GET_MANY_BATCH) {
          const batch = distinct.slice(start, start + GET_MANY_BATCH);
          const documents = await resources.find({ tenantId, resourceType, id: { $in: batch } }, { projection: STORED_PROJECTION }).toArray();
          for (const document of documents) found.push(fromResourceDocument(document as StoredFields));
        }
        return found;
      });
    },

    async scan(tenantId, resourceType, { after, limit }) {
      const wanted = Math.max(0, Math.trunc(limit));
      return run(async () => {
        const match = after === undefined ? { tenantId, resourceType } : { tenantId, resourceType, id: { $gt: after } };
        // One document more than asked: its presence says another page follows. No count: exports walk everything.
        const documents = await resources.find(match, { projection: STORED_PROJECTION, sort: { id: 1 }, limit: wanted + 1 }).toArray();
        const page = documents.slice(0, wanted).map((document) => fromResourceDocument(document as StoredFields));
        return documents.length > wanted && page.length > 0 ? { resources: page, next: page[page.length - 1].id } : { resources: page };
      });
    },

    async list(tenantId, query: StoreQuery): Promise<StoreListResult> {
      return run(async () => {
        const listPlan = await planList(query, { model: model.modelOf(query.resourceType), tenantId, memberGroups: deps.memberGroups(tenantId) });
        // The count and the page are two reads; without a transaction they may see different moments under
        // concurrent writes (the embedded store's single snapshot is not available on a standalone server).
        const limit = deps.queryTimeoutMs === undefined ? {} : { maxTimeMS: deps.queryTimeoutMs };
        const { totalResults, documents } = await timeLimited(async () => {
          const total = listPlan.knownTotal ?? (await resources.countDocuments(listPlan.match, limit));
          return { totalResults: total, documents: listPlan.limit === 0 ? [] : await readPage(resources, listPlan, limit) };
        });
        if (listPlan.limit === 0) return { resources: [], totalResults };
        // Keyset pages read one document more than asked: its presence says another page follows.
        const page = documents.slice(0, listPlan.limit);
        const last = page[page.length - 1];
        const more = listPlan.keyset && documents.length > listPlan.limit && last !== undefined;
        return {
          resources: page.map((document) => fromResourceDocument(document as ResourceDocument)),
          totalResults,
          ...(more ? { next: positionOf(listPlan.sort, last) } : {}),
        };
      });
    },

    async create(tenantId, resource: NewResource, effects?: WriteEffects) {
      const document = newDocument(tenantId, resource, effects);
      return run(async () => {
        try {
          await resources.insertOne({ ...document });
        } catch (error) {
          if (isDuplicateKey(error)) throw conflictOf(duplicateKeyDetails(error), resource.resourceType, resource.id, error);
          throw error;
        }
        if ((await takeBackIfOutdated(tenantId, [document])).size > 0) throw outdatedModelError();
        await settleEffects(tenantId, resource.resourceType, [resource.id], effects ?? []);
        return fromResourceDocument(document);
      });
    },

    async createMany(tenantId, batch: readonly NewResource[], effects?: readonly (WriteEffects | undefined)[]) {
      if (batch.length === 0) return [];
      const documents = batch.map((resource, index) => newDocument(tenantId, resource, effects?.[index]));
      return run(async () => {
        // One unordered bulk write: every insert is tried, and a duplicate fails that insert only, whether it collides
        // with a stored resource or with an earlier item of the batch (the unique indexes see both).
        const failed = new Map<number, StoreError>();
        try {
          await resources.bulkWrite(
            documents.map((document) => ({ insertOne: { document: { ...document } } })),
            { ordered: false },
          );
        } catch (error) {
          if (!(error instanceof MongoBulkWriteError)) throw error;
          const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
          // A failure that is not about one item (the server went away, a write concern failed) fails the call.
          if (writeErrors.length === 0 || error.err !== undefined || writeErrors.some((writeError) => writeError.code !== DUPLICATE_KEY)) throw error;
          for (const writeError of writeErrors) {
            const resource = batch[writeError.index];
            const details = { message: writeError.errmsg ?? '', keyPattern: (writeError.err as { keyPattern?: unknown }).keyPattern };
            failed.set(writeError.index, conflictOf(details, resource.resourceType, resource.id, error));
          }
        }
        const taken = await takeBackIfOutdated(
          tenantId,
          documents.filter((_, index) => !failed.has(index)),
        );
        const refused = (index: number) => failed.has(index) || taken.has(`${batch[index].resourceType}/${batch[index].id}`);
        // The effects of the items written (a refused item left neither its document nor its messages), per resource
        // type (the service writes one type per batch; grouped anyway, so that each pull names its own documents).
        const written = batch.map((resource, index) => ({ resource, effects: effects?.[index] ?? [] })).filter((_item, index) => !refused(index));
        for (const resourceType of new Set(written.map((item) => item.resource.resourceType))) {
          const ofType = written.filter((item) => item.resource.resourceType === resourceType);
          await settleEffects(tenantId, resourceType, ofType.map((item) => item.resource.id), ofType.flatMap((item) => [...item.effects]));
        }
        return documents.map(
          (document, index): StoredResource | StoreError =>
            failed.get(index) ?? (taken.has(`${document.resourceType}/${document.id}`) ? outdatedModelError() : fromResourceDocument(document)),
        );
      });
    },

    async replace(tenantId, resourceType, id, replacement: ResourceReplacement, expectedVersion?: number, effects?: WriteEffects) {
      const derived = deriveFields(model.modelOf(resourceType), replacement.attributes, id);
      const data = JSON.stringify(replacement.attributes);
      const internal = JSON.stringify(replacement.internal);
      return run(async () => {
        const target = expectedVersion === undefined ? key(tenantId, resourceType, id) : { ...key(tenantId, resourceType, id), version: expectedVersion };
        // Only a document this model (or an older one) derived: a newer model's fields must not be overwritten.
        const condition = { ...target, ...fence.replaceCondition() };
        let updated: Pick<ResourceDocument, 'version' | 'created' | 'unversioned' | 'unversionedRevision' | 'pending'> | null;
        const set = { lastModified: replacement.lastModified, data, internal, s: derived.s, p: derived.p, u: derived.u, o: derived.o, g: derived.g, m: fence.model };
        const added = replacement.pending ?? [];
        try {
          updated = await resources.findOneAndUpdate(
            condition,
            added.length === 0
              ? ({ $set: set, $inc: { version: 1 }, ...pushEffects(effects) } as Document)
              : expectedVersion !== undefined
                ? ({ $set: set, $inc: { version: 1 }, $push: { pending: { $each: stamped(added, expectedVersion + 1) }, ...pushedEffects(effects) } } as Document)
                : [{ $set: { ...literally(set), ...bumpAndRecord(added), ...appendedEffects(effects) } }],
            { returnDocument: 'after', projection: { _id: 0, version: 1, created: 1, unversioned: 1, unversionedRevision: 1, pending: 1 } },
          );
        } catch (error) {
          if (isDuplicateKey(error)) throw conflictOf(duplicateKeyDetails(error), resourceType, id, error);
          throw error;
        }
        if (!updated) throw await missOf(tenantId, resourceType, id, { version: expectedVersion, fenced: true });
        await settleEffects(tenantId, resourceType, [id], effects ?? []);
        return fromResourceDocument({ ...updated, resourceType, id, lastModified: replacement.lastModified, data, internal });
      });
    },

    async delete(tenantId, resourceType, id, expectedVersion?: number, effects?: WriteEffects) {
      await run(async () => {
        const condition = expectedVersion === undefined ? key(tenantId, resourceType, id) : { ...key(tenantId, resourceType, id), version: expectedVersion };
        const held = (effects ?? []).map((message) => ({
          ...message,
          availableAt: new Date(Date.parse(message.created) + DELETE_HOLD_MS).toISOString(),
          condition: resourceGoneCondition(resourceType, id),
        }));
        if (held.length > 0) await deps.outbox.append(held);
        const deleted = (await resources.findOneAndDelete(condition, { projection: { outboxPending: 1 } })) as { outboxPending?: PendingMessage[] } | null;
        const byTopic = keysByTopic(held);
        if (!deleted) {
          for (const [topic, keys] of byTopic) await deps.outbox.discard(tenantId, topic, keys);
          throw await missOf(tenantId, resourceType, id, { version: expectedVersion });
        }
        // Messages of an earlier write whose process died before it appended them leave with the document: append them now.
        await appendHeldEffects(deps.outbox, tenantId, deleted.outboxPending);
        const releasedAt = held[0]?.created ?? new Date().toISOString();
        for (const [topic, keys] of byTopic) await deps.outbox.release(tenantId, topic, keys, releasedAt);
      });
    },

    async updateInternal(tenantId, resourceType, id, values, expectedRevision?: number, expectedVersion?: number) {
      const unversioned = JSON.stringify(values);
      const { us, up } = deriveUnversionedFields(model.modelOf(resourceType), values);
      return run(async () => {
        // A document written before the field existed has no revision: it is at revision 0 ($in with null matches
        // a missing field).
        const revision = expectedRevision === 0 ? { unversionedRevision: { $in: [0, null] } } : { unversionedRevision: expectedRevision };
        const condition = {
          ...key(tenantId, resourceType, id),
          ...(expectedRevision === undefined ? {} : revision),
          ...(expectedVersion === undefined ? {} : { version: expectedVersion }),
          // `us`/`up` derived by an older model must not land on a document a newer one derived.
          ...fence.replaceCondition(),
        } as Filter<ResourceDocument>;
        const updated = await resources.findOneAndUpdate(
          condition,
          { $set: { unversioned, us, up }, $inc: { unversionedRevision: 1 } },
          { returnDocument: 'after', projection: STORED_PROJECTION },
        );
        if (!updated) throw await missOf(tenantId, resourceType, id, { revision: expectedRevision, version: expectedVersion, fenced: true });
        return fromResourceDocument(updated as StoredFields);
      });
    },

    async mark(tenantId, resourceType, id, mark: ResourceMark, expectedVersion?: number, effects?: WriteEffects) {
      return run(async () => {
        // A resource whose delete is recorded takes no other change (membership-store.ts refusesMark): the condition is
        // part of the one update, so a delete recorded a moment before makes it match nothing (missOf: not_found).
        const live = mark.pending.some((pending) => pending.change.kind !== 'delete') ? { 'pending.change.kind': { $ne: 'delete' } } : {};
        const document =
          expectedVersion === undefined
            ? await resources.findOneAndUpdate(
                { ...key(tenantId, resourceType, id), ...live },
                [{ $set: { lastModified: { $max: ['$lastModified', { $literal: mark.lastModified }] }, ...bumpAndRecord(mark.pending), ...appendedEffects(effects) } }],
                { returnDocument: 'after', projection: STORED_PROJECTION },
              )
            : await resources.findOneAndUpdate(
                { ...key(tenantId, resourceType, id), ...live, version: expectedVersion },
                { $inc: { version: 1 }, $max: { lastModified: mark.lastModified }, $push: { pending: { $each: stamped(mark.pending, expectedVersion + 1) }, ...pushedEffects(effects) } } as Document,
                { returnDocument: 'after', projection: STORED_PROJECTION },
              );
        if (!document) throw await missOf(tenantId, resourceType, id, { version: expectedVersion });
        await settleEffects(tenantId, resourceType, [id], effects ?? []);
        return fromResourceDocument(document as ResourceDocument);
      });
    },

    async recoverEffects(before, limit) {
      return run(async () => {
        const stranded = (await resources
          .find({ 'outboxPending.created': { $lt: before } } as Document, { projection: { _id: 0, tenantId: 1, resourceType: 1, id: 1, outboxPending: 1 }, limit })
          .toArray()) as unknown as Array<Pick<ResourceDocument, 'tenantId' | 'resourceType' | 'id'> & { outboxPending: PendingMessage[] }>;
        for (const document of stranded) {
          const messages = document.outboxPending.filter((pending) => pending.created < before).map((pending) => fromPending(document.tenantId, pending));
          await settleEffects(document.tenantId, document.resourceType, [document.id], messages);
        }
        return stranded.length;
      });
    },
  };
}

/** Changes as recorded by a write that leaves the resource at `version`. */
function stamped(changes: readonly PendingChangeInput[] | undefined, version: number): PendingChange[] {
  return (changes ?? []).map((change) => ({ id: change.id, stamp: version, change: change.change }));
}

/**
 * The `$set` of a pipeline update that bumps the version and appends changes stamped with the new version. Every
 * value from the request goes through $literal: in a pipeline, a string that starts with "$" would be read as a field.
 */
function bumpAndRecord(changes: readonly PendingChangeInput[]): Document {
  const newVersion = { $add: ['$version', 1] };
  return {
    version: newVersion,
    pending: {
      $concatArrays: [
        { $ifNull: ['$pending', []] },
        changes.map((change) => ({ $mergeObjects: [{ $literal: { id: change.id, change: change.change } }, { stamp: newVersion }] })),
      ],
    },
  };
}

/** Plain values for a pipeline `$set`, each as a $literal. */
function literally(values: Record<string, unknown>): Document {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { $literal: value }]));
}

async function readPage(resources: Collection<ResourceDocument>, plan: ListPlan, timeLimit: { maxTimeMS?: number }): Promise<Document[]> {
  const limit = plan.keyset ? plan.limit + 1 : plan.limit;
  if (plan.sort.kind !== 'expression') {
    const sort = sortDocument(plan.sort);
    // A kept sort key is read back for the keyset position of the last row.
    const projection = plan.sort.kind === 'keyed' ? { ...STORED_PROJECTION, [plan.sort.field]: 1 } : STORED_PROJECTION;
    if (plan.seek) {
      // A deep index page: the index alone steps over the skipped rows (projected on its own fields, the query is
      // covered: no document is fetched for them), then the page is read from the key it reached.
      const [first] = await resources.find(plan.match, { projection: { _id: 0, [plan.seek]: 1 }, sort, skip: plan.skip, limit: 1, ...timeLimit }).toArray();
      if (!first) return [];
      const from = { [plan.seek]: { [plan.sort.direction === 1 ? '$gte' : '$lte']: valueAt(first, plan.seek) } };
      return resources.find({ $and: [from, plan.match] }, { projection, sort, limit, ...timeLimit }).toArray();
    }
    // The keyset condition first: with a kept key or id, it is the start of the index range the page reads.
    const match = plan.after ? { $and: [plan.after, plan.match] } : plan.match;
    return resources.find(match, { projection, sort, skip: plan.skip, limit, ...timeLimit }).toArray();
  }
  const pipeline: Document[] = [{ $match: plan.match }, sortKeyStage(plan.sort), SORT_MISSING_STAGE];
  if (plan.after) pipeline.push({ $match: plan.after });
  pipeline.push({ $sort: sortDocument(plan.sort) });
  if (plan.skip > 0) pipeline.push({ $skip: plan.skip });
  pipeline.push({ $limit: limit }, { $project: { ...STORED_PROJECTION, [SORT_KEY]: 1, [SORT_MISSING]: 1 } });
  // A sort on an attribute without an index sorts in memory; servers before 6.0 refuse one over 100 MB without this.
  return resources.aggregate(pipeline, { allowDiskUse: true, ...timeLimit }).toArray();
}
