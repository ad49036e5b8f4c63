// The OpenAPI 3.1 document of every route (route-docs.ts), served at /openapi.json. Resource bodies are generated
// from the registry's schema definitions and the discovery resources from their own SCIM schema representations
// (schemas/*.schema.json); only the RFC 7644 message envelopes (ListResponse, PatchOp, Bulk…, Error) are written out
// here, after RFC 7644 §3.4.2, §3.5.2, §3.7 and §3.12.
import resourceTypeSchema from '../../../schemas/resource-type.schema.json';
import schemaSchema from '../../../schemas/schema.schema.json';
import serviceProviderConfigSchema from '../../../schemas/service-provider-config.schema.json';
import type { AttributeDefinition } from '../../scim/schema/attribute';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { withProductTypes } from '../../scim/schema/product-registry';
import { URN } from '../../scim/urns';
import { annotatedObjectSchema, resourceSchema, type JsonSchema } from './resource-json-schema';
import { rolesSchemas } from './roles-route-docs';
import { invitationsSchemas } from './invitations-route-docs';
import { lifecycleSchemas } from './lifecycle-route-docs';
import { transferSchemas } from './transfer-route-docs';
import { routeDocs, type RouteDoc } from './route-docs';

export interface OpenApiOptions {
  readonly registry: SchemaRegistry;
  /** SCIM_BASE_PATH: where the SCIM routes are mounted. */
  readonly basePath: string;
  /** SCIM_PUBLIC_DISCOVERY: discovery routes (and this document) need no token. */
  readonly publicDiscovery: boolean;
  readonly version: string;
  /** SCIM_METRICS=on: GET /metrics is served on this port. */
  readonly metrics?: boolean;
}

/** `/Users/:id` -> `/Users/{id}`, `/Me/*rest` -> `/Me/{rest}`: Express path syntax to OpenAPI path templates. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

export function fullPath(route: Pick<RouteDoc, 'path' | 'mount'>, basePath: string): string {
  return `${route.mount === 'scim' ? basePath : ''}${route.path}`;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const scimContent = (name: string) => ({ 'application/scim+json': { schema: ref(name) }, 'application/json': { schema: ref(name) } });
const urnList = (urn: string) => ({ type: 'array', items: { type: 'string' }, examples: [[urn]] });

function messageSchemas(): Record<string, JsonSchema> {
  return {
    Error: {
      type: 'object',
      description: 'RFC 7644 §3.12 error',
      required: ['schemas', 'status', 'detail'],
      properties: {
        schemas: urnList(URN.message.error),
        status: { type: 'string', description: 'The HTTP status, as a string' },
        scimType: { type: 'string', examples: ['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive', 'invalidCursor', 'expiredCursor'] },
        detail: { type: 'string' },
        // Fields of the account lifecycle's errors (README "Account lifecycle").
        reason: { type: 'string', description: 'Why a sign-in was refused', examples: ['locked', 'disabled', 'expired', 'pending', 'passwordExpired', 'mustChangePassword'] },
        lockedUntil: { type: 'string', format: 'date-time', description: 'When a timed lock lifts (423)' },
        state: { type: 'string', description: 'The account state that refused an action (409)' },
      },
    },
    ListResponse: {
      type: 'object',
      description: 'RFC 7644 §3.4.2 list response (RFC 9865 nextCursor when paging by cursor)',
      required: ['schemas', 'totalResults', 'Resources'],
      properties: {
        schemas: urnList(URN.message.listResponse),
        totalResults: { type: 'integer' },
        startIndex: { type: 'integer' },
        itemsPerPage: { type: 'integer' },
        nextCursor: { type: 'string' },
        Resources: { type: 'array', items: { type: 'object' } },
      },
    },
    SearchRequest: {
      type: 'object',
      description: 'RFC 7644 §3.4.3 search request',
      properties: {
        schemas: urnList(URN.message.searchRequest),
        filter: { type: 'string' },
        sortBy: { type: 'string' },
        sortOrder: { type: 'string', enum: ['ascending', 'descending'] },
        startIndex: { type: 'integer' },
        count: { type: 'integer' },
        cursor: { type: 'string' },
        attributes: { type: 'array', items: { type: 'string' } },
        excludedAttributes: { type: 'array', items: { type: 'string' } },
      },
    },
    PatchOp: {
      type: 'object',
      description: 'RFC 7644 §3.5.2 PATCH request; op in any case',
      required: ['schemas', 'Operations'],
      properties: {
        schemas: urnList(URN.message.patchOp),
        Operations: {
          type: 'array',
          minItems: 1,
          items: { type: 'object', required: ['op'], properties: { op: { type: 'string', examples: ['add', 'replace', 'remove'] }, path: { type: 'string' }, value: {} } },
        },
      },
    },
    BulkRequest: {
      type: 'object',
      description: 'RFC 7644 §3.7 bulk request',
      required: ['schemas', 'Operations'],
      properties: {
        schemas: urnList(URN.message.bulkRequest),
        failOnErrors: { type: 'integer', minimum: 1 },
        Operations: {
          type: 'array',
          items: {
            type: 'object',
            required: ['method', 'path'],
            properties: { method: { type: 'string', enum: ['POST', 'PUT', 'PATCH', 'DELETE'] }, path: { type: 'string' }, bulkId: { type: 'string' }, version: { type: 'string' }, data: { type: 'object' } },
          },
        },
      },
    },
    BulkResponse: {
      type: 'object',
      description: 'RFC 7644 §3.7 bulk response: one result per operation processed',
      required: ['schemas', 'Operations'],
      properties: {
        schemas: urnList(URN.message.bulkResponse),
        Operations: {
          type: 'array',
          items: {
            type: 'object',
            required: ['method', 'status'],
            properties: { method: { type: 'string' }, bulkId: { type: 'string' }, version: { type: 'string' }, location: { type: 'string' }, status: { type: 'string' }, response: ref('Error') },
          },
        },
      },
    },
    BulkDeleteRequest: {
      type: 'object',
      description: 'The ids to delete (at most SCIM_BULK_DELETE_MAX_IDS)',
      required: ['ids'],
      properties: { ids: { type: 'array', items: { type: 'string', minLength: 1 } } },
    },
    Status: { type: 'object', required: ['status'], properties: { status: { type: 'string', examples: ['ok', 'ready'] } } },
    WebhookCreated: {
      allOf: [ref('Webhook'), { type: 'object', required: ['secret'], properties: { secret: { type: 'string', description: 'The signing secret, shown this once (X-Signature: HMAC-SHA256)' } } }],
    },
    WebhookTestResult: {
      type: 'object',
      required: ['schemas', 'deliveryId', 'delivered', 'durationMs'],
      properties: {
        schemas: { type: 'array', items: { type: 'string' } },
        deliveryId: { type: 'string' },
        delivered: { type: 'boolean' },
        status: { type: 'integer', description: 'The receiver’s HTTP status, when it answered' },
        error: { type: 'string' },
        durationMs: { type: 'number' },
      },
    },
  };
}

function discoverySchemas(): Record<string, JsonSchema> {
  const of = (definition: { attributes: unknown[]; description?: string }, urn: string) => {
    const schema = annotatedObjectSchema(definition.attributes as AttributeDefinition[]);
    (schema.properties as Record<string, JsonSchema>).schemas = urnList(urn);
    return { ...schema, description: definition.description };
  };
  return {
    ServiceProviderConfig: of(serviceProviderConfigSchema, URN.core.serviceProviderConfig),
    ResourceType: of(resourceTypeSchema, URN.core.resourceType),
    Schema: of(schemaSchema, URN.core.schema),
  };
}

function operationOf(route: RouteDoc, options: OpenApiOptions): Record<string, unknown> {
  const pathParameters = [...route.path.matchAll(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const parameters = [
    ...pathParameters,
    ...(route.query ?? []).map((parameter) => ({ name: parameter.name, in: 'query', description: parameter.description, schema: { type: parameter.type ?? 'string' } })),
    ...(route.headers ?? []).map((parameter) => ({ name: parameter.name, in: 'header', description: parameter.description, schema: { type: 'string' } })),
  ];
  const open = route.auth === 'none' || (route.auth === 'discovery' && options.publicDiscovery);
  const responses = Object.fromEntries(
    Object.entries(route.responses).map(([status, response]) => [status, { description: response.description, ...(response.schema ? { content: { 'application/scim+json': { schema: ref(response.schema) } } } : {}) }]),
  );
  return {
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    operationId: `${route.method}${fullPath(route, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, next: string | undefined) => (next ?? '').toUpperCase())}`,
    ...(parameters.length ? { parameters } : {}),
    ...(route.requestBody ? { requestBody: { required: true, content: scimContent(route.requestBody) } } : {}),
    responses,
    security: open ? [] : [{ bearer: [] }],
    ...(route.scope ? { 'x-scim-scope': route.scope } : {}),
    ...(route.deprecated ? { deprecated: true } : {}),
  };
}

export function buildOpenApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routeDocs(options.registry, { metrics: options.metrics })) {
    const path = openApiPath(fullPath(route, options.basePath));
    paths[path] ??= {};
    paths[path][route.method] = operationOf(route, options);
  }
  // The resource bodies of the product types (AuditEvent, Webhook) too, generated the same way from schemas/.
  const described = withProductTypes(options.registry);
  const resourceSchemas = Object.fromEntries(described.resourceTypes.map((type) => [type.name, resourceSchema(described, type)]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'SCIM 2.0 server',
      version: options.version,
      description: 'RFC 7643 / RFC 7644 / RFC 9865 SCIM service provider. Each bearer token belongs to one tenant and carries scopes (x-scim-scope).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from `npm run admin -- token create`' } },
      schemas: { ...resourceSchemas, ...discoverySchemas(), ...messageSchemas(), ...rolesSchemas(), ...lifecycleSchemas(), ...transferSchemas(), ...invitationsSchemas() },
    },
  };
}
