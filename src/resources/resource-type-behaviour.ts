// What differs between resource types is declared here; everything else is the one generic service.
import type { RequestContext } from '../auth/request-context';
import type { PatchOperation } from '../scim/patch/patch-operation';
import type { ScimAttributes } from '../scim/schema/attribute';
import type { AttributeSelection } from '../scim/schema/attribute-selection';

/**
 * What a behaviour takes out of a PATCH request for attributes it stores outside the resource document
 * (Group.members). `remaining` are the operations left for the document; `changes` says whether the plan would
 * change anything; `commit` applies it, and is called only after the document write succeeded.
 */
export interface RelationPatchPlan {
  readonly remaining: readonly PatchOperation[];
  readonly changes: boolean;
  commit(): Promise<void>;
}

/**
 * What a behaviour keeps outside the resource document on create and replace (Group.members): `attributes` is what
 * the document stores (the relation-backed attributes taken out), `commit` writes the relation and is called only
 * after the document write succeeded. Planning validates everything, so that bad input changes nothing.
 */
export interface RelationWritePlan {
  readonly attributes: ScimAttributes;
  commit(): Promise<void>;
}

/** What the response of a read needs, so that computed attributes nobody asked for are never read. */
export interface ComputeContext {
  /** The `attributes` / `excludedAttributes` of the request (RFC 7644 §3.9). */
  readonly selection: AttributeSelection;
  /** Absolute SCIM base URL without a trailing slash, for `$ref` values. */
  readonly baseUrl: string;
}

export interface ResourceTypeBehaviour {
  /**
   * Turns validated writeOnly values (e.g. `password`) into the internal state kept beside the resource. Called on
   * create and replace; `previous` is the stored internal state on replace (kept when the client sent no value).
   */
  readonly internalState?: (writeOnly: Readonly<Record<string, unknown>>, previous: Readonly<Record<string, unknown>>) => Promise<Record<string, unknown>>;
  /** Attributes computed by the server on read (e.g. User.groups), added before projection. */
  readonly computedAttributes?: (context: RequestContext, id: string, compute: ComputeContext) => Promise<ScimAttributes>;
  /** The same for a whole list page at once, so that a page costs a few store calls rather than a few per row. */
  readonly computedAttributesOfPage?: (context: RequestContext, ids: readonly string[], compute: ComputeContext) => Promise<ReadonlyMap<string, ScimAttributes>>;
  /** Takes relation-backed attributes out of a validated create (`previous` undefined) or replace, and plans their write. */
  readonly planRelationWrite?: (context: RequestContext, id: string, attributes: ScimAttributes, previous?: ScimAttributes) => Promise<RelationWritePlan>;
  /** Called after the resource was deleted: relations that name it go too (a deleted user leaves its groups). */
  readonly afterDelete?: (context: RequestContext, id: string) => Promise<void>;
  /** Takes the PATCH operations on relation-backed attributes (RFC 7644 §3.5.2) and plans their effect. */
  readonly planRelationPatch?: (context: RequestContext, id: string, operations: readonly PatchOperation[]) => Promise<RelationPatchPlan>;
}
