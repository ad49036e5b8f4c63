// What every route of the app is, for the OpenAPI document (openapi-document.ts). One entry per method and path.
//
// ADDING A ROUTE: describe it here (or in a list of your feature's own, spread into routeDocs below), with the path
// exactly as it is registered in Express (`/Widgets/:id`), where it is mounted (`scim`: under SCIM_BASE_PATH;
// `root`: at the server root), its answers, and its audit events (`audit`: the RESOURCE and ACTION of its
// `<RESOURCE>_<ACTION>_START/SUCCESS/FAIL` events; null only for a route that needs no token). test/http/openapi.test.ts
// walks the Express app and fails, naming the route and this file, when a served route has no entry here, or an
// entry serves nothing; test/http/audit-completeness.test.ts fails when a route's success or failure does not
// record its pair of events.
import { resourceEventName } from '../../extensions/audit/audit-event';
import type { ResourceTypeDefinition } from '../../scim/schema/attribute';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { Scope } from '../../auth/scopes';
import { INVITATIONS_ROUTES } from './invitations-route-docs';
import { LIFECYCLE_ROUTES } from './lifecycle-route-docs';
import { ROLES_ROUTES, withForcedRoleDeletion } from './roles-route-docs';
import { audited, type QueryParameterDoc, type ResponseDoc, type RouteDoc } from './route-doc';
import { JOB_ROUTES, TRANSFER_ROUTES } from './transfer-route-docs';

export type { HttpMethod, QueryParameterDoc, ResponseDoc, RouteAudit, RouteDoc } from './route-doc';
export { audited };

const ERROR = { schema: 'Error' } as const;
/** The answers every authenticated SCIM route can give besides its own. */
const COMMON_ERRORS: Record<string, ResponseDoc> = {
  '400': { description: 'Invalid request (scimType says why: invalidFilter, invalidValue, invalidSyntax, …)', ...ERROR },
  '401': { description: 'Missing, invalid, revoked or expired bearer token', ...ERROR },
  '403': { description: 'The token lacks the scope this route needs', ...ERROR },
  '429': { description: 'Past a rate limit of the token, its tenant or the client address (Retry-After says when to try again)', ...ERROR },
  '503': { description: 'The store is not reachable', ...ERROR },
};

const LIST_PARAMETERS: readonly QueryParameterDoc[] = [
  { name: 'filter', description: 'RFC 7644 §3.4.2.2 filter, e.g. userName eq "bjensen"' },
  { name: 'sortBy', description: 'Attribute to sort by (RFC 7644 §3.4.2.3)' },
  { name: 'sortOrder', description: 'ascending (default) or descending' },
  { name: 'startIndex', description: '1-based index of the first result (RFC 7644 §3.4.2.4)', type: 'integer' },
  { name: 'count', description: 'Page size (at most SCIM_MAX_RESULTS)', type: 'integer' },
  { name: 'cursor', description: 'RFC 9865 cursor: empty for the first page, then nextCursor' },
  { name: 'attributes', description: 'Comma-separated attributes to return' },
  { name: 'excludedAttributes', description: 'Comma-separated attributes to leave out' },
];
const SELECTION_PARAMETERS = LIST_PARAMETERS.slice(-2);

function resourceRouteDocs(type: ResourceTypeDefinition): RouteDoc[] {
  const name = type.name;
  const at = type.endpoint;
  const common = { mount: 'scim', tag: name, auth: 'bearer' } as const;
  const read = { ...common, scope: Scope.read };
  const write = { ...common, scope: Scope.write };
  const one = { description: `The ${name}`, schema: name };
  const notFound = { description: `No such ${name} in this tenant`, ...ERROR };
  const stale = { description: 'If-Match does not match the current version', ...ERROR };
  const events = (action: string) => audited(resourceEventName(name), action, name);
  return [
    {
      ...read,
      method: 'get',
      path: at,
      summary: `List or filter ${name} resources`,
      query: LIST_PARAMETERS,
      responses: {
        '200': { description: 'A page', schema: 'ListResponse' },
        ...COMMON_ERRORS,
        '403': { description: 'The token lacks the scope, or the filter compares password with a value in the URL (scimType sensitive, RFC 7644 §7.5.2)', ...ERROR },
      },
      audit: events('RETRIEVE_LIST'),
    },
    {
      ...write,
      method: 'post',
      path: at,
      audit: events('CREATE'),
      summary: `Create a ${name}`,
      query: SELECTION_PARAMETERS,
      requestBody: name,
      responses: { '201': { description: `The created ${name} (Location and ETag headers)`, schema: name }, '409': { description: 'A unique value is taken (scimType uniqueness)', ...ERROR }, ...COMMON_ERRORS },
    },
    {
      ...read,
      method: 'post',
      path: `${at}/.search`,
      audit: events('SEARCH'),
      summary: `Search ${name} resources with a SearchRequest body`,
      requestBody: 'SearchRequest',
      responses: { '200': { description: 'A page', schema: 'ListResponse' }, ...COMMON_ERRORS },
    },
    {
      ...write,
      method: 'post',
      path: `${at}/.bulk-delete`,
      audit: events('BULK_DELETE'),
      summary: `Delete a list of ${name} ids, one result per id`,
      requestBody: 'BulkDeleteRequest',
      responses: { '200': { description: 'One DELETE result per id, in order', schema: 'BulkResponse' }, '413': { description: 'More ids than SCIM_BULK_DELETE_MAX_IDS', ...ERROR }, ...COMMON_ERRORS },
    },
    {
      ...read,
      method: 'get',
      path: `${at}/:id`,
      audit: events('RETRIEVE'),
      summary: `Read a ${name}`,
      query: SELECTION_PARAMETERS,
      headers: [{ name: 'If-None-Match', description: 'ETag; 304 when the resource is unchanged' }],
      responses: { '200': one, '304': { description: 'Not modified' }, '404': notFound, ...COMMON_ERRORS },
    },
    {
      ...write,
      method: 'put',
      path: `${at}/:id`,
      audit: events('UPDATE'),
      summary: `Replace a ${name} (every attribute not sent is removed)`,
      query: SELECTION_PARAMETERS,
      headers: [{ name: 'If-Match', description: 'ETag; 412 when stale' }],
      requestBody: name,
      responses: { '200': one, '404': notFound, '409': { description: 'A unique value is taken', ...ERROR }, '412': stale, ...COMMON_ERRORS },
    },
    {
      ...write,
      method: 'patch',
      path: `${at}/:id`,
      audit: events('UPDATE'),
      summary: `Change a ${name} with PATCH operations (RFC 7644 §3.5.2)`,
      query: SELECTION_PARAMETERS,
      headers: [{ name: 'If-Match', description: 'ETag; 412 when stale' }],
      requestBody: 'PatchOp',
      responses: { '200': one, '204': { description: 'Changed (tenants on the entra profile)' }, '404': notFound, '412': stale, ...COMMON_ERRORS },
    },
    {
      ...write,
      method: 'delete',
      path: `${at}/:id`,
      audit: events('DELETE'),
      summary: `Delete a ${name}`,
      headers: [{ name: 'If-Match', description: 'ETag; 412 when stale' }],
      responses: { '204': { description: 'Deleted' }, '404': notFound, '412': stale, ...COMMON_ERRORS },
    },
  ];
}

const DISCOVERY: RouteDoc[] = (
  [
    ['/ServiceProviderConfig', 'What the server supports (RFC 7643 §5)', 'ServiceProviderConfig', false, audited('SERVICE_PROVIDER_CONFIG', 'RETRIEVE')],
    ['/serviceConfiguration', 'Older spelling of /ServiceProviderConfig that some clients still request', 'ServiceProviderConfig', true, audited('SERVICE_PROVIDER_CONFIG', 'RETRIEVE')],
    ['/ResourceTypes', 'The resource types (RFC 7643 §6)', 'ListResponse', false, audited('RESOURCE_TYPE', 'RETRIEVE_LIST')],
    ['/ResourceTypes/:name', 'One resource type', 'ResourceType', false, audited('RESOURCE_TYPE', 'RETRIEVE', 'ResourceType')],
    ['/Schemas', 'The schema definitions (RFC 7643 §7)', 'ListResponse', false, audited('SCHEMA', 'RETRIEVE_LIST')],
    ['/Schemas/:urn', 'One schema definition, by its URN', 'Schema', false, audited('SCHEMA', 'RETRIEVE', 'Schema')],
  ] as const
).map(([path, summary, schema, deprecated, audit]) => ({
  audit,
  method: 'get',
  path: path as string,
  mount: 'scim',
  tag: 'Discovery',
  auth: 'discovery',
  summary: summary as string,
  ...(deprecated ? { deprecated: true } : {}),
  responses: { '200': { description: summary as string, schema: schema as string }, '401': COMMON_ERRORS['401'], ...(String(path).includes(':') ? { '404': { description: 'Unknown name', ...ERROR } } : {}) },
}));

const PROTOCOL: RouteDoc[] = [
  {
    method: 'post',
    path: '/Bulk',
    mount: 'scim',
    tag: 'Bulk',
    auth: 'bearer',
    scope: Scope.write,
    audit: audited('BULK', 'REQUEST'),
    summary: 'Many operations in one request, with bulkId references (RFC 7644 §3.7)',
    requestBody: 'BulkRequest',
    responses: { '200': { description: 'One result per operation processed', schema: 'BulkResponse' }, '413': { description: 'Over bulk.maxOperations or bulk.maxPayloadSize', ...ERROR }, ...COMMON_ERRORS },
  },
  {
    method: 'post',
    path: '/.search',
    mount: 'scim',
    tag: 'Search',
    auth: 'bearer',
    scope: Scope.read,
    audit: audited('RESOURCE', 'SEARCH'),
    summary: 'One query across every resource type (RFC 7644 §3.4.3)',
    requestBody: 'SearchRequest',
    responses: { '200': { description: 'A page of mixed resource types', schema: 'ListResponse' }, ...COMMON_ERRORS },
  },
  ...['/Me', '/Me/*rest'].map(
    (path): RouteDoc => ({
      method: 'get',
      path,
      mount: 'scim',
      tag: 'Me',
      auth: 'bearer',
      audit: audited('ME', 'RETRIEVE'),
      summary: '/Me is not offered: every method on it answers 501 (RFC 7644 §3.11)',
      description: 'A bearer token here identifies a provisioning client, not a User; use /Users/{id}.',
      responses: { '501': { description: 'Not implemented', ...ERROR } },
    }),
  ),
];

const AUDIT_EVENTS: RouteDoc[] = [
  {
    method: 'get',
    path: '/AuditEvents',
    mount: 'scim',
    tag: 'Audit',
    auth: 'bearer',
    scope: Scope.auditRead,
    audit: audited('AUDIT_EVENT', 'RETRIEVE_LIST', 'AuditEvent'),
    summary: 'The audit trail of the token’s tenant, newest first, by cursor pages (RFC 9865)',
    description:
      'Filter on type, outcome, time, actor.tokenId and resource.id (e.g. type sw "USER_" and outcome eq "failure"). Send cursor= for the first page, then each nextCursor. startIndex, sortBy, attributes and excludedAttributes are refused.',
    query: [LIST_PARAMETERS[0], LIST_PARAMETERS[4], LIST_PARAMETERS[5]],
    responses: { '200': { description: 'A page of AuditEvent resources', schema: 'ListResponse' }, ...COMMON_ERRORS },
  },
  {
    method: 'get',
    path: '/AuditEvents/:id',
    mount: 'scim',
    tag: 'Audit',
    auth: 'bearer',
    scope: Scope.auditRead,
    audit: audited('AUDIT_EVENT', 'RETRIEVE', 'AuditEvent'),
    summary: 'One audit event',
    responses: { '200': { description: 'The event', schema: 'AuditEvent' }, '404': { description: 'No such event in this tenant', ...ERROR }, ...COMMON_ERRORS },
  },
];

const WEBHOOKS: RouteDoc[] = (() => {
  const common = { mount: 'scim', tag: 'Webhooks', auth: 'bearer', scope: Scope.write } as const;
  const events = (action: string) => audited('WEBHOOK', action, 'Webhook');
  const one = { description: 'The webhook', schema: 'Webhook' };
  const notFound = { description: 'No such webhook in this tenant', ...ERROR };
  const stale = { description: 'If-Match does not match the current version', ...ERROR };
  return [
    {
      ...common,
      method: 'post',
      path: '/Webhooks',
      audit: events('CREATE'),
      summary: 'Subscribe a URL to audit events; the answer holds the signing secret, shown this once',
      requestBody: 'Webhook',
      responses: { '201': { description: 'The webhook, with `secret`', schema: 'WebhookCreated' }, '503': { description: 'The server has no key for webhook secrets (SCIM_WEBHOOK_SECRET_KEY)', ...ERROR }, ...COMMON_ERRORS },
    },
    {
      ...common,
      method: 'get',
      path: '/Webhooks',
      audit: events('RETRIEVE_LIST'),
      summary: 'The tenant’s webhooks',
      query: [LIST_PARAMETERS[3], LIST_PARAMETERS[4]],
      responses: { '200': { description: 'A page', schema: 'ListResponse' }, ...COMMON_ERRORS },
    },
    { ...common, method: 'get', path: '/Webhooks/:id', audit: events('RETRIEVE'), summary: 'One webhook', responses: { '200': one, '404': notFound, ...COMMON_ERRORS } },
    {
      ...common,
      method: 'put',
      path: '/Webhooks/:id',
      audit: events('UPDATE'),
      summary: 'Replace a webhook (its secret stays)',
      headers: [{ name: 'If-Match', description: 'ETag; 412 when stale' }],
      requestBody: 'Webhook',
      responses: { '200': one, '404': notFound, '412': stale, ...COMMON_ERRORS },
    },
    {
      ...common,
      method: 'patch',
      path: '/Webhooks/:id',
      audit: events('UPDATE'),
      summary: 'Change a webhook with PATCH operations (e.g. active, events)',
      headers: [{ name: 'If-Match', description: 'ETag; 412 when stale' }],
      requestBody: 'PatchOp',
      responses: { '200': one, '404': notFound, '412': stale, ...COMMON_ERRORS },
    },
    {
      ...common,
      method: 'delete',
      path: '/Webhooks/:id',
      audit: events('DELETE'),
      summary: 'Delete a webhook; its pending deliveries are dropped',
      responses: { '204': { description: 'Deleted' }, '404': notFound, ...COMMON_ERRORS },
    },
    {
      ...common,
      method: 'get',
      path: '/Webhooks/:id/deliveries',
      audit: audited('WEBHOOK_DELIVERY', 'RETRIEVE_LIST', 'Webhook'),
      summary: 'The webhook’s delivery log, newest first, by cursor: status, attempts, next attempt, last error',
      query: [LIST_PARAMETERS[4], LIST_PARAMETERS[5]],
      responses: { '200': { description: 'A page of WebhookDelivery entries', schema: 'ListResponse' }, '404': notFound, ...COMMON_ERRORS },
    },
    {
      ...common,
      method: 'post',
      path: '/Webhooks/:id/test',
      audit: events('TEST'),
      summary: 'Send a signed WEBHOOK_TEST event now and answer how it went (not retried, not in the delivery log)',
      responses: { '200': { description: 'The attempt: delivered or not, the receiver’s status or the error', schema: 'WebhookTestResult' }, '404': notFound, ...COMMON_ERRORS },
    },
  ];
})();

const OPERATIONS: RouteDoc[] = [
  { method: 'get', path: '/health', mount: 'root', tag: 'Operations', auth: 'none', audit: null, summary: 'Liveness: the process answers', responses: { '200': { description: 'Alive', schema: 'Status' } } },
  {
    method: 'get',
    path: '/ready',
    mount: 'root',
    tag: 'Operations',
    auth: 'none',
    audit: null,
    summary: 'Readiness: the store answers',
    responses: { '200': { description: 'Ready', schema: 'Status' }, '503': { description: 'The store is not reachable', ...ERROR } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    mount: 'root',
    tag: 'Operations',
    auth: 'discovery',
    audit: audited('OPENAPI', 'RETRIEVE'),
    summary: 'This OpenAPI 3.1 document (a token is needed unless SCIM_PUBLIC_DISCOVERY=true, as for /Schemas)',
    responses: { '200': { description: 'The document' }, '401': COMMON_ERRORS['401'] },
  },
];

/** GET /metrics, on the server port only when SCIM_METRICS=on (a port of its own is not this app). */
const METRICS: RouteDoc = {
  method: 'get',
  path: '/metrics',
  mount: 'root',
  tag: 'Operations',
  auth: 'bearer',
  // No audit events: its token is the operator's SCIM_METRICS_TOKEN, not a tenant's, so there is no trail to record in.
  audit: null,
  summary: 'Prometheus metrics (SCIM_METRICS=on); the bearer token is SCIM_METRICS_TOKEN, not a SCIM token',
  responses: { '200': { description: 'The Prometheus text format' }, '401': { description: 'Missing or wrong SCIM_METRICS_TOKEN', ...ERROR } },
};

export interface RouteDocOptions {
  /** SCIM_METRICS=on: the app serves GET /metrics. */
  readonly metrics?: boolean;
}

/** Every route of the app; SCIM resource routes are generated for each resource type of the registry. */
export function routeDocs(registry: SchemaRegistry, options: RouteDocOptions = {}): RouteDoc[] {
  return [
    ...OPERATIONS,
    ...(options.metrics ? [METRICS] : []),
    ...DISCOVERY,
    ...registry.resourceTypes.flatMap(resourceRouteDocs).map(withForcedRoleDeletion),
    ...PROTOCOL,
    ...ROLES_ROUTES,
    ...LIFECYCLE_ROUTES,
    ...AUDIT_EVENTS,
    ...WEBHOOKS,
    ...TRANSFER_ROUTES,
    ...JOB_ROUTES,
    ...INVITATIONS_ROUTES,
  ];
}
