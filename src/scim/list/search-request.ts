// The body of POST /.search and POST /{Resource}/.search (RFC 7644 §3.4.3): a SearchRequest message, checked against
// its schema here and then read with exactly the semantics of the GET query parameters (list-request.ts).
import { scimErrors } from '../errors';
import { URN } from '../urns';
import { getIgnoringCase } from '../paths/case-insensitive-key';
import type { ListParameters } from './list-request';

/**
 * RFC 7644 §3.4.3 lists the SearchRequest attributes; RFC 9865 adds `cursor`. Other members are ignored, as unknown
 * query parameters are (RFC 7644 §3.4.2).
 */
const TYPES: Readonly<Record<keyof ListParameters, 'string' | 'integer' | 'strings'>> = {
  filter: 'string',
  sortBy: 'string',
  sortOrder: 'string',
  startIndex: 'integer',
  count: 'integer',
  attributes: 'strings',
  excludedAttributes: 'strings',
  cursor: 'string',
};

export function parseSearchRequest(body: unknown): ListParameters {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw scimErrors.invalidSyntax('The request body must be a SearchRequest JSON object (Content-Type: application/scim+json)');
  }
  const message = body as Record<string, unknown>;
  const schemas = getIgnoringCase(message, 'schemas');
  if (!Array.isArray(schemas) || !schemas.some((urn) => typeof urn === 'string' && urn.toLowerCase() === URN.message.searchRequest.toLowerCase())) {
    throw scimErrors.invalidSyntax(`A SearchRequest must have "schemas": ["${URN.message.searchRequest}"]`);
  }
  const parameters: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(TYPES)) {
    const value = getIgnoringCase(message, name);
    // RFC 7643 §2.5: null is the same as absent.
    if (value === undefined || value === null) continue;
    if (!hasType(value, type)) throw scimErrors.invalidSyntax(`SearchRequest attribute "${name}" must be ${DESCRIPTIONS[type]}`);
    parameters[name] = value;
  }
  return parameters as ListParameters;
}

const DESCRIPTIONS = { string: 'a string', integer: 'an integer', strings: 'a list of attribute names (strings)' } as const;

function hasType(value: unknown, type: 'string' | 'integer' | 'strings'): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      // A numeric string is read like the query parameter it stands for.
      return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value));
    case 'strings':
      // RFC 7644 §3.4.3 makes attributes a list; a comma-separated string as in the query form is accepted too.
      return typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
  }
}
