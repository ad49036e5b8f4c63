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
import type { Collection, Document, Filter } from 'mongodb';
import { MongoBulkWriteError } from 'mongodb';
import type { PendingChange, PendingChangeInput } from '../membership-store';
import {
  GET_MANY_BATCH,
  type NewResource,
  type ResourceMark,
  type ResourceReplacement,
  type ResourceStore,
  type StoredResource,
  type StoreListResult,
  type StoreQuery,
} from '../resource-store';
import { StoreError } from '../store-error';
import type { StoreModel } from '../model/resource-model';
import type { MemberGroupsResolver } from './filter-to-mongo';
import type { IndexPlan } from './indexes';
import { planList, positionOf, SORT_KEY, SORT_MISSING, SORT_MISSING_STAGE, sortDocument, sortKeyStage, type ListPlan } from './list-query';
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
    const current = await resources.findOne(key(tenantId, resourceType, id), { projection: { _id: 0, version: 1, unversionedRevision: 1 } });
    if (!current) return new StoreError('not_found', `${resourceType} ${id} not found`);
    if (expected.revision !== undefined && expected.revision !== (current.unversionedRevision ?? 0)) {
      return new StoreError('version_mismatch', `${resourceType} ${id} has unversioned revision ${current.unversionedRevision ?? 0}, not ${expected.revision}`);
    }
    // The version matched (or none was asked for), so the model fence refused the write.
    if (expected.fenced && (expected.version === undefined || current.version === expected.version)) return outdatedModelError();
    return new StoreError('version_mismatch', `${resourceType} ${id} is at version ${current.version}, not ${String(expected.version)}`);
  };

  const newDocument = (tenantId: string, resource: NewResource): ResourceDocument => ({
    ...toResourceDocument(tenantId, model.modelOf(resource.resourceType), {
      ...resource,
      version: 1,
      lastModified: resource.created,
      pending: stamped(resource.pending, 1),
    }),
    m: fence.model,
  });

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
          const total = await resources.countDocuments(listPlan.match, limit);
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

    async create(tenantId, resource: NewResource) {
      const document = newDocument(tenantId, resource);
      return run(async () => {
        try {
          await resources.insertOne({ ...document });
        } catch (error) {
          if (isDuplicateKey(error)) throw conflictOf(duplicateKeyDetails(error), resource.resourceType, resource.id, error);
          throw error;
        }
        if ((await takeBackIfOutdated(tenantId, [document])).size > 0) throw outdatedModelError();
        return fromResourceDocument(document);
      });
    },

    async createMany(tenantId, batch: readonly NewResource[]) {
      if (batch.length === 0) return [];
      const documents = batch.map((resource) => newDocument(tenantId, resource));
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
        return documents.map(
          (document, index): StoredResource | StoreError =>
            failed.get(index) ?? (taken.has(`${document.resourceType}/${document.id}`) ? outdatedModelError() : fromResourceDocument(document)),
        );
      });
    },

    async replace(tenantId, resourceType, id, replacement: ResourceReplacement, expectedVersion?: number) {
      const derived = deriveFields(model.modelOf(resourceType), replacement.attributes);
      const data = JSON.stringify(replacement.attributes);
      const internal = JSON.stringify(replacement.internal);
      return run(async () => {
        const target = expectedVersion === undefined ? key(tenantId, resourceType, id) : { ...key(tenantId, resourceType, id), version: expectedVersion };
        // Only a document this model (or an older one) derived: a newer model's fields must not be overwritten.
        const condition = { ...target, ...fence.replaceCondition() };
        let updated: Pick<ResourceDocument, 'version' | 'created' | 'unversioned' | 'unversionedRevision' | 'pending'> | null;
        const set = { lastModified: replacement.lastModified, data, internal, s: derived.s, p: derived.p, u: derived.u, m: fence.model };
        const added = replacement.pending ?? [];
        try {
          updated = await resources.findOneAndUpdate(
            condition,
            added.length === 0
              ? { $set: set, $inc: { version: 1 } }
              : expectedVersion !== undefined
                ? { $set: set, $inc: { version: 1 }, $push: { pending: { $each: stamped(added, expectedVersion + 1) } } }
                : [{ $set: { ...literally(set), ...bumpAndRecord(added) } }],
            { returnDocument: 'after', projection: { _id: 0, version: 1, created: 1, unversioned: 1, unversionedRevision: 1, pending: 1 } },
          );
        } catch (error) {
          if (isDuplicateKey(error)) throw conflictOf(duplicateKeyDetails(error), resourceType, id, error);
          throw error;
        }
        if (!updated) throw await missOf(tenantId, resourceType, id, { version: expectedVersion, fenced: true });
        return fromResourceDocument({ ...updated, resourceType, id, lastModified: replacement.lastModified, data, internal });
      });
    },

    async delete(tenantId, resourceType, id, expectedVersion?: number) {
      await run(async () => {
        const condition = expectedVersion === undefined ? key(tenantId, resourceType, id) : { ...key(tenantId, resourceType, id), version: expectedVersion };
        const { deletedCount } = await resources.deleteOne(condition);
        if (deletedCount === 0) throw await missOf(tenantId, resourceType, id, { version: expectedVersion });
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

    async mark(tenantId, resourceType, id, mark: ResourceMark, expectedVersion?: number) {
      return run(async () => {
        const document =
          expectedVersion === undefined
            ? await resources.findOneAndUpdate(
                key(tenantId, resourceType, id),
                [{ $set: { lastModified: { $max: ['$lastModified', { $literal: mark.lastModified }] }, ...bumpAndRecord(mark.pending) } }],
                { returnDocument: 'after', projection: STORED_PROJECTION },
              )
            : await resources.findOneAndUpdate(
                { ...key(tenantId, resourceType, id), version: expectedVersion },
                { $inc: { version: 1 }, $max: { lastModified: mark.lastModified }, $push: { pending: { $each: stamped(mark.pending, expectedVersion + 1) } } },
                { returnDocument: 'after', projection: STORED_PROJECTION },
              );
        if (!document) throw await missOf(tenantId, resourceType, id, { version: expectedVersion });
        return fromResourceDocument(document as ResourceDocument);
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
    const match = plan.after ? { $and: [plan.match, plan.after] } : plan.match;
    return resources.find(match, { projection: STORED_PROJECTION, sort: sortDocument(plan.sort), skip: plan.skip, limit, ...timeLimit }).toArray();
  }
  const pipeline: Document[] = [{ $match: plan.match }, sortKeyStage(plan.sort), SORT_MISSING_STAGE];
  if (plan.after) pipeline.push({ $match: plan.after });
  pipeline.push({ $sort: sortDocument(plan.sort) });
  if (plan.skip > 0) pipeline.push({ $skip: plan.skip });
  pipeline.push({ $limit: limit }, { $project: { ...STORED_PROJECTION, [SORT_KEY]: 1, [SORT_MISSING]: 1 } });
  // A sort on an attribute without an index sorts in memory; servers before 6.0 refuse one over 100 MB without this.
  return resources.aggregate(pipeline, { allowDiskUse: true, ...timeLimit }).toArray();
}
