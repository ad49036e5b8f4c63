// Composition of the services over one store, shared by the HTTP app (app.ts) and the background workers (workers.ts),
// so that a job writes through exactly the same behaviours as a request: the generic resource service with each
// type's behaviours (the type's own first, then each extension's; composeBehaviours says how hooks combine), and the
// extensions' services built on it.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { RequestContext } from './auth/request-context';
import { createLifecycleBehaviour } from './extensions/lifecycle/lifecycle-behaviour';
import { createLifecycleService, type LifecycleService } from './extensions/lifecycle/lifecycle-service';
import { createPasswordPolicy } from './extensions/lifecycle/password-policy';
import { DeliveryMethod } from './extensions/invitations/invitation-representation';
import { createInvitationsService, type InvitationsService } from './extensions/invitations/invitations-service';
import { createRoleCatalogue } from './extensions/roles/role-catalogue';
import { createRolesExtension, type RolesExtension } from './extensions/roles/roles-extension';
import { createTransferService, type TransferService } from './extensions/transfer/transfer-service';
import type { KdfParameters } from './extensions/transfer/sealed-hash';
import { createTransferJobs, type TransferJobs } from './extensions/transfer/transfer-jobs';
import { createTenantJobs, type TenantJobs } from './jobs/tenant-jobs';
import { createJobQueue } from './jobs/job-queue';
import { composeBehaviours } from './resources/compose-behaviours';
import { createFairQueue } from './resources/fair-queue';
import { createGroupBehaviour } from './resources/groups/group-behaviour';
import { createUserMembershipBehaviour } from './resources/groups/user-groups-behaviour';
import { createResourceService, type ResourceService } from './resources/resource-service';
import { createPasswords, type Passwords } from './resources/users/password';
import { createUserBehaviour } from './resources/users/user-behaviour';
import { createCursorCodec, type CursorCodec } from './scim/list/cursor-codec';
import type { SchemaRegistry } from './scim/schema/registry';
import { createResourceValidators } from './scim/schema/validate-resource';
import { createSettingsReader, type SettingsReader } from './settings/settings-reader';
import type { Store } from './store/tenant-store';

/** The accept link when neither SCIM_INVITATION_LINK nor SCIM_BASE_URL says where the server is. */
export const DEFAULT_INVITATION_LINK = 'http://localhost:8080/scim/v2/Invitations/accept#token={token}';

export interface ServicesLogger {
  warn(details: object, message: string): void;
}

export interface ServicesDeps {
  readonly store: Store;
  readonly registry: SchemaRegistry;
  readonly logger: ServicesLogger;
  readonly clock?: () => Date;
  /**
   * Password hashing (scrypt). By default one fair queue per process, running one hash per core: tenants take turns,
   * and so do the requests of a tenant (src/resources/fair-queue.ts).
   */
  readonly passwords?: Passwords;
  /** Seals list cursors (the app's, from SCIM_CURSOR_SECRET); background work, which serves no list, gets its own. */
  readonly cursors?: CursorCodec;
  /** SCIM_GROUP_MEMBERS_MAX: the most members a Group response lists. */
  readonly groupMembersMax?: number;
  /** SCIM_MAX_ATTRIBUTE_VALUES. */
  readonly maxAttributeValues?: number;
  /** The local worker host's wake(), so that a job enqueued by a request starts at once in this process. */
  readonly wakeWorkers?: () => void;
  /** The most holders of a renamed or force-deleted role moved within the request (README "Roles"); tests lower it. */
  readonly inlineHolders?: number;
  /** The KDF cost of exports (README "Export and import"); tests lower it. */
  readonly exportKdf?: KdfParameters;
  /** Users per part of an export file (README "Export and import"); tests lower it. */
  readonly exportPartUsers?: number;
  /** SCIM_IMPORT_CONCURRENCY: records an import works on at once (README "Export and import"). */
  readonly importConcurrency?: number;
  /** README "Invitations": the server's accept-link template (SCIM_INVITATION_LINK or its default) and how links reach people. */
  readonly invitations?: { readonly linkTemplate: string; readonly deliveryMethod: DeliveryMethod; readonly filterMaxLength?: number };
}

export interface Services {
  readonly resources: ResourceService;
  readonly roles: RolesExtension;
  readonly lifecycle: LifecycleService;
  readonly settings: SettingsReader;
  readonly passwords: Passwords;
  readonly transfer: TransferService;
  readonly transferJobs: TransferJobs;
  /** GET /Jobs and the rest of README "Jobs". */
  readonly tenantJobs: TenantJobs;
  readonly invitations: InvitationsService;
}

export function buildServices(deps: ServicesDeps): Services {
  const { store, registry, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  // Per-tenant settings through one cache (README "Tenant settings"); the tolerances are read on each write.
  const settings = createSettingsReader({
    store: store.settings,
    clock: deps.clock,
    onInvalid: (tenantId, key, problem) => logger.warn({ tenantId, key, problem }, 'a stored tenant setting is no longer valid; its default applies'),
  });
  const membershipDeps = {
    registry,
    resources: store.resources,
    memberships: store.memberships,
    maxMembersReturned: deps.groupMembersMax,
    unknownMembers: async (context: RequestContext) => (await settings.forTenant(context.tenantId))['tolerance.unknownMembers'],
    warn: (details: Record<string, unknown>, message: string) => logger.warn(details, message),
  };
  const passwords = deps.passwords ?? createPasswords({ queue: createFairQueue({ concurrency: availableParallelism() }) });
  const jobQueue = createJobQueue({ jobs: store.jobs, outbox: store.outbox, clock: deps.clock, wake: deps.wakeWorkers });
  // README "Roles": the catalogue check on User writes, the Role type's own rules, the routes' service, the holders job.
  const roles = createRolesExtension({
    store: store.resources,
    registry,
    settings,
    jobs: jobQueue,
    jobRecords: store.jobs,
    resources: () => resources,
    clock: deps.clock,
    inlineHolders: deps.inlineHolders,
    maxAttributeValues: deps.maxAttributeValues,
  });
  const resources: ResourceService = createResourceService({
    store: store.resources,
    registry,
    validatorFor: createResourceValidators(registry),
    unknownSchemas: async (context) => (await settings.forTenant(context.tenantId))['tolerance.unknownSchemas'],
    // Group.members lives in the membership relation; User.groups is computed from it (README "Groups"); User.roles
    // and the Role type follow the tenant's role catalogue (README "Roles"); the lifecycle extension keeps User's state
    // and password flags, and the tenant's password policy applies to every new password (README "Account lifecycle").
    behaviours: {
      User: composeBehaviours(
        createUserBehaviour({ passwords, passwordRule: createPasswordPolicy({ settings, passwords }) }),
        createUserMembershipBehaviour(membershipDeps),
        roles.userBehaviour,
        createLifecycleBehaviour({ clock, signIns: store.signIns }),
      ),
      Group: composeBehaviours(createGroupBehaviour(membershipDeps)),
      Role: composeBehaviours(roles.roleBehaviour),
    },
    clock: deps.clock,
    maxAttributeValues: deps.maxAttributeValues,
    // Group membership changes are recorded with the group's write and finished by the membership store.
    pending: store.memberships,
  });
  // README "Account lifecycle": the action routes, the credential check, the sign-in history and its sweep.
  const cursors = deps.cursors ?? createCursorCodec({ secret: randomBytes(32), timeoutSeconds: 3600, clock: deps.clock });
  const lifecycle = createLifecycleService({
    resources,
    store: store.resources,
    signIns: store.signIns,
    passwords,
    settings,
    registry,
    cursors,
    clock: deps.clock,
  });
  // README "Export and import": users with their groups, roles, lifecycle and sealed password hashes, out and in.
  const transfer = createTransferService({
    registry,
    resources,
    settings,
    cursors,
    kdf: deps.exportKdf,
    concurrency: deps.importConcurrency,
    warn: (details, message) => logger.warn(details, message),
  });
  const transferJobs = createTransferJobs({
    registry,
    resources,
    blobs: store.blobs,
    jobs: jobQueue,
    clock: deps.clock,
    kdf: deps.exportKdf,
    partUsers: deps.exportPartUsers,
    importConcurrency: deps.importConcurrency,
  });
  const tenantJobs = createTenantJobs({ jobs: store.jobs, blobs: store.blobs, files: transferJobs.files, cursors, clock: deps.clock });
  // README "Invitations": invite, resend, cancel, accept, and the expiry of what is due.
  const invitations = createInvitationsService({
    invitations: store.invitations,
    outbox: store.outbox,
    resources,
    reader: store.resources,
    catalogue: createRoleCatalogue({ store: store.resources, registry }),
    settings,
    passwordRule: createPasswordPolicy({ settings, passwords }),
    registry,
    cursors,
    linkTemplate: deps.invitations?.linkTemplate ?? DEFAULT_INVITATION_LINK,
    deliveryMethod: deps.invitations?.deliveryMethod ?? DeliveryMethod.manual,
    filterMaxLength: deps.invitations?.filterMaxLength,
    clock: deps.clock,
    wake: deps.wakeWorkers,
  });
  return { resources, roles, lifecycle, settings, passwords, transfer, transferJobs, tenantJobs, invitations };
}
