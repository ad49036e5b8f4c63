// The rebuild of derived fields on MongoDB (../derived-data.ts), in batches a leased job runs
// (src/jobs/derived-data-rebuild.ts): one instance does it, a batch at a time, and a takeover resumes after the
// last batch's key. The scan walks the resources in (tenantId, resourceType, id) order on the unique index, so it
// reads each document once whatever else is written meanwhile, and rewrites only documents whose `m` is not this
// model. Each rewrite is a compare-and-set on the version it read and on `m` (the write fence of
// model-generations.ts) and on the revision of its unversioned attributes (their `us`/`up` are derived again too): a
// document written meanwhile is read again and derived from its new attributes; one that a newer model already wrote
// is left alone.
import type { Collection, Filter } from 'mongodb';
import type { StoreModel } from '../model/resource-model';
import type { DerivedDataMaintenance, RebuildBatch } from '../derived-data';
import type { JsonValue } from '../json-value';
import { StoreError } from '../store-error';
import type { IndexPlan } from './indexes';
import { duplicateKeyDetails, duplicateKeyIndex, isDuplicateKey } from './mongo-errors';
import type { ModelFence } from './model-generations';
import { deriveFields, deriveUnversionedFields, type ResourceDocument } from './resource-document';

interface Position {
  readonly tenantId: string;
  readonly resourceType: string;
  readonly id: string;
}

type Scanned = Pick<ResourceDocument, 'tenantId' | 'resourceType' | 'id' | 'version' | 'data' | 'm' | 'unversioned' | 'unversionedRevision'> & {
  readonly _id: unknown;
};

const SCAN_PROJECTION = { _id: 1, tenantId: 1, resourceType: 1, id: 1, version: 1, data: 1, m: 1, unversioned: 1, unversionedRevision: 1 } as const;
/** A document rewritten this many times during its own rebuild is left for a later batch's caller to see fail. */
const MAX_REREADS = 10;

export interface MongoDerivedDataDeps {
  readonly resources: Collection<ResourceDocument>;
  readonly model: StoreModel;
  readonly plan: IndexPlan;
  readonly fence: ModelFence;
  /** Runs a call once the database is prepared, reporting an unreachable server as `unavailable`. */
  readonly run: <T>(call: () => Promise<T>) => Promise<T>;
}

export function createMongoDerivedData(deps: MongoDerivedDataDeps): DerivedDataMaintenance {
  const { resources, model, plan, fence, run } = deps;

  const after = (position: Position): Filter<ResourceDocument> => ({
    $or: [
      { tenantId: { $gt: position.tenantId } },
      { tenantId: position.tenantId, resourceType: { $gt: position.resourceType } },
      { tenantId: position.tenantId, resourceType: position.resourceType, id: { $gt: position.id } },
    ],
  });

  /** Rewrites one document's derived fields for this model; 1 when it did, 0 when nothing was left to do. */
  const rebuildOne = async (first: Scanned): Promise<number> => {
    let document: Scanned | null = first;
    for (let read = 0; read < MAX_REREADS; read++) {
      if (!document || document.m === fence.model) return 0;
      const resourceModel = model.modelOf(document.resourceType);
      const derived = deriveFields(resourceModel, JSON.parse(document.data) as Record<string, unknown>, document.id);
      const { us, up } = deriveUnversionedFields(resourceModel, JSON.parse(document.unversioned ?? '{}') as Record<string, unknown>);
      // A document never given unversioned attributes has no revision ($in with null matches a missing field).
      const revision = document.unversionedRevision ?? { $in: [0, null] };
      try {
        const { matchedCount } = await resources.updateOne(
          { _id: document._id, version: document.version, unversionedRevision: revision, ...fence.replaceCondition() } as Filter<ResourceDocument>,
          { $set: { s: derived.s, p: derived.p, u: derived.u, o: derived.o, g: derived.g, us, up, m: fence.model } },
        );
        if (matchedCount > 0) return 1;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const { fields, indexName } = duplicateKeyIndex(duplicateKeyDetails(error));
        const attribute = (indexName && plan.conflictAttributes.get(indexName)) ?? fields?.map((field) => plan.conflictFields.get(field)).find(Boolean) ?? 'a unique attribute';
        throw new Error(
          `Cannot enforce the uniqueness of ${document.resourceType}.${attribute} in tenant ${document.tenantId}: ${document.resourceType} ${document.id} repeats a value another resource holds; change one of them (with the previous server version, or through SCIM) and retry the rebuild`,
          { cause: error },
        );
      }
      // Written meanwhile (by a client through any instance, or by a newer model): derive from what is there now.
      document = (await resources.findOne({ _id: document._id } as Filter<ResourceDocument>, { projection: SCAN_PROJECTION })) as Scanned | null;
    }
    throw new StoreError('unavailable', `${first.resourceType} ${first.id} kept changing while its derived fields were rebuilt; the rebuild will retry`);
  };

  return {
    model: fence.model,
    state: () => run(() => fence.state()),
    countResources: () => run(() => resources.countDocuments({})),

    async rebuildBatch(position, limit): Promise<RebuildBatch> {
      return run(async () => {
        if (await fence.outdated()) {
          throw new StoreError('conflict', 'A newer schema model became current: this rebuild is superseded by the newer one');
        }
        const filter = position ? after(position as unknown as Position) : {};
        const documents = (await resources
          .find(filter, { projection: SCAN_PROJECTION, sort: { tenantId: 1, resourceType: 1, id: 1 }, limit })
          .toArray()) as unknown as Scanned[];
        let rebuilt = 0;
        for (const document of documents) rebuilt += await rebuildOne(document);
        if (documents.length < limit) {
          // The end of the pass: every document before it is derived for this model, or was written by a newer one.
          if (!(await fence.markRebuilt())) throw new StoreError('conflict', 'A newer schema model became current: this rebuild is superseded by the newer one');
          return { rebuilt, scanned: documents.length };
        }
        const last = documents[documents.length - 1];
        const next: JsonValue = { tenantId: last.tenantId, resourceType: last.resourceType, id: last.id };
        return { rebuilt, scanned: documents.length, next };
      });
    },
  };
}
