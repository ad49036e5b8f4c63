// POST /Bulk (RFC 7644 §3.7) and POST /{Resource}/.bulk-delete. Mounted before the general body parser: each route
// reads its own body with its own limit, after the scope check, so that a refused token never uploads a large body.
import type { Request, Router } from 'express';
import { requireScope } from '../../auth/passport-bearer';
import { bulkDelete, parseBulkDeleteIds } from '../../resources/bulk/bulk-delete';
import type { BulkService } from '../../resources/bulk/bulk-service';
import type { ResourceService } from '../../resources/resource-service';
import { scimErrors } from '../../scim/errors';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { Scope } from '../../auth/scopes';
import { methodNotAllowed } from '../method-not-allowed';
import { retrySafe } from '../middleware/idempotency';
import { jsonBody } from '../middleware/json-body';
import { sendScim } from '../respond';
import { mountedRouter } from '../route-template';
import { requestContextOf, scimBaseUrl } from '../request-scope';

export interface BulkRouterDeps {
  readonly registry: SchemaRegistry;
  readonly bulk: BulkService;
  readonly service: Pick<ResourceService, 'delete'>;
  /** RFC 7644 §3.7.4 maxPayloadSize in bytes, as advertised. */
  readonly maxPayloadSize: number;
  /** Body limit of the bulk-delete route (the server's general body limit). */
  readonly bodyLimit: number;
  readonly bulkDeleteMaxIds: number;
  readonly publicBaseUrl?: string;
}

export function bulkRouter(deps: BulkRouterDeps): Router {
  const router = mountedRouter();
  const onInternalError = (req: Request) => (error: unknown) => req.log.error({ err: error }, 'unexpected error in a bulk operation');

  router.post(
    '/Bulk',
    requireScope(Scope.write),
    jsonBody({
      limit: deps.maxPayloadSize,
      tooLarge: () =>
        scimErrors.payloadTooLarge(
          `The BulkRequest body exceeds maxPayloadSize, ${deps.maxPayloadSize} bytes (RFC 7644 §3.7.4; see /ServiceProviderConfig). Split it into smaller requests.`,
        ),
    }),
    retrySafe,
    async (req, res) => {
      const body = await deps.bulk.process(requestContextOf(req), req.body, {
        baseUrl: scimBaseUrl(req, deps.publicBaseUrl),
        onInternalError: onInternalError(req),
      });
      sendScim(res, 200, body);
    },
  );
  router.all('/Bulk', methodNotAllowed(['POST']));

  for (const type of deps.registry.resourceTypes) {
    const path = `${type.endpoint}/.bulk-delete`;
    router.post(
      path,
      requireScope(Scope.write),
      jsonBody({ limit: deps.bodyLimit, tooLarge: () => scimErrors.payloadTooLarge(`The request body exceeds the limit of ${deps.bodyLimit} bytes`) }),
      async (req, res) => {
        const ids = parseBulkDeleteIds(req.body, deps.bulkDeleteMaxIds);
        const body = await bulkDelete(deps.service, requestContextOf(req), type, ids, {
          baseUrl: scimBaseUrl(req, deps.publicBaseUrl),
          onInternalError: onInternalError(req),
        });
        sendScim(res, 200, body);
      },
    );
    router.all(path, methodNotAllowed(['POST']));
  }
  return router;
}
