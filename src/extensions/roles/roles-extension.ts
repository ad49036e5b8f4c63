// The roles extension put together over one store (README "Roles"): the behaviours it adds to User and to its own Role
// resource type, the service of its routes, and the job that moves holders. The resource service is given late (a
// getter), because it is built with these very behaviours.
import type { RequestContext } from '../../auth/request-context';
import type { JobQueue } from '../../jobs/job-queue';
import type { JobType } from '../../jobs/job-type';
import type { ResourceService } from '../../resources/resource-service';
import type { ResourceTypeBehaviour } from '../../resources/resource-type-behaviour';
import { ScimError, ScimType } from '../../scim/errors';
import type { SchemaRegistry } from '../../scim/schema/registry';
import type { SettingsReader } from '../../settings/settings-reader';
import type { JobStore } from '../../store/job-store';
import type { ResourceReader } from '../../store/resource-store';
import { createDefaultRoles } from './default-roles';
import { createHolderUpdates } from './holder-updates';
import { createRoleBehaviour } from './role-behaviour';
import { createRoleCatalogue, ROLE_RESOURCE_TYPE, ROLE_SCHEMA } from './role-catalogue';
import { createRoleHolders } from './role-holders';
import { roleHoldersJob } from './role-holders-job';
import { createRolesService, type RolesService } from './roles-service';
import { createUserRolesBehaviour } from './user-roles-behaviour';

export interface RolesExtensionDeps {
  readonly store: Pick<ResourceReader, 'get' | 'list'>;
  readonly registry: SchemaRegistry;
  readonly settings: Pick<SettingsReader, 'forTenant'>;
  readonly jobs: Pick<JobQueue, 'enqueue'>;
  readonly jobRecords: Pick<JobStore, 'list' | 'cancel'>;
  readonly resources: () => ResourceService;
  readonly clock?: () => Date;
  /** The most holders a request moves itself (holder-updates.ts); tests lower it to reach the job path. */
  readonly inlineHolders?: number;
  /** SCIM_MAX_ATTRIBUTE_VALUES. */
  readonly maxAttributeValues?: number;
}

export interface RolesExtension {
  /** Added to User's behaviours, after the type's own. */
  readonly userBehaviour: ResourceTypeBehaviour;
  /** The Role resource type's behaviour. */
  readonly roleBehaviour: ResourceTypeBehaviour;
  readonly service: RolesService;
  /** For the worker host. */
  readonly holdersJob: JobType;
}

export function createRolesExtension(deps: RolesExtensionDeps): RolesExtension {
  const catalogue = createRoleCatalogue({ store: deps.store, registry: deps.registry });
  const holders = createRoleHolders({ catalogue, roles: deps.store, resources: deps.resources });
  const defaults = createDefaultRoles({ catalogue, clock: deps.clock });
  const holderUpdates = createHolderUpdates({ catalogue, holders, jobs: deps.jobs, jobRecords: deps.jobRecords, clock: deps.clock, inlineHolders: deps.inlineHolders });

  /** create-on-demand: the roles through the resource service, as POST /Roles would create them. */
  const createRoles = async (context: RequestContext, names: readonly string[]) => {
    const resources = deps.resources();
    const results = await resources.createMany(
      context,
      resources.resourceType(ROLE_RESOURCE_TYPE),
      names.map((name) => ({ schemas: [ROLE_SCHEMA], name })),
    );
    // A role another request created meanwhile is just as good.
    const failure = results.find((result) => result instanceof ScimError && result.scimType !== ScimType.uniqueness);
    if (failure) throw failure;
  };

  return {
    userBehaviour: createUserRolesBehaviour({
      catalogue,
      defaults,
      mode: async (context) => (await deps.settings.forTenant(context.tenantId)).roles,
      createRoles,
      maxValues: deps.maxAttributeValues,
      holders,
    }),
    roleBehaviour: createRoleBehaviour({ catalogue, roles: deps.store, holderUpdates, registry: deps.registry, defaults }),
    service: createRolesService({ resources: lazy(deps.resources), holderUpdates }),
    holdersJob: roleHoldersJob(holders),
  };
}

/** The resource service's methods the roles service calls, each resolved at call time. */
function lazy(resources: () => ResourceService): Pick<ResourceService, 'get' | 'patch' | 'delete' | 'resourceType'> {
  return {
    get: (...args) => resources().get(...args),
    patch: (...args) => resources().patch(...args),
    delete: (...args) => resources().delete(...args),
    resourceType: (name) => resources().resourceType(name),
  };
}
