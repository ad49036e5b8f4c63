// Composition root: wires the store, services and routers into an Express app. No env, no listen.
import express, { Router, type Express } from 'express';
import type { Logger } from 'pino';
import { createBearerAuthenticator } from './auth/passport-bearer';
import { createTokenVerifier } from './auth/verify-token';
import type { Config } from './config/options';
import { errorHandler } from './http/middleware/error-handler';
import { requestContext } from './http/middleware/request-context';
import { sendScim } from './http/respond';
import { discoveryRouter } from './http/routes/discovery-router';
import { resourcesRouter } from './http/routes/resources-router';
import { createResourceService } from './resources/resource-service';
import type { ServerCapabilities } from './resources/discovery/service-provider-config';
import { userBehaviour } from './resources/users/user-behaviour';
import { scimErrors } from './scim/errors';
import type { SchemaRegistry } from './scim/schema/registry';
import { createResourceValidators } from './scim/schema/validate-resource';
import type { Store } from './store/tenant-store';

export type AppConfig = Pick<
  Config,
  'basePath' | 'publicBaseUrl' | 'bodyLimit' | 'maxResults' | 'defaultPageSize' | 'filterMaxLength' | 'filterMaxDepth' | 'publicDiscovery' | 'trustProxy'
>;

export interface AppDeps {
  readonly config: AppConfig;
  readonly store: Store;
  readonly registry: SchemaRegistry;
  readonly logger: Logger;
  readonly clock?: () => Date;
}

/** What the server does today, advertised by /ServiceProviderConfig (RFC 7643 §5). */
export function capabilitiesOf(config: AppConfig): ServerCapabilities {
  return {
    patch: false,
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: config.maxResults },
    changePassword: true,
    sort: true,
    etag: true,
    pagination: {
      cursor: false,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: config.defaultPageSize,
      maxPageSize: config.maxResults,
    },
  };
}

export function buildApp(deps: AppDeps): Express {
  const { config, store, registry, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.locals.scimBasePath = config.basePath;

  app.use(requestContext(logger));

  // Liveness and readiness live outside the SCIM base path and need no token (they reveal nothing).
  app.get('/health', (_req, res) => sendScim(res, 200, { status: 'ok' }));
  app.get('/ready', async (req, res) => {
    try {
      await store.ping();
      sendScim(res, 200, { status: 'ready' });
    } catch (error) {
      req.log.warn({ err: error }, 'store not reachable');
      throw scimErrors.unavailable('The directory store is not reachable', error);
    }
  });

  const service = createResourceService({
    store: store.resources,
    registry,
    validatorFor: createResourceValidators(registry),
    behaviours: { User: userBehaviour },
    clock: deps.clock,
  });
  const capabilities = capabilitiesOf(config);
  const listLimits = {
    maxResults: config.maxResults,
    defaultCount: config.defaultPageSize,
    filterMaxLength: config.filterMaxLength,
    filterMaxDepth: config.filterMaxDepth,
  };

  const scim = Router();
  scim.use(
    express.json({
      limit: config.bodyLimit,
      // RFC 7644 §3.1: application/scim+json; plain application/json is accepted as well.
      type: ['application/scim+json', 'application/json', 'application/*+json'],
    }),
  );
  const discovery = discoveryRouter({ registry, capabilities, publicBaseUrl: config.publicBaseUrl });
  if (config.publicDiscovery) scim.use(discovery);
  scim.use(createBearerAuthenticator(createTokenVerifier({ tenants: store.tenants })));
  if (!config.publicDiscovery) scim.use(discovery);
  for (const type of registry.resourceTypes) {
    scim.use(type.endpoint, resourcesRouter(type, { registry, service, listLimits, publicBaseUrl: config.publicBaseUrl }));
  }
  scim.use((req) => {
    throw scimErrors.notFound(`No SCIM endpoint at ${req.method} ${req.path}`);
  });
  app.use(config.basePath || '/', scim);

  app.use((req) => {
    throw scimErrors.notFound(`No endpoint at ${req.method} ${req.path}`);
  });
  app.use(errorHandler());
  return app;
}
