// Composition root: wires the store, services and routers into an Express app. No env, no listen.
import { randomBytes, randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { createLastUsedRecorder } from './auth/last-used';
import { createBearerAuthenticator } from './auth/passport-bearer';
import { createTokenVerifier } from './auth/verify-token';
import { OPTIONS, type Config } from './config/options';
import { createAuditBuffer, type AuditBuffer } from './extensions/audit/audit-buffer';
import { auditRoutes } from './http/audit-routes';
import { auditTrail } from './http/middleware/audit-trail';
import { errorHandler } from './http/middleware/error-handler';
import { rebuildReadiness, type Readiness } from './jobs/derived-data-rebuild';
import { jsonBody } from './http/middleware/json-body';
import { unsupportedVersions } from './http/protocol-version';
import { installIdempotency } from './http/middleware/idempotency';
import { guardAuthentication, installRateLimiter, limitRequests } from './http/middleware/rate-limit';
import { requestMetrics } from './http/middleware/request-metrics';
import { metricsRouter } from './http/routes/metrics-router';
import { createIdempotency } from './idempotency/idempotency-service';
import { instrumentStore } from './metrics/instrument-store';
import { holdUntilDurable } from './http/middleware/hold-until-durable';
import { createMetrics, type Metrics } from './metrics/metrics';
import { requestContext } from './http/middleware/request-context';
import { SECURITY_HEADERS, sendScim } from './http/respond';
import { buildOpenApiDocument } from './http/openapi/openapi-document';
import { routeDocs } from './http/openapi/route-docs';
import { mountedRouter } from './http/route-template';
import { version as packageVersion } from '../package.json';
import { discoveryRouter } from './http/routes/discovery-router';
import { bulkRouter } from './http/routes/bulk-router';
import { resourceReadsRouter, resourcesRouter, resourceWritesRouter } from './http/routes/resources-router';
import { rootSearchRouter } from './http/routes/root-search-router';
import { lifecycleRouter } from './http/routes/lifecycle-router';
import { transferRouter } from './http/routes/transfer-router';
import { jobsRouter } from './http/routes/jobs-router';
import { invitationAcceptRouter, invitationsRouter } from './http/routes/invitations-router';
import { DeliveryMethod } from './extensions/invitations/invitation-representation';
import { buildServices } from './services';
import type { KdfParameters } from './extensions/transfer/sealed-hash';
import type { Passwords } from './resources/users/password';
import { auditEventsRouter } from './http/routes/audit-events-router';
import { createAuditQueryService } from './extensions/audit/audit-query';
import { withProductTypes } from './scim/schema/product-registry';
import type { Resolver } from './extensions/webhooks/address-policy';
import { systemResolver } from './extensions/webhooks/dns-resolver';
import { DEFAULT_DELIVERY_TIMEOUT_MS, type DeliveryPolicy } from './extensions/webhooks/post-delivery';
import { createSecretBox, type SecretBox } from './extensions/webhooks/secret-box';
import { createWebhookBehaviour } from './extensions/webhooks/webhook-behaviour';
import { WEBHOOK_TYPE } from './extensions/webhooks/webhook-events';
import { webhookSubscriptions, type WebhookSubscriptions } from './extensions/webhooks/webhook-subscriptions';
import { webhooksRouter } from './http/routes/webhooks-router';
import { createCursorCodec } from './scim/list/cursor-codec';
import type { RateLimitConfig } from './limits/request-limits';
import { createRateLimiter, type RateLimiter } from './limits/rate-limiter';
import { createBulkService } from './resources/bulk/bulk-service';
import type { ServerCapabilities } from './resources/discovery/service-provider-config';
import { roleDeletionRouter, userRolesRouter } from './http/routes/roles-router';
import { scimErrors } from './scim/errors';
import { secretAttributeNames } from './scim/filter/redact-filter';
import type { SchemaRegistry } from './scim/schema/registry';
import type { Store } from './store/tenant-store';
import { composeBehaviours } from './resources/compose-behaviours';
import { createResourceService } from './resources/resource-service';
import { createResourceValidators } from './scim/schema/validate-resource';

export type AppConfig = Pick<
  Config,
  'basePath' | 'publicBaseUrl' | 'bodyLimit' | 'maxResults' | 'defaultPageSize' | 'filterMaxLength' | 'filterMaxDepth' | 'publicDiscovery' | 'trustProxy'
> &
  Partial<Pick<Config, 'cursorSecret' | 'cursorTimeout'>> &
  Partial<Pick<Config, 'bulkMaxOperations' | 'bulkMaxPayload' | 'bulkDeleteMaxIds' | 'importMaxFile' | 'importConcurrency'>> &
  Partial<Pick<Config, 'groupMembersMax' | 'maxAttributeValues' | 'filterMaxCost'>> &
  Partial<Pick<Config, 'rateLimitToken' | 'rateLimitTenant' | 'rateLimitWindow' | 'rateLimitAuthFailures'>> &
  Partial<Pick<Config, 'metrics' | 'metricsToken'>> &
  Partial<Pick<Config, 'webhooksAllowPrivate'>> &
  Partial<Pick<Config, 'tokenCacheMs'>> &
  Partial<Pick<Config, 'invitationLink' | 'smtpUrl'>>;

/** RFC 9865 cursorTimeout when the configuration names none (the SCIM_CURSOR_TIMEOUT default). */
const DEFAULT_CURSOR_TIMEOUT = 3600;

export interface AppDeps {
  readonly config: AppConfig;
  readonly store: Store;
  readonly registry: SchemaRegistry;
  readonly logger: Logger;
  readonly clock?: () => Date;
  /**
   * Password hashing (scrypt). By default one fair queue per app, running one hash per core: tenants take turns, and
   * so do the requests of a tenant (src/resources/fair-queue.ts).
   */
  readonly passwords?: Passwords;
  /** The rate limiter (default: one per app on store.rateLimits, shared with every instance on the store). */
  readonly rateLimiter?: RateLimiter;
  /**
   * The metrics, when SCIM_METRICS is not off, with `store` already instrumented and the backlog watched (main.ts
   * does it once for the app and the workers). Without them, an app with metrics on makes its own.
   */
  readonly metrics?: Metrics;
  /** The local worker host's wake(): a job a request enqueues starts at once in this process. */
  readonly wakeWorkers?: () => void;
  /** The most holders of a renamed or force-deleted role moved within the request (README "Roles"); tests lower it. */
  readonly inlineHolders?: number;
  /**
   * Where audit events that describe no change of state go (reads, failures): a buffer that writes them to the audit
   * store in batches (src/extensions/audit/audit-buffer.ts). main.ts passes its own, to flush it at shutdown; without
   * it, the app makes one.
   */
  readonly readAudit?: ReadAudit;
  /**
   * The key that seals webhook secrets (undefined: none, webhooks cannot be created) and the DNS resolver of the SSRF
   * checks (tests resolve names their own way). Without this, a key of this app alone and the system resolver.
   */
  readonly webhooks?: { readonly secrets: SecretBox | undefined; readonly resolve?: Resolver };
  /** The KDF cost of exports (README "Export and import"); tests lower it. */
  readonly exportKdf?: KdfParameters;
}

/** What the webhook routes and their deliveries need, as buildApp and buildWorkers share it. */
export function webhookPolicy(config: { readonly webhooksAllowPrivate?: boolean }, resolve: Resolver = systemResolver): DeliveryPolicy {
  return { allowPrivate: config.webhooksAllowPrivate ?? false, resolve, timeoutMs: DEFAULT_DELIVERY_TIMEOUT_MS, userAgent: `scim-server/${packageVersion} webhooks` };
}

/**
 * The buffer of audit events that describe no change, and the webhook subscriptions that decide which events take the
 * outbox to the webhooks: the buffer's read events, and (through the audit trail) the events a write carries. Remembered
 * a few seconds; the app's webhook routes make it forget a tenant they write.
 */
export interface ReadAudit {
  readonly buffer: AuditBuffer;
  readonly subscriptions: WebhookSubscriptions;
}

export function createReadAudit(store: Pick<Store, 'auditEvents' | 'outbox' | 'resources'>, deps: { readonly clock?: () => Date; readonly logger: AppDeps['logger'] }): ReadAudit {
  const clock = deps.clock ?? (() => new Date());
  const subscriptions = webhookSubscriptions({ resources: store.resources, clock });
  const buffer = createAuditBuffer({ auditEvents: store.auditEvents, outbox: store.outbox, subscribed: subscriptions.subscribed, clock, newId: randomUUID, logger: deps.logger });
  return { buffer, subscriptions };
}

/** The metrics of an app with SCIM_METRICS on or on a port: the given ones, or new ones over this store. */
function metricsOf(deps: AppDeps): { metrics?: Metrics; store: Store } {
  if ((deps.config.metrics?.mode ?? 'off') === 'off') return { store: deps.store };
  if (deps.metrics) return { metrics: deps.metrics, store: deps.store };
  const metrics = createMetrics();
  const store = instrumentStore(deps.store, metrics);
  metrics.watchBacklog(store, (error) => deps.logger.warn({ err: error }, 'could not read the job and outbox backlog for the metrics'));
  return { metrics, store };
}

/** Rate limits from the configuration, with the option table's defaults when a test config leaves them out. */
export function rateLimitConfigOf(config: AppConfig): RateLimitConfig {
  return {
    perTokenPerSecond: config.rateLimitToken ?? OPTIONS.rateLimitToken.default,
    perTenantPerSecond: config.rateLimitTenant ?? OPTIONS.rateLimitTenant.default,
    windowSeconds: config.rateLimitWindow ?? OPTIONS.rateLimitWindow.default,
    authFailuresPerMinute: config.rateLimitAuthFailures ?? OPTIONS.rateLimitAuthFailures.default,
  };
}

/** Bulk limits from the configuration, with the option table's defaults when a test config leaves them out. */
function bulkLimitsOf(config: AppConfig) {
  return {
    maxOperations: config.bulkMaxOperations ?? OPTIONS.bulkMaxOperations.default,
    maxPayloadSize: config.bulkMaxPayload ?? OPTIONS.bulkMaxPayload.default,
    deleteMaxIds: config.bulkDeleteMaxIds ?? OPTIONS.bulkDeleteMaxIds.default,
  };
}

/** What the server does today, advertised by /ServiceProviderConfig (RFC 7643 §5). */
export function capabilitiesOf(config: AppConfig): ServerCapabilities {
  return {
    patch: true,
    // RFC 7644 §3.7.4: the limits POST /Bulk enforces (413 above them).
    bulk: { supported: true, maxOperations: bulkLimitsOf(config).maxOperations, maxPayloadSize: bulkLimitsOf(config).maxPayloadSize },
    filter: { supported: true, maxResults: config.maxResults },
    changePassword: true,
    sort: true,
    etag: true,
    // RFC 9865: both methods; index stays the default so that clients written for RFC 7644 alone see no change.
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: config.defaultPageSize,
      maxPageSize: config.maxResults,
      cursorTimeout: config.cursorTimeout ?? DEFAULT_CURSOR_TIMEOUT,
    },
  };
}

export function buildApp(deps: AppDeps): Express {
  const { config, registry, logger } = deps;
  const { metrics, store } = metricsOf(deps);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.locals.scimBasePath = config.basePath;

  app.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  // Before anything that answers: no response leaves while a write committed before it is not yet on disk.
  const durable = deps.store.durable?.bind(deps.store);
  if (durable) app.use(holdUntilDurable(durable));
  app.use(requestContext(logger, { secretAttributes: secretAttributeNames(registry) }));
  if (metrics) app.use(requestMetrics(metrics));
  const clock = deps.clock ?? (() => new Date());
  const readAudit = deps.readAudit ?? createReadAudit(store, { clock, logger });
  app.use(
    auditTrail({ routes: auditRoutes(routeDocs(registry), config.basePath), sink: readAudit.buffer, mayBeSubscribed: readAudit.subscriptions.mayWant, clock, newId: randomUUID }),
  );

  // Liveness and readiness live outside the SCIM base path and need no token (they reveal nothing).
  app.get('/health', (_req, res) => sendScim(res, 200, { status: 'ok' }));
  app.get('/ready', async (req, res) => {
    let derived: Readiness;
    try {
      await store.ping();
      // On MongoDB after a schema change: not ready while stored resources are rebuilt for this instance's model.
      derived = store.derivedData ? await rebuildReadiness(store.derivedData, store.jobs) : { ready: true };
    } catch (error) {
      req.log.warn({ err: error }, 'store not reachable');
      throw scimErrors.unavailable('The directory store is not reachable', error);
    }
    if (!derived.ready) throw scimErrors.unavailable(derived.detail);
    sendScim(res, 200, { status: 'ready', ...(derived.note === undefined ? {} : { note: derived.note }) });
  });
  // SCIM_METRICS=on: Prometheus scrapes this port, with SCIM_METRICS_TOKEN (checked at start-up to be set).
  if (metrics && config.metrics?.mode === 'on') app.use(metricsRouter({ metrics, token: config.metricsToken }));

  // The API description follows the rule of the discovery routes it repeats (/Schemas): a token unless public.
  const recordUse = createLastUsedRecorder({
    tenants: store.tenants,
    now: deps.clock,
    onError: (error, tokenId) => logger.warn({ err: error, tokenId }, 'could not record when a token was last used'),
  });
  const rateLimits = rateLimitConfigOf(config);
  const limiter =
    deps.rateLimiter ??
    createRateLimiter({ store: store.rateLimits, clock: deps.clock, onError: (error) => logger.warn({ err: error }, 'rate-limit counters not reachable; counting locally') });
  const onRefused = metrics ? (limit: string) => metrics.countRateLimitRefusal(limit) : undefined;
  // Routes that need no token limit their callers per address with limitByAddress, which counts with this limiter.
  installRateLimiter(app, limiter, { onRefused });
  const authenticate = guardAuthentication(createBearerAuthenticator(createTokenVerifier({ tenants: store.tenants, now: deps.clock, recordUse, cacheMs: config.tokenCacheMs })), {
    limiter,
    config: rateLimits,
    onRefused,
  });
  const openApi = JSON.stringify(
    buildOpenApiDocument({ registry, basePath: config.basePath, publicDiscovery: config.publicDiscovery, version: packageVersion, metrics: config.metrics?.mode === 'on' }),
  );
  app.get('/openapi.json', ...(config.publicDiscovery ? [] : [authenticate]), (_req, res) => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(openApi);
  });

  // Without a configured secret, cursors are sealed with a key of this process: they do not survive a restart and
  // are not accepted by another instance (README: set SCIM_CURSOR_SECRET when running several).
  const cursors = createCursorCodec({
    secret: config.cursorSecret ?? randomBytes(32),
    timeoutSeconds: config.cursorTimeout ?? DEFAULT_CURSOR_TIMEOUT,
    clock: deps.clock,
  });

  const services = buildServices({
    store,
    registry,
    logger,
    clock: deps.clock,
    passwords: deps.passwords,
    cursors,
    groupMembersMax: config.groupMembersMax,
    maxAttributeValues: config.maxAttributeValues,
    wakeWorkers: deps.wakeWorkers,
    inlineHolders: deps.inlineHolders,
    exportKdf: deps.exportKdf,
    importConcurrency: config.importConcurrency,
    invitations: {
      linkTemplate: config.invitationLink ?? `${config.publicBaseUrl ?? `http://localhost:8080${config.basePath}`}/Invitations/accept#token={token}`,
      deliveryMethod: config.smtpUrl ? DeliveryMethod.smtp : DeliveryMethod.manual,
      filterMaxLength: config.filterMaxLength,
    },
  });
  const service = services.resources;
  const capabilities = capabilitiesOf(config);
  const listLimits = {
    maxResults: config.maxResults,
    defaultCount: config.defaultPageSize,
    filterMaxLength: config.filterMaxLength,
    filterMaxDepth: config.filterMaxDepth,
    filterMaxCost: config.filterMaxCost,
  };

  // Discovery shows the product resource types (AuditEvent, Webhook) beside SCIM's; they have routes of their own.
  const describedRegistry = withProductTypes(registry);
  const scim = mountedRouter();
  const discovery = discoveryRouter({ registry: describedRegistry, capabilities, publicBaseUrl: config.publicBaseUrl });
  if (config.publicDiscovery) scim.use(discovery);
  // README "Invitations": the accept link is its own credential; the route limits callers per address instead.
  scim.use('/Invitations', invitationAcceptRouter({ invitations: services.invitations, bodyLimit: config.bodyLimit }));
  scim.use(authenticate);
  // Per token and per tenant, before any body is read: a refused client uploads nothing.
  scim.use(limitRequests({ limiter, config: rateLimits, settingsOf: (tenantId) => services.settings.forTenant(tenantId), onRefused }));
  // The reads IdPs make most (GET /Users/{id}, GET /Users?filter=…) go straight to their handlers, ahead of the routers
  // below that never answer them; everything else passes on (resources-router.ts, resourceReadsRouter).
  const resourceDeps = { registry, service, listLimits, cursors, publicBaseUrl: config.publicBaseUrl };
  for (const type of registry.resourceTypes) scim.use(type.endpoint, resourceReadsRouter(type, resourceDeps));
  // The same for the writes they make most (POST /Users, PATCH and PUT /Users/{id}): each route reads its body with the
  // parser every other route gets below, once its path matched (resourceWritesRouter).
  const readBody = jsonBody({ limit: config.bodyLimit });
  for (const type of registry.resourceTypes) scim.use(type.endpoint, resourceWritesRouter(type, { ...resourceDeps, readBody }));
  // Retry-safe POSTs: a route opts in with `retrySafe` after its body parser (README "Idempotency-Key").
  installIdempotency(app, {
    idempotency: createIdempotency({ store: store.idempotency, clock: deps.clock }),
    onOutcome: metrics ? (outcome) => metrics.countIdempotentRequest(outcome) : undefined,
  });
  if (!config.publicDiscovery) scim.use(discovery);
  scim.use(
    auditEventsRouter({
      registry: describedRegistry,
      audit: createAuditQueryService({ auditEvents: store.auditEvents, cursors }),
      listLimits,
      publicBaseUrl: config.publicBaseUrl,
    }),
  );
  // POST /Bulk and /{Resource}/.bulk-delete read their bodies themselves, with the bulk limits (RFC 7644 §3.7.4).
  const bulkLimits = bulkLimitsOf(config);
  scim.use(
    bulkRouter({
      registry,
      bulk: createBulkService({ service, registry, maxOperations: bulkLimits.maxOperations }),
      service,
      maxPayloadSize: bulkLimits.maxPayloadSize,
      bodyLimit: config.bodyLimit,
      bulkDeleteMaxIds: bulkLimits.deleteMaxIds,
      publicBaseUrl: config.publicBaseUrl,
    }),
  );
  // Bodies are parsed only after authentication and the read-only discovery routes: an unauthenticated request
  // is 401 whatever its body, and a POST to /Schemas is 405 (RFC 7644 §4), not a JSON syntax error.
  scim.use(readBody);
  scim.use(rootSearchRouter({ registry, service, listLimits, cursors, publicBaseUrl: config.publicBaseUrl }));
  // The extensions' routes before the SCIM ones: /Users/.verify-credentials and /Users/{id}/lock, /roles… are not
  // resources, and DELETE /Roles/{id}?force=true takes a role from its holders (README "Account lifecycle", "Roles").
  const userType = registry.resourceType('User');
  if (userType) {
    scim.use(userType.endpoint, lifecycleRouter(userType, { registry, service, lifecycle: services.lifecycle, listLimits, publicBaseUrl: config.publicBaseUrl }));
    scim.use(userType.endpoint, userRolesRouter(userType, { registry, service, roles: services.roles.service, publicBaseUrl: config.publicBaseUrl }));
    scim.use(
      userType.endpoint,
      transferRouter({
        transfer: services.transfer,
        transferJobs: services.transferJobs,
        jobs: services.tenantJobs,
        listLimits,
        importMaxFile: config.importMaxFile ?? OPTIONS.importMaxFile.default,
        publicBaseUrl: config.publicBaseUrl,
      }),
    );
  }
  // README "Jobs": the tenant's background jobs and their files.
  scim.use('/Jobs', jobsRouter({ jobs: services.tenantJobs, listLimits }));
  scim.use('/Invitations', invitationsRouter({ invitations: services.invitations, listLimits }));
  const roleType = registry.resourceType('Role');
  if (roleType) scim.use(roleType.endpoint, roleDeletionRouter({ roles: services.roles.service }));
  for (const type of registry.resourceTypes) scim.use(type.endpoint, resourcesRouter(type, resourceDeps));
  // Webhooks are resources of the store too (versions, compare-and-set writes, their audit events with the write),
  // with a service of their own over the registry that knows them, and routes of their own.
  const policy = webhookPolicy(config, deps.webhooks?.resolve);
  const secrets = deps.webhooks ? deps.webhooks.secrets : createSecretBox(randomBytes(32));
  const webhookBehaviour = createWebhookBehaviour({
    secrets,
    allowPrivate: policy.allowPrivate,
    resolve: policy.resolve,
    count: async (tenantId) => (await store.resources.list(tenantId, { resourceType: WEBHOOK_TYPE, page: { kind: 'index', startIndex: 1, count: 0 } })).totalResults,
  });
  scim.use(
    webhooksRouter({
      registry: describedRegistry,
      service: createResourceService({
        store: store.resources,
        registry: describedRegistry,
        validatorFor: createResourceValidators(describedRegistry),
        behaviours: {
          [WEBHOOK_TYPE]: composeBehaviours(webhookBehaviour, {
            // The audit buffer's view of the tenant's subscriptions is read again after a change made here.
            afterWrite: async (context) => readAudit.subscriptions.forget(context.tenantId),
            afterDelete: async (context) => readAudit.subscriptions.forget(context.tenantId),
          }),
        },
        clock: deps.clock,
        // A webhook is deleted through a tombstone like any resource (membership-store.ts); it has no memberships.
        pending: store.memberships,
      }),
      outbox: store.outbox,
      secrets,
      policy,
      listLimits,
      cursors,
      clock,
      newId: randomUUID,
      publicBaseUrl: config.publicBaseUrl,
    }),
  );
  // RFC 7644 §3.11: a service provider that does not offer /Me SHOULD answer 501 Not Implemented.
  for (const path of ['/Me', '/Me/*rest']) {
    scim.all(path, () => {
      throw scimErrors.notImplemented('/Me is not supported: a bearer token here identifies a provisioning client, not a User; use /Users/{id}');
    });
  }
  scim.use((req) => {
    throw scimErrors.notFound(`No SCIM endpoint at ${req.method} ${req.path}`);
  });
  app.use(config.basePath || '/', scim);
  const otherVersions = unsupportedVersions(config.basePath);
  if (otherVersions) app.use(otherVersions);

  app.use((req) => {
    throw scimErrors.notFound(`No endpoint at ${req.method} ${req.path}`);
  });
  app.use(errorHandler());
  return app;
}
