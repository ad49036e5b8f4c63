// /Webhooks: a tenant's subscriptions to its audit events (scope scim:write for every route: a webhook's URL and its
// delivery log are configuration, not directory data). CRUD on the generic resource service (so PUT, PATCH, ETags and
// versions behave as for Users), plus the delivery log of each webhook and a test-send. The signing secret is in the
// create's answer only.
import type { Request, Response, Router } from 'express';
import { requireScope } from '../../auth/passport-bearer';
import { Scope } from '../../auth/scopes';
import { scimErrors } from '../../scim/errors';
import { versionToETag } from '../../scim/etag';
import type { CursorCodec } from '../../scim/list/cursor-codec';
import { parseListRequest, type ListLimits, type ListParameters } from '../../scim/list/list-request';
import { listResponse } from '../../scim/list/list-response';
import { DEFAULT_SELECTION } from '../../scim/schema/attribute-selection';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { listPage } from '../../resources/paged-list';
import { representResource, resourceLocation } from '../../resources/represent';
import type { ResourceService } from '../../resources/resource-service';
import type { StoredResource } from '../../store/resource-store';
import type { OutboxMessage, OutboxStore } from '../../store/outbox-store';
import { eventId } from '../../extensions/audit/audit-event';
import { postDelivery, type DeliveryPolicy } from '../../extensions/webhooks/post-delivery';
import type { SecretBox } from '../../extensions/webhooks/secret-box';
import { NO_SECRET_KEY } from '../../extensions/webhooks/webhook-behaviour';
import { WEBHOOK_TOPIC, WEBHOOK_TYPE, deliveryBody, deliveryKeyPrefix, type DeliveryPayload } from '../../extensions/webhooks/webhook-events';
import { methodNotAllowed } from '../method-not-allowed';
import { sendScim } from '../respond';
import { mountedRouter } from '../route-template';
import { requestContextOf, scimBaseUrl } from '../request-scope';

export interface WebhooksRouterDeps {
  /** A registry that knows the Webhook resource type (withProductTypes). */
  readonly registry: SchemaRegistry;
  /** The resource service over that registry, with the webhook behaviour. */
  readonly service: ResourceService;
  readonly outbox: Pick<OutboxStore, 'listByKey' | 'countByKey'>;
  readonly secrets: SecretBox | undefined;
  readonly policy: DeliveryPolicy;
  readonly listLimits: ListLimits;
  readonly cursors: CursorCodec;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly publicBaseUrl?: string;
}

export const WEBHOOK_TEST_RESULT = 'urn:scim-server:params:scim:api:messages:2.0:WebhookTestResult';
export const WEBHOOK_DELIVERY = 'urn:scim-server:params:scim:api:messages:2.0:WebhookDelivery';

/** Parameters of a list that /Webhooks does not offer (a tenant has at most a few webhooks): refused, not ignored. */
const NOT_OFFERED = ['filter', 'sortBy', 'sortOrder', 'cursor'] as const;

/** A delivery as the delivery log shows it: what was sent when, how it went, what comes next. */
function deliveryRepresentation(message: OutboxMessage): Record<string, unknown> {
  const payload = message.payload as unknown as DeliveryPayload;
  const status = message.status === 'dead' ? 'failed' : message.status;
  return {
    schemas: [WEBHOOK_DELIVERY],
    id: message.id,
    status,
    eventTypes: payload.events.map((event) => event.type),
    eventIds: payload.events.map((event) => event.id),
    attempts: message.attempts,
    created: message.created,
    ...(message.attempts > 0 ? { lastAttempt: message.updated } : {}),
    ...(message.status === 'pending' ? { nextAttempt: message.availableAt } : {}),
    ...(message.delivered ? { delivered: message.delivered } : {}),
    ...(message.lastError ? { lastError: message.lastError } : {}),
  };
}

const noKey = () => scimErrors.unavailable(NO_SECRET_KEY);

export function webhooksRouter(deps: WebhooksRouterDeps): Router {
  const router = mountedRouter();
  const type = deps.registry.resourceType(WEBHOOK_TYPE);
  if (!type) throw new Error('The registry given to the webhooks router does not know Webhook');
  const write = requireScope(Scope.write);
  const base = (req: Request) => scimBaseUrl(req, deps.publicBaseUrl);
  const id = (req: Request) => String(req.params.id);

  const send = (req: Request, res: Response, status: number, stored: StoredResource, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    sendScim(res, status, { ...representResource(deps.registry, type, stored, base(req), DEFAULT_SELECTION), ...extra }, { ETag: versionToETag(stored.version), ...headers });

  router.post('/Webhooks', write, async (req, res) => {
    const stored = await deps.service.create(requestContextOf(req), type, req.body);
    // Shown once: the server keeps it sealed and never answers it again.
    if (!deps.secrets) throw noKey();
    const secret = deps.secrets.open(String(stored.internal.secret), stored.id);
    send(req, res, 201, stored, { secret }, { Location: resourceLocation(base(req), type, stored.id) });
  });

  router.get('/Webhooks', write, async (req, res) => {
    const params = req.query as ListParameters & Record<string, unknown>;
    for (const name of NOT_OFFERED) {
      if (params[name] !== undefined) throw scimErrors.invalidValue(`${name} is not supported on /Webhooks: a tenant has at most a few webhooks; list them with startIndex and count`);
    }
    const request = parseListRequest(deps.registry, type, params, deps.listLimits);
    const page = await listPage({ service: deps.service, cursors: deps.cursors }, requestContextOf(req), type, request);
    const resources = page.resources.map((stored) => representResource(deps.registry, type, stored, base(req), request.selection, {}));
    sendScim(res, 200, listResponse({ ...page, resources }));
  });

  router.get('/Webhooks/:id', write, async (req, res) => {
    send(req, res, 200, await deps.service.get(requestContextOf(req), type, id(req)));
  });

  router.put('/Webhooks/:id', write, async (req, res) => {
    send(req, res, 200, await deps.service.replace(requestContextOf(req), type, id(req), req.body, { ifMatch: req.get('If-Match') }));
  });

  router.patch('/Webhooks/:id', write, async (req, res) => {
    send(req, res, 200, (await deps.service.patch(requestContextOf(req), type, id(req), req.body, { ifMatch: req.get('If-Match') })).resource);
  });

  router.delete('/Webhooks/:id', write, async (req, res) => {
    await deps.service.delete(requestContextOf(req), type, id(req), { ifMatch: req.get('If-Match') });
    sendScim(res, 204);
  });

  // The delivery log: newest first, by cursor (the key orders deliveries by the time of their events).
  router.get('/Webhooks/:id/deliveries', write, async (req, res) => {
    const context = requestContextOf(req);
    const webhook = await deps.service.get(context, type, id(req));
    const request = parseListRequest(deps.registry, type, { count: req.query.count, cursor: req.query.cursor }, deps.listLimits);
    const binding = { tenantId: context.tenantId, scope: `${WEBHOOK_TYPE}/${webhook.id}/deliveries` };
    const after = request.cursor ? deps.cursors.open(binding, request.cursor).after?.id : undefined;
    const prefix = deliveryKeyPrefix(webhook.id);
    const [messages, totalResults] = await Promise.all([
      deps.outbox.listByKey(context.tenantId, { topic: WEBHOOK_TOPIC, prefix, limit: request.count + 1, descending: true, ...(after ? { afterKey: after } : {}) }),
      deps.outbox.countByKey(context.tenantId, WEBHOOK_TOPIC, prefix),
    ]);
    const page = messages.slice(0, request.count);
    const last = page[page.length - 1];
    const nextCursor = messages.length > request.count && last ? deps.cursors.seal(binding, { after: { sortValue: null, id: last.key } }) : undefined;
    sendScim(res, 200, listResponse({ resources: page.map(deliveryRepresentation), totalResults, ...(nextCursor ? { nextCursor } : {}) }));
  });

  // One delivery attempt now, answered with how it went; it is not retried and not in the delivery log.
  router.post('/Webhooks/:id/test', write, async (req, res) => {
    const context = requestContextOf(req);
    const webhook = await deps.service.get(context, type, id(req));
    const now = deps.clock();
    const deliveryId = deps.newId();
    const payload: DeliveryPayload = {
      webhookId: webhook.id,
      events: [
        {
          id: eventId(now),
          tenantId: context.tenantId,
          type: 'WEBHOOK_TEST',
          time: now.toISOString(),
          outcome: 'success',
          actor: { kind: context.actor.kind, tokenId: context.actor.tokenId, label: context.actor.label },
          requestId: context.requestId,
          clientAddress: context.clientAddress,
          resource: { type: WEBHOOK_TYPE, id: webhook.id },
        },
      ],
    };
    if (!deps.secrets) throw noKey();
    const secret = deps.secrets.open(String(webhook.internal.secret), webhook.id);
    const result = await postDelivery({ url: String(webhook.attributes.url), body: deliveryBody(deliveryId, payload), secret, webhookId: webhook.id, deliveryId, now }, deps.policy);
    sendScim(res, 200, {
      schemas: [WEBHOOK_TEST_RESULT],
      deliveryId,
      delivered: result.delivered,
      ...(result.status !== undefined ? { status: result.status } : {}),
      ...(result.error !== undefined ? { error: result.error } : {}),
      durationMs: result.durationMs,
    });
  });

  router.all('/Webhooks', methodNotAllowed(['GET', 'POST']));
  router.all('/Webhooks/:id', methodNotAllowed(['GET', 'PUT', 'PATCH', 'DELETE']));
  router.all('/Webhooks/:id/deliveries', methodNotAllowed(['GET']));
  router.all('/Webhooks/:id/test', methodNotAllowed(['POST']));
  return router;
}

