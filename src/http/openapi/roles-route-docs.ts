// The roles routes in the OpenAPI document (README "Roles"), spread into routeDocs. The Role resource type's SCIM
// routes are generated with every other type's; its DELETE gains `force` here.
import { Scope } from '../../auth/scopes';
import type { JsonSchema } from './resource-json-schema';
import { audited, type ResponseDoc, type RouteDoc } from './route-doc';

const ERROR = { schema: 'Error' } as const;
const COMMON: Record<string, ResponseDoc> = {
  '401': { description: 'Missing, invalid, revoked or expired bearer token', ...ERROR },
  '403': { description: 'The token lacks the scope this route needs', ...ERROR },
  '503': { description: 'The store is not reachable', ...ERROR },
};
const IF_MATCH = [{ name: 'If-Match', description: 'ETag; 412 when stale' }];
const SELECTION = [
  { name: 'attributes', description: 'Comma-separated attributes to return' },
  { name: 'excludedAttributes', description: 'Comma-separated attributes to leave out' },
];
const USER = { description: 'The User after the change (ETag header), as the equivalent PATCH answers', schema: 'User' };
const STALE = { description: 'If-Match does not match the current version', ...ERROR };

const userRoute = (method: 'post' | 'put' | 'delete', path: string, summary: string, description: string, responses: Record<string, ResponseDoc>): RouteDoc => ({
  method,
  path,
  mount: 'scim',
  tag: 'Roles',
  auth: 'bearer',
  scope: Scope.write,
  // The equivalent PATCH, and recorded as one (PUT and PATCH are both _UPDATE_): the user is what changes.
  audit: audited('USER', 'UPDATE', 'User'),
  summary,
  description,
  query: SELECTION,
  headers: IF_MATCH,
  ...(method === 'delete' ? {} : { requestBody: 'RolesRequest' }),
  responses: { '200': USER, ...responses, '412': STALE, ...COMMON },
});

const UNKNOWN_ROLE = { description: 'A role the catalogue lacks (scimType invalidValue, naming it), or a malformed body (invalidSyntax)', ...ERROR };

export const ROLES_ROUTES: RouteDoc[] = [
  userRoute('post', '/Users/:id/roles', "Grant roles to a user (those held already stay)", 'The PATCH `add` of `roles` with these values.', {
    '400': UNKNOWN_ROLE,
    '404': { description: 'No such User in this tenant', ...ERROR },
  }),
  userRoute('put', '/Users/:id/roles', 'Set exactly the roles of a user ([] removes them all)', 'The PATCH `replace` of `roles` with these values.', {
    '400': UNKNOWN_ROLE,
    '404': { description: 'No such User in this tenant', ...ERROR },
  }),
  userRoute('delete', '/Users/:id/roles/:name', 'Take one role from a user (its name in any case)', 'The PATCH `remove` of `roles[value eq "<name>"]`.', {
    '404': { description: 'No such User in this tenant, or the user does not hold the role', ...ERROR },
  }),
];

/** The Role type's DELETE: 409 while users hold the role, and `force=true` to take it from them. */
export function withForcedRoleDeletion(route: RouteDoc): RouteDoc {
  if (route.tag !== 'Role' || route.method !== 'delete') return route;
  return {
    ...route,
    summary: 'Delete a Role (with force=true also when users hold it: it is taken from each of them)',
    query: [{ name: 'force', description: 'true: delete a role users hold, and remove it from every holder' }],
    responses: {
      ...route.responses,
      '202': { description: 'Deleted; a job takes it from its many holders in batches (the body names the job)', schema: 'RoleDeletionJob' },
      '409': { description: 'Users hold the role (the detail says how many); retry with force=true', ...ERROR },
    },
  };
}

export function rolesSchemas(): Record<string, JsonSchema> {
  return {
    RolesRequest: {
      type: 'object',
      description: 'Role names of the tenant\'s catalogue (GET /Roles), as strings or {"value": name}',
      required: ['roles'],
      properties: {
        roles: { type: 'array', items: { oneOf: [{ type: 'string', minLength: 1 }, { type: 'object', required: ['value'], properties: { value: { type: 'string', minLength: 1 } } }] } },
      },
    },
    RoleDeletionJob: {
      type: 'object',
      required: ['job', 'holders'],
      properties: {
        job: { type: 'object', properties: { id: { type: 'string' }, type: { type: 'string' }, status: { type: 'string' }, created: { type: 'string', format: 'date-time' } } },
        holders: { type: 'integer', description: 'Users who held the role when it was deleted' },
        detail: { type: 'string' },
      },
    },
  };
}
