// Discovery endpoints (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas.
import type { Request, Router } from 'express';
import { scimErrors } from '../../scim/errors';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { URN } from '../../scim/urns';
import { resourceTypeRepresentation, schemaRepresentation } from '../../resources/discovery/schema-representation';
import { serviceProviderConfig, type ServerCapabilities } from '../../resources/discovery/service-provider-config';
import { methodNotAllowed } from '../method-not-allowed';
import { sendScim } from '../respond';
import { mountedRouter } from '../route-template';
import { scimBaseUrl } from '../request-scope';

export interface DiscoveryRouterDeps {
  readonly registry: SchemaRegistry;
  readonly capabilities: ServerCapabilities;
  readonly publicBaseUrl?: string;
}

export function discoveryRouter(deps: DiscoveryRouterDeps): Router {
  const router = mountedRouter();
  const base = (req: Request) => scimBaseUrl(req, deps.publicBaseUrl);
  const listResponse = (resources: unknown[]) => ({
    schemas: [URN.message.listResponse],
    totalResults: resources.length,
    startIndex: 1,
    itemsPerPage: resources.length,
    Resources: resources,
  });
  // RFC 7644 §4: filtering discovery resources is not supported; the service provider SHOULD answer 403.
  const rejectFilter = (req: Request) => {
    if (req.query.filter !== undefined) throw scimErrors.forbidden('Filtering is not supported on discovery endpoints');
  };

  // `/serviceConfiguration` is an older spelling some clients (and Microsoft's test suite) still request.
  for (const path of ['/ServiceProviderConfig', '/serviceConfiguration']) {
    router.get(path, (req, res) => {
      sendScim(res, 200, serviceProviderConfig(deps.capabilities, `${base(req)}/ServiceProviderConfig`));
    });
  }

  router.get('/ResourceTypes', (req, res) => {
    rejectFilter(req);
    sendScim(res, 200, listResponse(deps.registry.resourceTypes.map((type) => resourceTypeRepresentation(type, `${base(req)}/ResourceTypes/${type.name}`))));
  });

  router.get('/ResourceTypes/:name', (req, res) => {
    const type = deps.registry.resourceType(req.params.name);
    if (!type) throw scimErrors.notFound(`Resource type ${req.params.name} not found`);
    sendScim(res, 200, resourceTypeRepresentation(type, `${base(req)}/ResourceTypes/${type.name}`));
  });

  router.get('/Schemas', (req, res) => {
    rejectFilter(req);
    sendScim(res, 200, listResponse(deps.registry.schemas.map((schema) => schemaRepresentation(schema, `${base(req)}/Schemas/${schema.id}`))));
  });

  router.get('/Schemas/:urn', (req, res) => {
    const schema = deps.registry.schema(req.params.urn);
    if (!schema) throw scimErrors.notFound(`Schema ${req.params.urn} not found`);
    sendScim(res, 200, schemaRepresentation(schema, `${base(req)}/Schemas/${schema.id}`));
  });

  for (const path of ['/ServiceProviderConfig', '/serviceConfiguration', '/ResourceTypes', '/ResourceTypes/:name', '/Schemas', '/Schemas/:urn']) {
    router.all(path, methodNotAllowed(['GET']));
  }
  return router;
}
