// What differs between resource types is declared here as behaviours; everything else is the one generic service.
// A resource type may have several behaviours (its own, then one per extension that adds to it: lifecycle state on
// User, default roles…), each unaware of the others. They are combined by composeBehaviours (compose-behaviours.ts),
// the only way the service receives them; how each hook kind combines is written there.
import type { RequestContext } from '../auth/request-context';
import type { PatchOperation } from '../scim/patch/patch-operation';
import type { ScimAttributes } from '../scim/schema/attribute';
import type { AttributeSelection } from '../scim/schema/attribute-selection';
import type { MembershipChange } from '../store/membership-store';
import type { StoredResource } from '../store/resource-store';

/**
 * What a behaviour takes out of a PATCH request for attributes it stores outside the resource document
 * (Group.members). `remaining` are the operations left for the document; `changes` says whether the plan would
 * change anything; `commit` applies it, and is called only after the document write succeeded.
 */
export interface RelationPatchPlan {
  readonly remaining: readonly PatchOperation[];
  readonly changes: boolean;
  /**
   * Membership changes to record in the document's own write and apply right after it (crash-safe without
   * transactions: store/membership-store.ts). Recorded only when `changes` is true.
   */
  readonly pending?: readonly MembershipChange[];
  /**
   * The plan depends on the relation as read (a filter evaluated against the members, a replace that needs a match):
   * it is written only at the version read (compare-and-set), and re-planned when another write came in between.
   * Without it, the pending changes are deltas that hold whatever was recorded before them, written without one.
   */
  readonly readsRelation?: boolean;
  commit(): Promise<void>;
}

/**
 * What a behaviour keeps outside the resource document on create and replace (Group.members): `attributes` is what
 * the document stores (the relation-backed attributes taken out), `commit` writes the relation and is called only
 * after the document write succeeded. Planning validates everything, so that bad input changes nothing.
 */
export interface RelationWritePlan {
  readonly attributes: ScimAttributes;
  /** Membership changes to record in the document's own write (as for RelationPatchPlan). */
  readonly pending?: readonly MembershipChange[];
  commit(): Promise<void>;
}

/** What the response of a read needs, so that computed attributes nobody asked for are never read. */
export interface ComputeContext {
  /** The `attributes` / `excludedAttributes` of the request (RFC 7644 §3.9). */
  readonly selection: AttributeSelection;
  /** Absolute SCIM base URL without a trailing slash, for `$ref` values. */
  readonly baseUrl: string;
}

/**
 * `create`, `replace` and `patch` are a client's SCIM writes (POST, PUT, PATCH, and the same in Bulk): their attributes
 * were validated from the client's body, so readOnly values are not among them. `server` is a change the server
 * decided (a vendor action route, ResourceService.update): its attributes are as the server assembled them, readOnly
 * ones included.
 */
export const WriteKind = { create: 'create', replace: 'replace', patch: 'patch', server: 'server' } as const;
export type WriteKind = (typeof WriteKind)[keyof typeof WriteKind];

/** The write a `prepareWrite` hook looks at. */
export interface WriteInput {
  readonly kind: WriteKind;
  /** The id of the resource (on create: the id it is about to get). */
  readonly id: string;
  /** The stored resource a replace, PATCH or server change starts from; undefined on create. */
  readonly current?: StoredResource;
  /** Validated writeOnly values the client sent (e.g. `password`, RFC 7643 §2.2); never stored as they are. */
  readonly writeOnly: Readonly<Record<string, unknown>>;
  /**
   * The top-level attributes the request itself names, canonical (`active`, `name`, `urn:…:User:manager`): the keys
   * of a POST or PUT body, the paths of PATCH operations; none for a server change. It tells a value the client sent
   * from one carried over from the stored resource: a PATCH of `title` on a user whose `active` is false does not
   * say "active: false" again.
   */
  readonly named: ReadonlySet<string>;
  /**
   * Runs `work` once per request, however often the write is prepared again: a write that loses a compare-and-set
   * race re-reads the resource and runs prepareWrite again. For costly work that does not depend on the stored
   * resource (hashing a password); the key says what the work is (include the input it depends on).
   */
  readonly once: <T>(key: string, work: () => Promise<T>) => Promise<T>;
  /**
   * What the server set beside the client's body (an import: README "Export and import"), already merged into the
   * draft. A behaviour that owns some of these values (the lifecycle's state and timestamps) keeps them as given.
   */
  readonly preset?: WritePreset;
}

/**
 * Values the server sets on a create or replace beside a client's body, readOnly ones included: an imported user's
 * originalId, lifecycle and password hash. `attributes` are merged over the validated body (an extension's object
 * member by member) and type-checked; `internal` is merged over the internal state.
 */
export interface WritePreset {
  readonly attributes: ScimAttributes;
  readonly internal: Readonly<Record<string, unknown>>;
}

/** What the caller of a delete asked for beyond the delete itself. */
export interface DeleteOptions {
  /** Delete even what a behaviour would refuse to (a role users hold: README "Roles", `?force=true`). */
  readonly force?: boolean;
}

/** What a write is about to store: validated attributes and the internal state kept beside them. */
export interface WriteDraft {
  readonly attributes: ScimAttributes;
  readonly internal: Readonly<Record<string, unknown>>;
}

export interface ResourceTypeBehaviour {
  /**
   * Shapes a validated create, replace or PATCH before anything is written: validation beyond the schema (throw a
   * ScimError; nothing is written), default values, and the internal state kept beside the resource (e.g. the
   * password hash made from `writeOnly.password`). Returns the draft to store, changed or not; the first hook gets
   * the validated attributes and the stored internal state (`{}` on create).
   */
  readonly prepareWrite?: (context: RequestContext, input: WriteInput, draft: WriteDraft) => Promise<WriteDraft>;
  /** Attributes computed by the server on read (e.g. User.groups), added before projection. */
  readonly computedAttributes?: (context: RequestContext, id: string, compute: ComputeContext) => Promise<ScimAttributes>;
  /** The same for a whole list page at once, so that a page costs a few store calls rather than a few per row. */
  readonly computedAttributesOfPage?: (context: RequestContext, ids: readonly string[], compute: ComputeContext) => Promise<ReadonlyMap<string, ScimAttributes>>;
  /** Takes relation-backed attributes out of a prepared create (`previous` undefined) or replace, and plans their write. */
  readonly planRelationWrite?: (context: RequestContext, id: string, attributes: ScimAttributes, previous?: ScimAttributes) => Promise<RelationWritePlan>;
  /** Takes the PATCH operations on relation-backed attributes (RFC 7644 §3.5.2) and plans their effect. */
  readonly planRelationPatch?: (context: RequestContext, id: string, operations: readonly PatchOperation[]) => Promise<RelationPatchPlan>;
  /**
   * Called after a create, replace or PATCH stored the resource (never after a PATCH that changed nothing): work that
   * follows from the change outside the resource itself (a renamed role reaches the users who hold it).
   */
  readonly afterWrite?: (context: RequestContext, input: WriteInput, stored: StoredResource) => Promise<void>;
  /** Called before a delete, and may refuse it with a ScimError (a role users still hold, unless `options.force`). */
  readonly beforeDelete?: (context: RequestContext, id: string, options: DeleteOptions) => Promise<void>;
  /** Called after the resource was deleted: relations that name it go too (a deleted user leaves its groups). */
  readonly afterDelete?: (context: RequestContext, id: string) => Promise<void>;
}

/** Every hook present: what composeBehaviours returns and the service calls (a type without behaviours gets no-ops). */
export type ComposedBehaviour = Required<ResourceTypeBehaviour>;
