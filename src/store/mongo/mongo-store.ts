// The MongoDB store: one pooled MongoClient per process, collections `resources`, `memberships`, `tenants`, `tokens`,
// `tenant_settings`, `jobs`, `outbox`, `audit_events`, `rate_counters`, `idempotency_keys`, `sign_ins`, the GridFS
// bucket `blobs` and `store_meta` in one database. The server itself keeps no state, so any number of instances can share it.
//
// Availability. The driver retries a read or a write once on a network error or a primary election (retryReads,
// retryWrites), and gives up on finding a server after serverSelectionTimeoutMS (5 s here, instead of the driver's
// 30 s, so that a request answers 503 quickly rather than hang). Every failure of that kind becomes StoreError
// `unavailable` (503). The store starts without the database: index creation is retried at start-up for a while
// (prepare()), and then on the next operation until it succeeds; nothing is written before the unique indexes exist,
// because uniqueness depends on them. Transitions between "reachable" and "unreachable" are logged once each.
import { MongoClient, type Db, type MongoClientOptions, type TopologyDescriptionChangedEvent } from 'mongodb';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { DerivedDataState } from '../derived-data';
import { createStoreModel } from '../model/resource-model';
import { StoreError } from '../store-error';
import type { Store } from '../tenant-store';
import { COLLECTIONS, createIndexes, planIndexes, type IndexPlan } from './indexes';
import { isUnavailable, whenReady } from './mongo-errors';
import { createMongoAuditEventStore, type AuditEventDocument } from './mongo-audit-event-store';
import { createMongoBlobStore } from './mongo-blob-store';
import { createMongoJobStore, type JobDocument } from './mongo-job-store';
import { createMongoMembershipStore, memberGroupsResolver } from './mongo-membership-store';
import { createMongoIdempotencyStore, type IdempotencyDocument } from './mongo-idempotency-store';
import { createMongoOutboxStore, type OutboxDocument } from './mongo-outbox-store';
import { createMongoRateLimitStore, type RateCounterDocument } from './mongo-rate-limit-store';
import { createMongoResourceStore } from './mongo-resource-store';
import { deleteMongoTenant, holdsStore } from './mongo-tenant-deletion';
import { createMongoSettingsStore, type SettingsDocument } from './mongo-settings-store';
import { createMongoInvitationStore, type InvitationDocument, type InvitationTokenDocument } from './mongo-invitation-store';
import { createMongoSignInStore, type SignInDocument } from './mongo-sign-in-store';
import { announcingAccessChanges, createAccessChanges } from '../access-changes';
import { createMongoTenantStore, type BootstrapClaim, type TenantDocument, type TokenDocument } from './mongo-tenant-store';
import type { MembershipDocument } from './membership-document';
import { createModelFence, type ModelDocument, type ModelFence } from './model-generations';
import { createMongoDerivedData } from './mongo-derived-data';
import type { ResourceDocument } from './resource-document';

/** The subset of a pino logger the store writes to. */
export interface StoreLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface MongoStore extends Store {
  /**
   * Creates the indexes and records this instance's schema model (a new one is then rebuilt for by a background job,
   * see ../derived-data.ts). Retries while MongoDB is
   * unreachable, for at most `waitMs`; then returns anyway, and every operation retries until it succeeds.
   * Throws for failures that waiting does not cure (authentication, a duplicate that blocks a unique index).
   */
  prepare(options?: { readonly waitMs?: number }): Promise<void>;
  /** True when the database already holds a store (tenants, tokens or store metadata); connects if needed. */
  holdsStore(): Promise<boolean>;
}

export interface MongoStoreOptions {
  /** mongodb:// or mongodb+srv:// connection string; its path names the database (default `scim`). */
  readonly uri: string;
  readonly registry: SchemaRegistry;
  readonly logger?: StoreLogger;
  /** Options that win over the defaults below (an option written in the URI wins over the defaults too). */
  readonly clientOptions?: MongoClientOptions;
  /**
   * Record this process's schema model in the store at start-up (model-generations.ts): true for servers (the default);
   * the admin CLI passes false, so that running it from another version never changes which model is current.
   */
  readonly registerModel?: boolean;
  /** The server stops a list or search query past this many ms (maxTimeMS; SCIM_QUERY_TIMEOUT_MS). */
  readonly queryTimeoutMs?: number;
}

export const DEFAULT_DATABASE = 'scim';
export const DEFAULT_START_WAIT_MS = 30_000;
const RETRY_PAUSE_MS = 1000;

/** Bumped whenever the derived fields (resource-document.ts) change shape, so that the stored ones are rebuilt. */
// mongo-2: sort keys (sort-keys.ts); mongo-3: trigrams (trigrams.ts).
const DERIVATION_FORMAT = 'mongo-3';

/** Client defaults: a fast 503 over a hanging request, retries on, a name in the server's logs. */
export const CLIENT_DEFAULTS: Readonly<MongoClientOptions> = {
  appName: 'scim-server',
  serverSelectionTimeoutMS: 5000,
  connectTimeoutMS: 5000,
  retryReads: true,
  retryWrites: true,
};

/** The defaults the URI does not set itself (URI option names are case-insensitive). */
export function clientOptionsFor(uri: string, overrides: MongoClientOptions = {}): MongoClientOptions {
  const query = uri.includes('?') ? uri.slice(uri.indexOf('?') + 1).split('#')[0] : '';
  const named = new Set([...new URLSearchParams(query).keys()].map((key) => key.toLowerCase()));
  const defaults = Object.fromEntries(Object.entries(CLIENT_DEFAULTS).filter(([key]) => !named.has(key.toLowerCase())));
  return { ...defaults, ...overrides };
}

/** The database the URI's path names, or `scim`. */
export function databaseNameOf(uri: string): string {
  const path = /^mongodb(?:\+srv)?:\/\/[^/?#]*\/([^?#]*)/i.exec(uri)?.[1] ?? '';
  return path === '' ? DEFAULT_DATABASE : decodeURIComponent(path);
}

export function createMongoStore(options: MongoStoreOptions): MongoStore {
  let client: MongoClient;
  try {
    client = new MongoClient(options.uri, clientOptionsFor(options.uri, options.clientOptions));
  } catch (error) {
    // The driver's parse errors name the problem, never the password; the URI itself is not repeated.
    throw new Error(`The MongoDB connection string is not valid: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (options.logger) watchTopology(client, options.logger);
  return mongoStoreOn({
    db: client.db(databaseNameOf(options.uri)),
    registry: options.registry,
    logger: options.logger,
    registerModel: options.registerModel,
    queryTimeoutMs: options.queryTimeoutMs,
    // The driver keeps a closed topology after a failed first connect, and its implicit connect never replaces
    // it: only an explicit connect() opens a new one, so every preparation attempt makes one.
    connect: async () => {
      await client.connect();
    },
    close: () => client.close(),
  });
}

export interface MongoStoreDeps {
  readonly db: Db;
  readonly registry: SchemaRegistry;
  readonly logger?: StoreLogger;
  /** Opens (or reopens) the connection before the database is prepared. */
  readonly connect?: () => Promise<void>;
  /** Closes the client (graceful shutdown). */
  readonly close: () => Promise<void>;
  /**
   * Record this process's schema model in the store at start-up (model-generations.ts): true for servers (the default);
   * the admin CLI passes false, so that running it from another version never changes which model is current.
   */
  readonly registerModel?: boolean;
  /** maxTimeMS of list and search queries (none when unset). */
  readonly queryTimeoutMs?: number;
}

/** The store on an open database handle (createMongoStore makes the handle from a URI). */
export function mongoStoreOn(deps: MongoStoreDeps): MongoStore {
  const { db, logger } = deps;
  const model = createStoreModel(deps.registry);
  const plan = planIndexes(deps.registry, model);
  const resources = db.collection<ResourceDocument>(COLLECTIONS.resources);
  const memberships = db.collection<MembershipDocument>(COLLECTIONS.memberships);
  const tenants = db.collection<TenantDocument>(COLLECTIONS.tenants);
  const fence = createModelFence(db.collection<ModelDocument>(COLLECTIONS.meta), `${DERIVATION_FORMAT}:${model.fingerprint}`);

  let setup: Promise<void> | undefined;
  let closed = false;
  /** Resolves once the database is prepared; a failed attempt is forgotten, so that the next call tries again. */
  const ready = (): Promise<void> => {
    if (closed) return Promise.reject(new StoreError('unavailable', 'The MongoDB store is closed'));
    setup ??= (async () => {
      await deps.connect?.();
      await prepareDatabase(db, plan, deps.registerModel === false ? undefined : fence, logger);
    })().catch((error: unknown) => {
      setup = undefined;
      throw error;
    });
    return setup;
  };
  const blobs = createMongoBlobStore({ db, ready });
  const outbox = createMongoOutboxStore({ outbox: db.collection<OutboxDocument>(COLLECTIONS.outbox), ready });
  const accessChanges = createAccessChanges();

  return {
    resources: createMongoResourceStore({
      resources,
      model,
      plan,
      ready,
      fence,
      outbox,
      memberGroups: (tenantId) => memberGroupsResolver(memberships, tenantId),
      queryTimeoutMs: deps.queryTimeoutMs,
    }),
    tenants: announcingAccessChanges(
      createMongoTenantStore({ tenants, tokens: db.collection<TokenDocument>(COLLECTIONS.tokens), meta: db.collection<BootstrapClaim>(COLLECTIONS.meta), ready }),
      accessChanges,
    ),
    memberships: createMongoMembershipStore({ memberships, resources, outbox, ready }),
    settings: createMongoSettingsStore({ settings: db.collection<SettingsDocument>(COLLECTIONS.settings), tenants, ready }),
    jobs: createMongoJobStore({ jobs: db.collection<JobDocument>(COLLECTIONS.jobs), ready }),
    outbox,
    auditEvents: createMongoAuditEventStore({ events: db.collection<AuditEventDocument>(COLLECTIONS.auditEvents), ready }),
    blobs,
    rateLimits: createMongoRateLimitStore({ counters: db.collection<RateCounterDocument>(COLLECTIONS.rateCounters), ready }),
    idempotency: createMongoIdempotencyStore({ keys: db.collection<IdempotencyDocument>(COLLECTIONS.idempotencyKeys), ready }),
    derivedData: createMongoDerivedData({ resources, model, plan, fence, run: whenReady(ready) }),
    signIns: createMongoSignInStore({ signIns: db.collection<SignInDocument>(COLLECTIONS.signIns), ready }),
    invitations: createMongoInvitationStore({
      invitations: db.collection<InvitationDocument>(COLLECTIONS.invitations),
      tokens: db.collection<InvitationTokenDocument>(COLLECTIONS.invitationTokens),
      ready,
    }),

    async deleteTenant(tenantId) {
      return whenReady(ready)(async () => {
        try {
          // GridFS documents carry the tenant in their metadata, not as `tenantId`: they go first, while the tenant (and
          // so a rerun after an interruption) still exists.
          if ((await tenants.countDocuments({ _id: tenantId }, { limit: 1 })) === 0) return null;
          const blobCount = await blobs.deleteTenantBlobs(tenantId);
          const deletion = await deleteMongoTenant(db, tenantId);
          return deletion && blobCount > 0 ? { removed: { ...deletion.removed, [COLLECTIONS.blobFiles]: blobCount } } : deletion;
        } finally {
          accessChanges.notify();
        }
      });
    },

    async holdsStore() {
      await deps.connect?.();
      return holdsStore(db);
    },

    async ping() {
      await whenReady(ready)(() => db.command({ ping: 1 }));
    },

    async close() {
      if (closed) return;
      closed = true;
      // This instance no longer runs its model (model-generations.ts); a store that cannot be reached forgets it anyway.
      await fence.deregister().catch(() => undefined);
      await deps.close();
    },

    async prepare(options = {}) {
      const waitMs = options.waitMs ?? DEFAULT_START_WAIT_MS;
      const deadline = Date.now() + waitMs;
      for (let attempt = 1; ; attempt++) {
        try {
          await ready();
          return;
        } catch (error) {
          const cause = error instanceof StoreError && error.cause !== undefined ? error.cause : error;
          if (!isUnavailable(cause)) throw error;
          if (Date.now() + RETRY_PAUSE_MS >= deadline) {
            logger?.error({ err: cause, attempts: attempt }, 'MongoDB is unreachable; starting without it: requests answer 503 until it is back');
            return;
          }
          logger?.warn({ err: cause, attempt }, 'MongoDB is unreachable; retrying');
          await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
        }
      }
    },
  };
}

/**
 * Creates the indexes first, so that uniqueness holds before anything is written (and throughout a rebuild), then
 * records this instance's schema model (model-generations.ts) when it is a server.
 */
async function prepareDatabase(db: Db, plan: IndexPlan, fence: ModelFence | undefined, logger: StoreLogger | undefined): Promise<void> {
  try {
    await createIndexes(db, plan);
  } catch (error) {
    if (isUnavailable(error)) throw error;
    throw new Error(
      'Cannot create the indexes of the MongoDB store (a unique index fails when stored resources already repeat a value, or an index of the same name exists with another definition)',
      { cause: error },
    );
  }
  if (!fence) return;
  const resources = db.collection(COLLECTIONS.resources);
  const state = await fence.register(async () => (await resources.countDocuments({}, { limit: 1 })) > 0);
  if (state === DerivedDataState.rebuilding) {
    logger?.info(
      { model: fence.model },
      "this server's schema model is new to the store: stored resources are rebuilt for it by a background job; /ready answers 503 until the job is done",
    );
  } else if (state === DerivedDataState.outdated) {
    logger?.warn(
      { model: fence.model },
      'a newer server version changed the schema model of this store: this instance refuses writes that would leave stale derived fields (503); replace it with the current version',
    );
  }
}

/** Logs when the deployment becomes unreachable (no server answers) and when it is reachable again. */
export function watchTopology(client: Pick<MongoClient, 'on'>, logger: StoreLogger): void {
  let reachable = false;
  let wasReachable = false;
  client.on('topologyDescriptionChanged', (event: TopologyDescriptionChangedEvent) => {
    const servers = [...event.newDescription.servers.values()];
    const now = servers.some((server) => server.type !== 'Unknown');
    if (now === reachable) return;
    if (now) logger.info({ servers: servers.length }, wasReachable ? 'MongoDB is reachable again' : 'MongoDB is reachable');
    else logger.warn({ servers: servers.length }, 'MongoDB is unreachable: requests answer 503 until it is back');
    wasReachable ||= now;
    reachable = now;
  });
}
