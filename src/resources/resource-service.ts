// The one generic resource service (create / get / list / replace / delete) over the store port. Per-type
// differences come from the type's behaviours (resource-type-behaviour.ts), combined by composeBehaviours; nothing
// here knows HTTP or a concrete database.
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../auth/request-context';
import { ScimError, scimErrors } from '../scim/errors';
import { eTagListMatches } from '../scim/etag';
import type { ListRequest } from '../scim/list/list-request';
import type { KeysetPosition } from '../store/resource-store';
import type { ResourceTypeDefinition, ScimAttributes } from '../scim/schema/attribute';
import type { SchemaRegistry } from '../scim/schema/registry';
import type { BodyOptions, ResourceValidator, ValidatedResource } from '../scim/schema/validate-resource';
import type { MembershipChange, PendingChangeInput, PendingChanges } from '../store/membership-store';
import type { NewResource, ResourceStore, StoredResource, StoreListResult } from '../store/resource-store';
import { composeBehaviours } from './compose-behaviours';
import {
  WriteKind,
  type ComposedBehaviour,
  type ComputeContext,
  type DeleteOptions,
  type RelationPatchPlan,
  type RelationWritePlan,
  type WriteDraft,
  type WriteInput,
  type WritePreset,
} from './resource-type-behaviour';
import { DEFAULT_SELECTION } from '../scim/schema/attribute-selection';
import { isStoreError, StoreError } from '../store/store-error';
import { nextLastModified } from './last-modified';
import { mapStoreErrors, storeErrorToScim } from './store-errors';
import { DEFAULT_RETRY_POLICY, requestMemo, writeWithRetry, type RetryPolicy, type WriteConditions } from './write-with-retry';
import { applyPatch, sameJson } from '../scim/patch/apply-patch';
import { parsePatchRequest } from '../scim/patch/parse-patch';
import { validatePatched } from '../scim/patch/validate-patched';
import { assertValueLimit, DEFAULT_MAX_ATTRIBUTE_VALUES } from '../scim/schema/value-limit';
import type { PatchOperation } from '../scim/patch/patch-operation';
import { pathToString } from '../scim/paths/resolved-path';

export type { WriteConditions } from './write-with-retry';
import { changedAttributeNames } from '../extensions/audit/changed-attributes';
import type { WriteEffects } from '../store/resource-store';

export interface ResourceServiceDeps {
  readonly store: ResourceStore;
  readonly registry: SchemaRegistry;
  readonly validatorFor: (resourceType: ResourceTypeDefinition) => ResourceValidator;
  /** Per resource type name, its behaviours as composeBehaviours combined them. */
  readonly behaviours?: Readonly<Record<string, ComposedBehaviour>>;
  readonly clock?: () => Date;
  readonly newId?: () => string;
  /** The most values a multi-valued attribute of a stored resource may hold (SCIM_MAX_ATTRIBUTE_VALUES). */
  readonly maxAttributeValues?: number;
  /** The tenant's `tolerance.unknownSchemas` (README "Unknown schema URNs"); without it, attributes under unknown URNs are refused. */
  readonly unknownSchemas?: (context: RequestContext) => Promise<'reject' | 'ignore'>;
  /** How a write that lost a compare-and-set race is retried (tests pass a policy without real pauses). */
  readonly retry?: RetryPolicy;
  /** Finishes membership changes recorded in resource documents (store/membership-store.ts). */
  readonly pending: PendingChanges;
}

export interface ResourceService {
  resourceType(name: string): ResourceTypeDefinition;
  /** `options.preset`: values the server sets beside the body (an import), readOnly ones included. */
  create(context: RequestContext, type: ResourceTypeDefinition, body: unknown, options?: WriteOptions): Promise<StoredResource>;
  /**
   * Creates several resources of one type with exactly the rules of `create`, written in one store batch: one
   * result per body, in order, either the stored resource or the ScimError its single `create` would have thrown.
   * Rejects as a whole only when the store fails as a whole (e.g. unavailable), and then nothing was written.
   * `itemContexts[i]` (same tenant) is the context of body i, with its own audit record (a Bulk operation's).
   */
  createMany(context: RequestContext, type: ResourceTypeDefinition, bodies: readonly unknown[], itemContexts?: readonly RequestContext[]): Promise<Array<StoredResource | ScimError>>;
  get(context: RequestContext, type: ResourceTypeDefinition, id: string): Promise<StoredResource>;
  /**
   * Index page, or (when `request.cursor` is set) the keyset page after `after`; RFC 9865 cursors seal `next`.
   * `total`: the totalResults a previous page of the same cursor walk counted, reported again instead of counted.
   */
  list(context: RequestContext, type: ResourceTypeDefinition, request: ListRequest, after?: KeysetPosition, total?: number): Promise<StoreListResult>;
  replace(context: RequestContext, type: ResourceTypeDefinition, id: string, body: unknown, conditions?: WriteConditions, options?: WriteOptions): Promise<StoredResource>;
  /**
   * RFC 7644 §3.5.2 PATCH: all operations apply or none; validated like PUT; compare-and-set on the version. A PATCH
   * that changes nothing writes nothing (`changed: false`, same version and lastModified).
   */
  patch(context: RequestContext, type: ResourceTypeDefinition, id: string, body: unknown, conditions?: WriteConditions): Promise<{ resource: StoredResource; changed: boolean }>;
  /**
   * A change the server decides (a vendor action route: lock, disable, a new password…), written exactly as a PATCH
   * is: `change` sees the stored resource and says what to store (undefined: nothing); the result is type-checked,
   * goes through the behaviours' prepareWrite chain (WriteKind.server), is written only when something changed, with
   * the same compare-and-set on the version (re-read and `change` again after a lost race; 412 with If-Match) and the
   * same meta.lastModified rule. So an action route and the SCIM PATCH with the same effect give the same resource and
   * the same version. `change` may throw (e.g. a refused transition): nothing is written.
   */
  update(context: RequestContext, type: ResourceTypeDefinition, id: string, change: ServerChange, conditions?: WriteConditions): Promise<{ resource: StoredResource; changed: boolean }>;
  /** `options.force` deletes what a behaviour would otherwise refuse to (a role users hold). */
  delete(context: RequestContext, type: ResourceTypeDefinition, id: string, conditions?: WriteConditions, options?: DeleteOptions): Promise<void>;
  /**
   * Server-computed attributes (e.g. User.groups) for a resource about to be returned; `context` says which
   * attributes the response needs (without `compute`: the default set, with `$ref` values relative to the SCIM base).
   */
  computedAttributes(context: RequestContext, type: ResourceTypeDefinition, id: string, compute?: ComputeContext): Promise<Record<string, unknown>>;
  /** computedAttributes for every resource of a list page, by id. */
  computedAttributesOfPage(context: RequestContext, type: ResourceTypeDefinition, ids: readonly string[], compute: ComputeContext): Promise<ReadonlyMap<string, Record<string, unknown>>>;
}

/** What a create or replace takes beside the client's body. */
export interface WriteOptions {
  readonly preset?: WritePreset;
}

/** What a server change stores: all the attributes, writeOnly values to apply (e.g. a new `password`), internal state. */
export interface ServerDraft {
  readonly attributes: ScimAttributes;
  readonly writeOnly?: Readonly<Record<string, unknown>>;
  /** The internal state to store (e.g. a re-hashed password); the stored one when absent. */
  readonly internal?: Readonly<Record<string, unknown>>;
}

/** Decides a server change from the resource as stored; called again after a lost race, so it must not have effects. */
export type ServerChange = (current: StoredResource) => ServerDraft | undefined;

/** A draft to store and what its audit event names besides the attributes that differ: writeOnly values set, relations changed. */
interface AuditedDraft {
  readonly draft: WriteDraft;
  readonly writeOnly: Readonly<Record<string, unknown>>;
  readonly relationNames?: readonly string[];
}

/** A resource type without behaviours: every hook a no-op. */
const NO_BEHAVIOUR: ComposedBehaviour = composeBehaviours();

/** A create checked and planned, ready for the store write. */
interface PreparedCreate {
  readonly resource: NewResource;
  readonly relations: RelationWritePlan;
  /** What the behaviours' prepareWrite was given, for their afterWrite once the document is stored. */
  readonly input: WriteInput;
  /** The outbox messages that record the create (its audit events), written with it. */
  readonly effects?: WriteEffects;
}
export function createResourceService(deps: ResourceServiceDeps): ResourceService {
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const behaviourOf = (type: ResourceTypeDefinition) => deps.behaviours?.[type.name] ?? NO_BEHAVIOUR;
  const subject = (type: ResourceTypeDefinition, id?: string) => (id === undefined ? type.name : `${type.name} ${id}`);
  const maxAttributeValues = deps.maxAttributeValues ?? DEFAULT_MAX_ATTRIBUTE_VALUES;
  const retryPolicy = deps.retry ?? DEFAULT_RETRY_POLICY;
  /** The document about to be stored (relation-backed attributes already taken out) keeps to the value limit. */
  const checkValueLimit = (type: ResourceTypeDefinition, attributes: ScimAttributes, previous?: ScimAttributes) =>
    assertValueLimit(deps.registry, type, attributes, maxAttributeValues, previous);

  /** How the tenant's bodies are read: the tolerance for schema URNs the server does not know. */
  const bodyOptions = async (context: RequestContext): Promise<BodyOptions> => ({ unknownSchemas: (await deps.unknownSchemas?.(context)) ?? 'reject' });

  /**
   * Everything a create decides before it writes: validation, the behaviours' prepareWrite chain, the relations
   * (Group.members) planned and checked, to be committed after the document, and the value limit on the document.
   */
  const prepareCreate = async (context: RequestContext, type: ResourceTypeDefinition, body: unknown, options: BodyOptions, preset?: WritePreset): Promise<PreparedCreate> => {
    const behaviour = behaviourOf(type);
    const validator = deps.validatorFor(type);
    const validated = validator.validateCreate(body, options);
    const id = newId();
    const input: WriteInput = { kind: WriteKind.create, id, writeOnly: validated.writeOnly, named: namesOf(validated), once: requestMemo(), ...(preset ? { preset } : {}) };
    const start = withPreset(validator, { attributes: validated.attributes, internal: {} }, preset);
    const draft = await mapStoreErrors(subject(type), () => behaviour.prepareWrite(context, input, start));
    const relations = await mapStoreErrors(subject(type), () => behaviour.planRelationWrite(context, id, draft.attributes));
    checkValueLimit(type, relations.attributes);
    const changedAttributes = changedAttributeNames(undefined, validated.attributes, validated.writeOnly);
    return {
      resource: {
        resourceType: type.name,
        id,
        created: clock().toISOString(),
        attributes: relations.attributes,
        internal: draft.internal,
        ...recorded(relations.pending),
      },
      relations,
      input,
      effects: context.operation?.effectsOfSuccess({ resourceType: type.name, resourceId: id, changedAttributes }),
    };
  };

  /** The behaviours' afterWrite of a create, once the document and its relations are written. */
  const created = async (context: RequestContext, type: ResourceTypeDefinition, prepared: PreparedCreate, stored: StoredResource) =>
    mapStoreErrors(subject(type, stored.id), () =>
      behaviourOf(type).afterWrite(context, prepared.input, stored),
    );
  /** Changes planned by the behaviours, ready to be recorded with the write (each with an id of its own). */
  const recorded = (changes: readonly MembershipChange[] | undefined): { pending?: PendingChangeInput[] } =>
    changes && changes.length > 0 ? { pending: changes.map((change) => ({ id: newId(), change })) } : {};

  /**
   * Finishes the changes recorded on a resource (membership-store.ts). Right after a write this is the second step:
   * the write itself was the commit point, so if finishing fails now the next reader or writer finishes it, and the
   * write still succeeded. Only a store failure is put off that way; anything else is a fault to report.
   */
  const settleAfterWrite = async (context: RequestContext, type: ResourceTypeDefinition, id: string) => {
    try {
      await deps.pending.settle(context.tenantId, type.name, id);
    } catch (error) {
      if (!isStoreError(error)) throw error;
    }
  };

  /**
   * Before reading memberships or listing: finishes every change of the tenant that is still pending (a write in
   * progress, or one cut off by a crash), so that no reader sees one half applied. One indexed read when there is none.
   */
  const settleTenant = async (context: RequestContext, subjectText: string) => {
    const { pending } = deps;
    await mapStoreErrors(subjectText, async () => {
      for (const resource of await pending.unsettled(context.tenantId)) await pending.settle(context.tenantId, resource.resourceType, resource.id);
    });
  };

  const load = async (context: RequestContext, type: ResourceTypeDefinition, id: string): Promise<StoredResource> => {
    let found = await mapStoreErrors(subject(type, id), () => deps.store.get(context.tenantId, type.name, id));
    const { pending } = deps;
    if (found?.pending) {
      // A change recorded and not yet applied (or a delete in progress): finish it first, then read what it left.
      await mapStoreErrors(subject(type, id), () => pending.settle(context.tenantId, type.name, id));
      found = await mapStoreErrors(subject(type, id), () => deps.store.get(context.tenantId, type.name, id));
    }
    if (!found) throw scimErrors.notFound(`${type.name} ${id} not found`);
    return found;
  };

  /**
   * The end of a PATCH or server change: the draft is written, with a compare-and-set on the version read, only when it
   * (or a relation plan) changes something; a change that changes nothing writes nothing (same version, same
   * lastModified). A new password changes the internal state (a fresh salt), so it always counts as a change.
   * Membership changes the plan made are recorded in the same write and settled right after it.
   */
  const storeIfChanged = async (
    context: RequestContext,
    type: ResourceTypeDefinition,
    current: StoredResource,
    change: AuditedDraft,
    conditions: WriteConditions | undefined,
    relations?: Pick<RelationPatchPlan, 'changes' | 'commit' | 'pending' | 'readsRelation'>,
  ): Promise<{ resource: StoredResource; changed: boolean }> => {
    const { draft } = change;
    const documentChanged = !sameJson(draft.attributes, current.attributes) || !sameJson(draft.internal, current.internal);
    const changed = (relations?.changes ?? false) || documentChanged;
    if (!changed) return { resource: current, changed: false };
    const lastModified = nextLastModified(current.lastModified, clock());
    const changes = recorded(relations?.pending);
    // The names of what changed (never values) for the SUCCESS event, which is written with the change.
    const changedAttributes = [...new Set([...changedAttributeNames(current.attributes, draft.attributes, change.writeOnly), ...(change.relationNames ?? [])])].sort();
    const effects = context.operation?.effectsOfSuccess({ resourceType: type.name, resourceId: current.id, changedAttributes });
    const stored =
      documentChanged || !changes.pending
        ? // Compare-and-set on the version read: a concurrent writer makes this fail, and the caller re-reads and re-applies.
          await deps.store.replace(context.tenantId, type.name, current.id, { lastModified, attributes: draft.attributes, internal: draft.internal, ...changes }, current.version, effects)
        : // Members only (Entra's one-member add or remove): a delta that holds after whatever was recorded before it, so
          // no compare-and-set unless the client sent If-Match or the plan read the members, and parallel member
          // changes of one group never contend. A group whose delete was recorded meanwhile refuses it (404).
          await deps.store.mark(
            context.tenantId,
            type.name,
            current.id,
            { lastModified, pending: changes.pending },
            conditions?.ifMatch === undefined && !relations?.readsRelation ? undefined : current.version,
            effects,
          );
    context.operation?.committed();
    if (changes.pending) await settleAfterWrite(context, type, current.id);
    await relations?.commit();
    return { resource: stored, changed: true };
  };

  const checkIfMatch = (type: ResourceTypeDefinition, current: StoredResource, conditions?: WriteConditions) => {
    if (conditions?.ifMatch !== undefined && !eTagListMatches(conditions.ifMatch, current.version)) {
      throw scimErrors.preconditionFailed(
        `${type.name} ${current.id} is at version W/"${current.version}", which does not match If-Match ${conditions.ifMatch}`,
      );
    }
  };

  return {
    resourceType(name) {
      const type = deps.registry.resourceType(name);
      if (!type) throw scimErrors.notFound(`Unknown resource type ${name}`);
      return type;
    },

    async create(context, type, body, writeOptions) {
      context.operation?.target(type.name);
      const prepared = await prepareCreate(context, type, body, await bodyOptions(context), writeOptions?.preset);
      // The document, the membership changes it records and its audit events are one write; the changes are applied right after it.
      const stored = await mapStoreErrors(subject(type), () => deps.store.create(context.tenantId, prepared.resource, prepared.effects));
      context.operation?.committed();
      if (prepared.resource.pending) await settleAfterWrite(context, type, stored.id);
      await mapStoreErrors(subject(type, stored.id), () => prepared.relations.commit());
      await created(context, type, prepared, stored);
      return stored;
    },

    async createMany(context, type, bodies, itemContexts) {
      const contextOf = (index: number) => itemContexts?.[index] ?? context;
      for (const [index] of bodies.entries()) contextOf(index).operation?.target(type.name);
      // The steps of create, each applied to the whole batch around one store write.
      const options = await bodyOptions(context);
      const prepared = await Promise.all(bodies.map((body, index) => prepareCreate(contextOf(index), type, body, options).catch(asItemError)));
      const valid = prepared.filter((item): item is PreparedCreate => !(item instanceof ScimError));
      const written =
        valid.length === 0
          ? []
          : await mapStoreErrors(subject(type), () =>
              deps.store.createMany(
                context.tenantId,
                valid.map((item) => item.resource),
                valid.map((item) => item.effects),
              ),
            );
      let next = 0;
      const results: Array<StoredResource | ScimError> = [];
      for (const [index, item] of prepared.entries()) {
        if (item instanceof ScimError) {
          results.push(item);
          continue;
        }
        const result = written[next++];
        if (result instanceof StoreError) {
          results.push(storeErrorToScim(result, subject(type)) as ScimError);
          continue;
        }
        contextOf(index).operation?.committed();
        if (item.resource.pending) await settleAfterWrite(contextOf(index), type, result.id);
        results.push(
          await mapStoreErrors(subject(type, result.id), async () => {
            await item.relations.commit();
            await created(contextOf(index), type, item, result);
          }).then(() => result, asItemError),
        );
      }
      return results;
    },

    async get(context, type, id) {
      context.operation?.target(type.name, id);
      return load(context, type, id);
    },

    async list(context, type, request, after, total) {
      context.operation?.target(type.name);
      await settleTenant(context, subject(type));
      return mapStoreErrors(subject(type), () =>
        deps.store.list(context.tenantId, {
          resourceType: type.name,
          filter: request.filter,
          sort: request.sort,
          page:
            request.cursor === undefined
              ? { kind: 'index', startIndex: request.startIndex, count: request.count }
              : { kind: 'keyset', ...(after ? { after } : {}), ...(total === undefined ? {} : { total }), count: request.count },
        }),
      );
    },

    async replace(context, type, id, body, conditions, writeOptions) {
      const behaviour = behaviourOf(type);
      const preset = writeOptions?.preset;
      const options = await bodyOptions(context);
      // Costly preparation (a password hash) is done once, not again on every retry of the compare-and-set.
      const once = requestMemo();
      context.operation?.target(type.name, id);
      const written = await writeWithRetry(conditions, async () => {
        const current = await load(context, type, id);
        checkIfMatch(type, current, conditions);
        const validator = deps.validatorFor(type);
        const validated = validator.validateReplace(body, current.attributes, options);
        const input = { kind: WriteKind.replace, id, current, writeOnly: validated.writeOnly, named: namesOf(validated), once, ...(preset ? { preset } : {}) };
        const draft = await behaviour.prepareWrite(context, input, withPreset(validator, { attributes: validated.attributes, internal: current.internal }, preset));
        const relations = await behaviour.planRelationWrite(context, id, draft.attributes, current.attributes);
        checkValueLimit(type, relations.attributes, current.attributes);
        const replacement = {
          lastModified: nextLastModified(current.lastModified, clock()),
          attributes: relations.attributes,
          internal: draft.internal,
          ...recorded(relations.pending),
        };
        // The draft as the behaviours left it (what they keep, e.g. the account state, is no change), before relation-backed
        // attributes (Group.members) are taken out of the document: a body that sets them names them.
        const changedAttributes = changedAttributeNames(current.attributes, draft.attributes, validated.writeOnly);
        const effects = context.operation?.effectsOfSuccess({ resourceType: type.name, resourceId: id, changedAttributes });
        // Compare-and-set on the version read above: a concurrent writer makes this fail instead of being overwritten.
        const stored = await deps.store.replace(context.tenantId, type.name, id, replacement, current.version, effects);
        context.operation?.committed();
        if (replacement.pending) await settleAfterWrite(context, type, id);
        await relations.commit();
        return { input, stored };
      }, subject(type, id), retryPolicy);
      await mapStoreErrors(subject(type, id), () => behaviour.afterWrite(context, written.input, written.stored));
      return written.stored;
    },

    async patch(context, type, id, body, conditions) {
      const behaviour = behaviourOf(type);
      context.operation?.target(type.name, id);
      const operations = parsePatchRequest(deps.registry, type, body, await bodyOptions(context));
      const validator = deps.validatorFor(type);
      // Costly preparation (a password hash) is done once, not again on every retry of the compare-and-set.
      const once = requestMemo();
      const outcome = await writeWithRetry(conditions, async () => {
        const current = await load(context, type, id);
        checkIfMatch(type, current, conditions);
        // Relation-backed attributes (Group.members) are planned by the behaviours and committed after the document.
        const plan = await behaviour.planRelationPatch(context, id, operations);
        const patched = applyPatch(deps.registry, type, current.attributes, plan.remaining);
        const validated = validatePatched(validator, deps.registry, type, current.attributes, patched.attributes, plan.remaining);
        checkValueLimit(type, validated.attributes, current.attributes);
        const input = { kind: WriteKind.patch, id, current, writeOnly: validated.writeOnly, named: namedByOperations(operations), once };
        const draft = await behaviour.prepareWrite(context, input, { attributes: validated.attributes, internal: current.internal });
        // The operations a behaviour took (Group.members) name their attributes; the rest is a comparison.
        const relationNames = plan.changes
          ? operations.filter((operation) => !plan.remaining.includes(operation)).flatMap((operation) => (operation.path ? [operation.path.attribute.attribute.name] : []))
          : [];
        return { ...(await storeIfChanged(context, type, current, { draft, writeOnly: validated.writeOnly, relationNames }, conditions, plan)), input };
      }, subject(type, id), retryPolicy);
      if (outcome.changed) await mapStoreErrors(subject(type, id), () => behaviour.afterWrite(context, outcome.input, outcome.resource));
      return { resource: outcome.resource, changed: outcome.changed };
    },

    async update(context, type, id, change, conditions) {
      const behaviour = behaviourOf(type);
      const validator = deps.validatorFor(type);
      // Costly preparation (a password hash) is done once, not again on every retry of the compare-and-set.
      const once = requestMemo();
      const outcome = await writeWithRetry(conditions, async () => {
        const current = await load(context, type, id);
        checkIfMatch(type, current, conditions);
        const decided = change(current);
        if (decided === undefined) return { resource: current, changed: false, input: undefined };
        validator.validateAttributes(decided.attributes);
        checkValueLimit(type, decided.attributes, current.attributes);
        const input = { kind: WriteKind.server, id, current, writeOnly: decided.writeOnly ?? {}, named: new Set<string>(), once };
        const draft = await behaviour.prepareWrite(context, input, { attributes: decided.attributes, internal: decided.internal ?? current.internal });
        return { ...(await storeIfChanged(context, type, current, { draft, writeOnly: input.writeOnly }, conditions)), input };
      }, subject(type, id), retryPolicy);
      if (outcome.changed) await mapStoreErrors(subject(type, id), () => behaviour.afterWrite(context, outcome.input!, outcome.resource));
      return { resource: outcome.resource, changed: outcome.changed };
    },

    async delete(context, type, id, conditions, options = {}) {
      context.operation?.target(type.name, id);
      await mapStoreErrors(subject(type, id), () => behaviourOf(type).beforeDelete(context, id, options));
      let expectedVersion: number | undefined;
      if (conditions?.ifMatch !== undefined) {
        const current = await load(context, type, id);
        checkIfMatch(type, current, conditions);
        expectedVersion = current.version;
      }
      // A tombstone first (the commit point): from then on every reader treats the resource as deleted and finishes the
      // delete; then its memberships go, then the resource (membership-store.ts).
      const mark = { lastModified: clock().toISOString(), pending: [{ id: newId(), change: { kind: 'delete' as const } }] };
      // The delete's audit events ride on the tombstone: they are durable exactly when the delete is decided.
      await mapStoreErrors(subject(type, id), () =>
        deps.store.mark(context.tenantId, type.name, id, mark, expectedVersion, context.operation?.effectsOfSuccess({ resourceType: type.name, resourceId: id })),
      );
      context.operation?.committed();
      await settleAfterWrite(context, type, id);
      await mapStoreErrors(subject(type, id), () => behaviourOf(type).afterDelete(context, id));
    },

    async computedAttributes(context, type, id, compute) {
      await settleTenant(context, subject(type, id));
      return mapStoreErrors(subject(type, id), () => behaviourOf(type).computedAttributes(context, id, compute ?? { selection: DEFAULT_SELECTION, baseUrl: '' }));
    },

    async computedAttributesOfPage(context, type, ids, compute) {
      await settleTenant(context, subject(type));
      return mapStoreErrors(subject(type), () => behaviourOf(type).computedAttributesOfPage(context, ids, compute));
    },
  };
}

/**
 * The draft with the server's preset values merged in (an extension's object member by member), type-checked as a
 * server change is: a preset is the server's own assembly, but its values may come from outside (an imported record).
 */
function withPreset(validator: ResourceValidator, draft: WriteDraft, preset: WritePreset | undefined): WriteDraft {
  if (!preset) return draft;
  const attributes: Record<string, unknown> = { ...draft.attributes };
  for (const [name, value] of Object.entries(preset.attributes)) {
    const before = attributes[name];
    attributes[name] = isObject(before) && isObject(value) ? { ...before, ...value } : value;
  }
  validator.validateAttributes(attributes);
  return { attributes, internal: { ...draft.internal, ...preset.internal } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The top-level attributes a validated POST or PUT body names (WriteInput.named): its attributes and writeOnly values. */
function namesOf(validated: ValidatedResource): ReadonlySet<string> {
  const names = new Set<string>(Object.keys(validated.writeOnly));
  for (const [key, value] of Object.entries(validated.attributes)) {
    // Extension attributes are named `<URN>:<name>`, as pathToString names them.
    if (key.startsWith('urn:') && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const name of Object.keys(value)) names.add(`${key}:${name}`);
    } else names.add(key);
  }
  return names;
}

/** The top-level attributes the operations of a PATCH name (path-less values were expanded into paths when parsed). */
function namedByOperations(operations: readonly PatchOperation[]): ReadonlySet<string> {
  return new Set(operations.flatMap((operation) => (operation.path ? [pathToString(operation.path.attribute)] : [])));
}

/** One item of a batch failed: its ScimError is its answer; anything else is an internal error of that item only. */
function asItemError(error: unknown): ScimError {
  return error instanceof ScimError ? error : scimErrors.internal(error);
}
