// The derived-data port of a store whose derived fields (search document, presence, unique values) are rebuilt in the
// background after the schema model changes: the MongoDB store (the embedded store rebuilds in one transaction at
// open, before it serves anything, and has no such port).
//
// Each server instance runs one schema model (its schemas and the derivation code; `model` names it). The store
// records which model is current: an instance whose model is new to the store becomes current at start-up, and its
// stored resources must then be rebuilt for it (a leased job, src/jobs/derived-data-rebuild.ts); an instance whose
// model the store has seen before but is no longer current is outdated (an older version during a rolling deploy):
// it may read, but it refuses writes that would leave stale derived fields.
import type { JsonValue } from './json-value';

export const DerivedDataState = {
  /** Every stored resource is derived for this instance's model. */
  current: 'current',
  /** This instance's model is current, and stored resources are being rebuilt for it. */
  rebuilding: 'rebuilding',
  /** A newer model is current: this instance refuses writes to resources already rebuilt for it. */
  outdated: 'outdated',
} as const;
export type DerivedDataState = (typeof DerivedDataState)[keyof typeof DerivedDataState];

export interface RebuildBatch {
  /** Resources whose derived fields were rewritten by this batch. */
  readonly rebuilt: number;
  /** Resources the batch went through (rewritten or already current). */
  readonly scanned: number;
  /** Where the next batch starts; absent when the pass is complete (the store then records the model as rebuilt). */
  readonly next?: JsonValue;
}

export interface DerivedDataMaintenance {
  /** This instance's model (its fingerprint). */
  readonly model: string;
  state(): Promise<DerivedDataState>;
  /** How many resources the store holds (the total a rebuild's progress counts towards). */
  countResources(): Promise<number>;
  /**
   * Rebuilds the derived fields of up to `limit` resources after `after` (a previous batch's `next`; absent for the
   * first), each with a single-document compare-and-set. Throws Error naming the resource when stored data breaks a
   * uniqueness the model declares. Throws when this instance's model is no longer current.
   */
  rebuildBatch(after: JsonValue | undefined, limit: number): Promise<RebuildBatch>;
}
