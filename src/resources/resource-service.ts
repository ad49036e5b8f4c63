// The one generic resource service (create / get / list / replace / delete) over the store port. Per-type
// differences come from ResourceTypeBehaviour; nothing here knows HTTP or a concrete database.
import { randomUUID } from 'node:crypto';
import { scimErrors } from '../scim/errors';
import { eTagListMatches } from '../scim/etag';
import type { ListRequest } from '../scim/list/list-request';
import type { ResourceTypeDefinition } from '../scim/schema/attribute';
import type { SchemaRegistry } from '../scim/schema/registry';
import type { ResourceValidator } from '../scim/schema/validate-resource';
import type { ResourceStore, StoredResource, StoreListResult } from '../store/resource-store';
import type { ResourceTypeBehaviour } from './resource-type-behaviour';
import { isStoreError, StoreErrorCode } from '../store/store-error';
import { mapStoreErrors, storeErrorToScim } from './store-errors';

export interface ResourceServiceDeps {
  readonly store: ResourceStore;
  readonly registry: SchemaRegistry;
  readonly validatorFor: (resourceType: ResourceTypeDefinition) => ResourceValidator;
  readonly behaviours?: Readonly<Record<string, ResourceTypeBehaviour>>;
  readonly clock?: () => Date;
  readonly newId?: () => string;
}

/** Preconditions of a write, from If-Match (RFC 7644 §3.14). */
export interface WriteConditions {
  readonly ifMatch?: string;
}

export interface ResourceService {
  resourceType(name: string): ResourceTypeDefinition;
  create(tenantId: string, type: ResourceTypeDefinition, body: unknown): Promise<StoredResource>;
  get(tenantId: string, type: ResourceTypeDefinition, id: string): Promise<StoredResource>;
  list(tenantId: string, type: ResourceTypeDefinition, request: ListRequest): Promise<StoreListResult>;
  replace(tenantId: string, type: ResourceTypeDefinition, id: string, body: unknown, conditions?: WriteConditions): Promise<StoredResource>;
  delete(tenantId: string, type: ResourceTypeDefinition, id: string, conditions?: WriteConditions): Promise<void>;
  /** Server-computed attributes (e.g. User.groups) for a resource about to be returned. */
  computedAttributes(tenantId: string, type: ResourceTypeDefinition, id: string): Promise<Record<string, unknown>>;
}

const noBehaviour: ResourceTypeBehaviour = {};
const MAX_WRITE_ATTEMPTS = 8;

/**
 * Read-check-write with compare-and-set. When the client gave If-Match, a concurrent change is its 412. Without
 * If-Match the client asked for its change whatever the version, so the write is re-read and retried instead.
 */
export async function writeWithRetry<T>(conditions: WriteConditions | undefined, attempt: () => Promise<T>, subject: string): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await attempt();
    } catch (error) {
      const retry = conditions?.ifMatch === undefined && round < MAX_WRITE_ATTEMPTS && isStoreError(error, StoreErrorCode.versionMismatch);
      if (!retry) throw storeErrorToScim(error, subject);
    }
  }
}

export function createResourceService(deps: ResourceServiceDeps): ResourceService {
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const behaviourOf = (type: ResourceTypeDefinition) => deps.behaviours?.[type.name] ?? noBehaviour;
  const subject = (type: ResourceTypeDefinition, id?: string) => (id === undefined ? type.name : `${type.name} ${id}`);

  const load = async (tenantId: string, type: ResourceTypeDefinition, id: string): Promise<StoredResource> => {
    const found = await mapStoreErrors(subject(type, id), () => deps.store.get(tenantId, type.name, id));
    if (!found) throw scimErrors.notFound(`${type.name} ${id} not found`);
    return found;
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

    async create(tenantId, type, body) {
      const validated = deps.validatorFor(type).validateCreate(body);
      const internal = (await behaviourOf(type).internalState?.(validated.writeOnly, {})) ?? {};
      const resource = { resourceType: type.name, id: newId(), created: clock().toISOString(), attributes: validated.attributes, internal };
      return mapStoreErrors(subject(type), () => deps.store.create(tenantId, resource));
    },

    get: load,

    async list(tenantId, type, request) {
      return mapStoreErrors(subject(type), () =>
        deps.store.list(tenantId, {
          resourceType: type.name,
          filter: request.filter,
          sort: request.sort,
          page: { kind: 'index', startIndex: request.startIndex, count: request.count },
        }),
      );
    },

    async replace(tenantId, type, id, body, conditions) {
      return writeWithRetry(conditions, async () => {
        const current = await load(tenantId, type, id);
        checkIfMatch(type, current, conditions);
        const validated = deps.validatorFor(type).validateReplace(body, current.attributes);
        const internal = (await behaviourOf(type).internalState?.(validated.writeOnly, current.internal)) ?? { ...current.internal };
        const replacement = { lastModified: clock().toISOString(), attributes: validated.attributes, internal };
        // Compare-and-set on the version read above: a concurrent writer makes this fail instead of being overwritten.
        return deps.store.replace(tenantId, type.name, id, replacement, current.version);
      }, subject(type, id));
    },

    async delete(tenantId, type, id, conditions) {
      if (conditions?.ifMatch === undefined) {
        await mapStoreErrors(subject(type, id), () => deps.store.delete(tenantId, type.name, id));
        return;
      }
      const current = await load(tenantId, type, id);
      checkIfMatch(type, current, conditions);
      await mapStoreErrors(subject(type, id), () => deps.store.delete(tenantId, type.name, id, current.version));
    },

    async computedAttributes(tenantId, type, id) {
      return (await behaviourOf(type).computedAttributes?.(tenantId, id)) ?? {};
    },
  };
}
