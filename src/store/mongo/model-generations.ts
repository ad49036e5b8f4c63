// Which schema model the MongoDB store is derived for, and the write fence that keeps an older server version from
// leaving stale derived fields behind during a rolling deploy (see ../derived-data.ts).
//
// store_meta { _id: 'model', current, history: [oldest … newest], rebuilt } records the current model, every model
// that was current before it, in order, and the model for which every stored resource is derived. Each resource
// document carries `m`, the model that derived its fields (absent on documents written before models were recorded).
//
// The fence, without transactions:
//   1. A new model is recorded as current BEFORE its rebuild starts; the rebuild rewrites every document whose `m` is
//      not the new model, each with a compare-and-set on its version, and sets `m`.
//   2. A replace is conditional on `m` being this instance's model or one recorded before it (or absent): once the
//      rebuild (or a newer instance) has written a document, an older instance's replace matches nothing and is
//      refused (StoreError `unavailable`: 503, retried by the client, on an up-to-date instance behind the balancer).
//   3. An insert is followed by a read of the current model: if it is no longer this instance's, the insert may have
//      landed behind the rebuild's scan, so it is taken back (deleted while still at version 1 and of this model)
//      and refused the same way. An insert that the read shows current happened before the model changed, so the
//      rebuild, which starts after that change, sees it.
// A deleted document leaves nothing stale; memberships, tenants and tokens have no derived fields.
import type { Collection, Filter } from 'mongodb';
import { StoreError } from '../store-error';
import { DerivedDataState } from '../derived-data';
import { isDuplicateKey } from './mongo-errors';
import type { ResourceDocument } from './resource-document';

export const MODEL_KEY = 'model';
/** Where versions before models were recorded kept the fingerprint of the derivation. */
const LEGACY_DERIVATION_KEY = 'derivation';

export interface ModelDocument {
  readonly _id: string;
  readonly current?: string;
  readonly history?: string[];
  readonly rebuilt?: string | null;
  /** Legacy documents ({ _id: 'derivation', value }). */
  readonly value?: string;
}

export interface ModelFence {
  readonly model: string;
  /** The filter a replace adds: the document was derived by this model or an older one. */
  replaceCondition(): Filter<ResourceDocument>;
  /** Whether another model has become current (this instance is outdated). One read by _id. */
  outdated(): Promise<boolean>;
  state(): Promise<DerivedDataState>;
  /** Records the model at start-up (see above); returns the state it leaves this instance in. */
  register(hasResources: () => Promise<boolean>): Promise<DerivedDataState>;
  /** Records that every stored resource is derived for this model, if it is still current. */
  markRebuilt(): Promise<boolean>;
}

/** The refusal an outdated instance answers a write with. */
export function outdatedModelError(): StoreError {
  return new StoreError(
    'unavailable',
    'This server runs an older schema model than the one the stored data was rebuilt for, so it cannot write this resource; retry against an up-to-date instance',
  );
}

export function createModelFence(meta: Collection<ModelDocument>, model: string): ModelFence {
  /** The models this instance may overwrite: its own and those recorded before it (learnt at registration). */
  let writable: string[] = [model];

  const read = () => meta.findOne({ _id: MODEL_KEY });
  const stateOf = (document: ModelDocument | null): DerivedDataState => {
    if (document?.current !== model) return DerivedDataState.outdated;
    return document.rebuilt === model ? DerivedDataState.current : DerivedDataState.rebuilding;
  };

  return {
    model,
    // `null` in $in also matches a document without the field (written before models were recorded).
    replaceCondition: () => ({ m: { $in: [...writable, null] } }) as Filter<ResourceDocument>,
    async outdated() {
      return (await read())?.current !== model;
    },
    async state() {
      return stateOf(await read());
    },

    async register(hasResources) {
      for (;;) {
        const document = await read();
        if (!document) {
          // First start of a version that records models: the legacy fingerprint (if any) says what the stored
          // documents were derived with.
          const legacy = (await meta.findOne({ _id: LEGACY_DERIVATION_KEY }))?.value;
          const upToDate = legacy === model || !(await hasResources());
          const history = legacy && legacy !== model ? [legacy, model] : [model];
          try {
            await meta.insertOne({ _id: MODEL_KEY, current: model, history, rebuilt: upToDate ? model : (legacy ?? null) });
          } catch (error) {
            // Another instance recorded it first: read again.
            if (!isDuplicateKey(error)) throw error;
          }
          continue;
        }
        const history = document.history ?? [];
        const position = history.indexOf(model);
        if (position >= 0) {
          writable = history.slice(0, position + 1);
          return stateOf(document);
        }
        // A model the store has never seen: a newer version. It becomes current (compare-and-set on the current one),
        // and the stored resources are rebuilt for it from now on.
        const { matchedCount } = await meta.updateOne({ _id: MODEL_KEY, current: document.current }, { $set: { current: model }, $push: { history: model } });
        if (matchedCount > 0 && !(await hasResources())) await meta.updateOne({ _id: MODEL_KEY, current: model }, { $set: { rebuilt: model } });
      }
    },

    async markRebuilt() {
      const { matchedCount } = await meta.updateOne({ _id: MODEL_KEY, current: model }, { $set: { rebuilt: model } });
      return matchedCount > 0;
    },
  };
}
