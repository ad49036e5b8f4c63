// Reads a BulkRequest (RFC 7644 §3.7). Problems with the request as a whole (not a BulkRequest, too many
// operations, a bad failOnErrors) are thrown before any operation runs; a malformed operation becomes an invalid
// operation, answered in its turn, so that the others still run (RFC 7644 §3.7: "disregard partial failures").
import { scimErrors, type ScimError } from '../../scim/errors';
import type { ResourceTypeDefinition } from '../../scim/schema/attribute';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { URN } from '../../scim/urns';
import { BulkMethod, type BulkOperation } from './bulk-operation';
import { findReferences, referenceIn } from './bulk-references';
import { isMessage, messageField, type Message } from './message-field';

export interface BulkRequest {
  /** Stop after this many failed operations (RFC 7644 §3.7); absent: run everything. */
  readonly failOnErrors?: number;
  readonly operations: readonly BulkOperation[];
}

const METHODS: readonly string[] = Object.values(BulkMethod);

export function parseBulkRequest(registry: SchemaRegistry, body: unknown, limits: { readonly maxOperations: number }): BulkRequest {
  if (!isMessage(body)) throw scimErrors.invalidSyntax('The request body must be a BulkRequest JSON object (Content-Type: application/scim+json)');
  const schemas = messageField(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.some((urn) => typeof urn === 'string' && urn.toLowerCase() === URN.message.bulkRequest.toLowerCase())) {
    throw scimErrors.invalidSyntax(`A BulkRequest must list "${URN.message.bulkRequest}" in "schemas"`);
  }
  const operations = messageField(body, 'Operations');
  if (!Array.isArray(operations)) throw scimErrors.invalidSyntax('A BulkRequest needs "Operations": an array of operations');
  // RFC 7644 §3.7.4: a request over maxOperations is refused as a whole, before anything runs.
  if (operations.length > limits.maxOperations) {
    throw scimErrors.payloadTooLarge(
      `The BulkRequest has ${operations.length} operations; this server accepts at most ${limits.maxOperations} (maxOperations in /ServiceProviderConfig). Split it into smaller requests.`,
    );
  }
  const failOnErrors = messageField(body, 'failOnErrors');
  if (failOnErrors !== undefined && failOnErrors !== null && !(Number.isInteger(failOnErrors) && (failOnErrors as number) >= 1)) {
    throw scimErrors.invalidValue(`"failOnErrors" must be a whole number of at least 1 (errors accepted before the rest is not attempted), got ${JSON.stringify(failOnErrors)}`);
  }
  return {
    ...(typeof failOnErrors === 'number' ? { failOnErrors } : {}),
    operations: operations.map((operation, index) => parseOperation(registry, operation, index)),
  };
}

function parseOperation(registry: SchemaRegistry, raw: unknown, index: number): BulkOperation {
  if (!isMessage(raw)) return { index, error: scimErrors.invalidSyntax(`Operation ${index} must be a JSON object`) };
  const methodValue = messageField(raw, 'method');
  const methodText = typeof methodValue === 'string' ? methodValue.toUpperCase() : undefined;
  const method = methodText !== undefined && METHODS.includes(methodText) ? (methodText as BulkMethod) : undefined;
  const bulkIdValue = messageField(raw, 'bulkId');
  const bulkId = typeof bulkIdValue === 'string' && bulkIdValue !== '' ? bulkIdValue : undefined;
  const echo = { index, ...(methodText !== undefined ? { methodText } : {}), ...(bulkId !== undefined ? { bulkId } : {}) };
  const invalid = (error: ScimError): BulkOperation => ({ ...echo, ...(method ? { method } : {}), error });

  if (!method) return invalid(scimErrors.invalidValue(`Operation ${index}: "method" must be one of ${METHODS.join(', ')}, got ${JSON.stringify(methodValue ?? null)}`));
  if (bulkIdValue !== undefined && bulkId === undefined) {
    return invalid(scimErrors.invalidValue(`Operation ${index}: "bulkId" must be a non-empty string`));
  }

  const version = messageField(raw, 'version');
  if (version !== undefined && typeof version !== 'string') {
    return invalid(scimErrors.invalidValue(`Operation ${index}: "version" must be an entity tag string such as W/"3"`));
  }

  const target = parsePath(registry, messageField(raw, 'path'), method, index);
  if ('error' in target) return invalid(target.error);

  const data = messageField(raw, 'data');
  if (method !== BulkMethod.delete && !isMessage(data)) {
    return invalid(scimErrors.invalidSyntax(`Operation ${index}: ${method} needs "data", a JSON object (the body of the single ${method} request)`));
  }
  const payload = method === BulkMethod.delete ? undefined : (data as Message);
  // RFC 7644 §3.7: bulkId is "REQUIRED when "method" is "POST"": it is how the response names what each POST created.
  if (method === BulkMethod.post && bulkId === undefined) {
    return invalid(scimErrors.invalidValue(`Operation ${index}: "bulkId" is required for POST (RFC 7644 §3.7): a string unique in this request, e.g. "bulkId": "user-1"`));
  }

  const references = new Set<string>();
  if (target.id !== undefined) {
    const reference = referenceIn(target.id);
    if (reference !== undefined) references.add(reference);
  }
  if (payload) for (const reference of findReferences(payload, { patchPaths: method === BulkMethod.patch })) references.add(reference);

  return {
    ...echo,
    method,
    type: target.type,
    ...(target.id !== undefined ? { target: target.id } : {}),
    // A bare version number is taken as the entity tag it names; If-Match evaluation does the rest.
    ...(typeof version === 'string' && version !== '' && method !== BulkMethod.post ? { ifMatch: /^\d+$/.test(version) ? `W/"${version}"` : version } : {}),
    ...(payload ? { data: payload } : {}),
    references: [...references],
  };
}

type ParsedPath = { readonly type: ResourceTypeDefinition; readonly id?: string } | { readonly error: ScimError };

/** RFC 7644 §3.7: POST names a resource type endpoint (`/Users`); the other methods name a resource (`/Users/{id}`). */
function parsePath(registry: SchemaRegistry, path: unknown, method: BulkMethod, index: number): ParsedPath {
  const example = method === BulkMethod.post ? '/Users' : '/Users/{id}';
  if (typeof path !== 'string' || path.trim() === '') {
    return { error: scimErrors.invalidValue(`Operation ${index}: "path" is required, e.g. "${example}"`) };
  }
  const segments = path.trim().replace(/^\/+/, '').split('/');
  const [endpoint, rawId, ...rest] = segments;
  const type = registry.resourceTypes.find((candidate) => candidate.endpoint.replace(/^\//, '').toLowerCase() === endpoint.toLowerCase());
  if (!type) {
    const known = registry.resourceTypes.map((candidate) => candidate.endpoint).join(', ');
    return { error: scimErrors.notFound(`Operation ${index}: no resource type at "${path}" (endpoints: ${known})`) };
  }
  if (method === BulkMethod.post) {
    if (rawId !== undefined && rawId !== '') {
      return { error: scimErrors.invalidValue(`Operation ${index}: a POST path names the endpoint to create in, e.g. "${type.endpoint}", not a resource`) };
    }
    return { type };
  }
  if (rawId === undefined || rawId === '' || rest.length > 0) {
    return { error: scimErrors.invalidValue(`Operation ${index}: a ${method} path names one resource, e.g. "${type.endpoint}/{id}" or "${type.endpoint}/bulkId:{bulkId}"`) };
  }
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    return { error: scimErrors.invalidValue(`Operation ${index}: the resource id in "${path}" is not a valid percent-encoded path segment`) };
  }
  return { type, id };
}
