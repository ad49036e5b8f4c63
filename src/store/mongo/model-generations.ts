// Which schema model the MongoDB store is derived for, and the write fence that keeps another server version from
// leaving stale derived fields behind during a rolling deploy (see ../derived-data.ts).
//
// store_meta { _id: 'model', current, history, rebuilt } records the current model, the order in which models became
// current (a model that comes back is appended again), and the model for which every stored resource is derived.
// Each resource document carries `m`, the model that derived its fields (absent on documents written before models
// were recorded). Each running server records { kind: 'instance', model, expires } there too, renewed every 10 s and
// removed when it closes, so that a starting server can tell whether instances of the current model are still alive;
// each renewal (and every other read of the model document) also refreshes which models this instance may overwrite.
//
// Which model is current. A server starting with a model the store has never seen becomes current (an upgrade, or new
// schemas from SCIM_SCHEMAS_DIR). A server starting with a model the store has seen before takes the store back only
// when no live instance runs the current one (every newer instance was stopped: a rollback, or an extension that an
// operator removed and brought back); otherwise it is an older version that restarted during a rolling deploy, and
// it stays outdated.
//
// The fence, without transactions:
//   1. A model is recorded as current BEFORE its rebuild starts; the rebuild rewrites every document whose `m` is not
//      that model, each with a compare-and-set on its version, and sets `m`.
//   2. A replace is conditional on `m` being this instance's model or one that became current before it last did (or
//      absent): once the rebuild (or an instance of a later model) has written a document, another instance's replace
//      matches nothing and is refused (StoreError `unavailable`: 503, retried by the client, on an up-to-date instance
//      behind the balancer).
//   3. An insert is followed by a read of the current model: if it is no longer this instance's, the insert may have
//      landed behind the rebuild's scan, so it is taken back (deleted while still at version 1 and of this model)
//      and refused the same way. An insert that the read shows current happened before the model changed, so the
//      rebuild, which starts after that change, sees it.
// A deleted document leaves nothing stale; memberships, tenants and tokens have no derived fields.
import { randomUUID } from 'node:crypto';
import type { Collection, Filter } from 'mongodb';
import { StoreError } from '../store-error';
import { DerivedDataState } from '../derived-data';
import { isDuplicateKey } from './mongo-errors';
import type { ResourceDocument } from './resource-document';

export const MODEL_KEY = 'model';
/** Where versions before models were recorded kept the fingerprint of the derivation. */
const LEGACY_DERIVATION_KEY = 'derivation';
const INSTANCE = 'instance';
/** An instance not heard of for this long is presumed gone (it renews every third of it). */
export const INSTANCE_TTL_MS = 30_000;

export interface ModelDocument {
  readonly _id: string;
  readonly current?: string;
  readonly history?: string[];
  readonly rebuilt?: string | null;
  /** Instance documents. */
  readonly kind?: typeof INSTANCE;
  readonly model?: string;
  readonly expires?: string;
  /** Legacy documents ({ _id: 'derivation', value }). */
  readonly value?: string;
}

export interface ModelFence {
  readonly model: string;
  /** The filter a replace adds: the document was derived by this model or an earlier one. */
  replaceCondition(): Filter<ResourceDocument>;
  /** Whether another model has become current (this instance is outdated). One read by _id. */
  outdated(): Promise<boolean>;
  state(): Promise<DerivedDataState>;
  /** Records the model at start-up (see above) and starts this instance's heartbeat; returns its state. */
  register(hasResources: () => Promise<boolean>): Promise<DerivedDataState>;
  /** Records that every stored resource is derived for this model, if it is still current. */
  markRebuilt(): Promise<boolean>;
  /** Stops the heartbeat and removes this instance's record (graceful shutdown). */
  deregister(): Promise<void>;
}

export interface ModelFenceOptions {
  readonly now?: () => number;
  readonly instanceId?: string;
}

/** The refusal an outdated instance answers a write with. */
export function outdatedModelError(): StoreError {
  return new StoreError(
    'unavailable',
    'This server runs another schema model than the one the stored data is being derived for, so it cannot write this resource; retry against an up-to-date instance',
  );
}

/** The models whose latest turn as current came no later than `model`'s: those this instance may overwrite. */
function writableFor(history: readonly string[], model: string): string[] {
  const mine = history.lastIndexOf(model);
  return [...new Set(history)].filter((other) => history.lastIndexOf(other) <= mine);
}

export function createModelFence(meta: Collection<ModelDocument>, model: string, options: ModelFenceOptions = {}): ModelFence {
  const now = options.now ?? Date.now;
  const instanceKey = `${INSTANCE}:${options.instanceId ?? randomUUID()}`;
  let writable: string[] = [model];
  let heartbeat: NodeJS.Timeout | undefined;

  /** Every read of the model document also refreshes what this instance may overwrite (a model may have come back). */
  const read = async () => {
    const document = await meta.findOne({ _id: MODEL_KEY });
    if (document?.history && heartbeat) writable = writableFor(document.history, model);
    return document;
  };
  const stateOf = (document: ModelDocument | null): DerivedDataState => {
    if (document?.current !== model) return DerivedDataState.outdated;
    return document.rebuilt === model ? DerivedDataState.current : DerivedDataState.rebuilding;
  };
  const beat = async () => {
    await meta.updateOne({ _id: instanceKey }, { $set: { kind: INSTANCE, model, expires: new Date(now() + INSTANCE_TTL_MS).toISOString() } }, { upsert: true });
    await read();
  };
  const liveInstancesOf = (other: string) => meta.countDocuments({ kind: INSTANCE, model: other, expires: { $gt: new Date(now()).toISOString() } }, { limit: 1 });

  const settle = async (document: ModelDocument): Promise<DerivedDataState> => {
    writable = writableFor(document.history ?? [], model);
    // Renewed in the background; a failed renewal is retried at the next one (the record outlives a few misses).
    heartbeat ??= setInterval(() => void beat().catch(() => undefined), INSTANCE_TTL_MS / 3).unref();
    await beat();
    return stateOf(document);
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
            await meta.insertOne({ _id: MODEL_KEY, current: model, history, rebuilt: upToDate ? model : null });
          } catch (error) {
            // Another instance recorded it first: read again.
            if (!isDuplicateKey(error)) throw error;
          }
          continue;
        }
        if (document.current === model) return settle(document);
        // A model seen before, while instances of the current one run: an older version restarted mid-deploy.
        if (document.current !== undefined && (document.history ?? []).includes(model) && (await liveInstancesOf(document.current)) > 0) return settle(document);
        // Otherwise this model becomes current (compare-and-set on the current one), and the stored resources are
        // rebuilt for it from now on, unless there are none.
        const rebuilt = (await hasResources()) ? null : model;
        await meta.updateOne({ _id: MODEL_KEY, current: document.current }, { $set: { current: model, rebuilt }, $push: { history: model } });
      }
    },

    async markRebuilt() {
      const { matchedCount } = await meta.updateOne({ _id: MODEL_KEY, current: model }, { $set: { rebuilt: model } });
      return matchedCount > 0;
    },

    async deregister() {
      if (!heartbeat) return;
      clearInterval(heartbeat);
      heartbeat = undefined;
      await meta.deleteOne({ _id: instanceKey });
    },
  };
}
