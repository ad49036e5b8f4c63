// The invitation routes in the OpenAPI document (README "Invitations"), spread into routeDocs, and their bodies.
import { Scope } from '../../auth/scopes';
import { audited, type ResponseDoc, type RouteAudit, type RouteDoc } from './route-doc';

const ERROR = { schema: 'Error' } as const;
const COMMON: Record<string, ResponseDoc> = {
  '401': { description: 'Missing, invalid, revoked or expired bearer token', ...ERROR },
  '403': { description: 'The token lacks the scope this route needs', ...ERROR },
  '429': { description: 'Past a rate limit of the token or its tenant (Retry-After says when to try again)', ...ERROR },
  '503': { description: 'The store is not reachable', ...ERROR },
};
const NOT_FOUND = { description: 'No such invitation in this tenant', ...ERROR };
const GONE = { description: 'The invitation is no longer pending: accepted, cancelled or expired (`reason` says which)', ...ERROR };
const INVITATION = { description: 'The invitation, with the delivery of its current link', schema: 'Invitation' };
const IDEMPOTENCY = [{ name: 'Idempotency-Key', description: 'Makes a retry of this POST answer the first response instead of acting twice' }];

/** INVITATION_<ACTION>_START / _SUCCESS / _FAIL, on the invitation of the route's `:id`. */
const events = (action: string): RouteAudit => audited('INVITATION', action, 'Invitation');

const route = (
  method: RouteDoc['method'],
  path: string,
  scope: Scope,
  audit: RouteAudit,
  summary: string,
  responses: Record<string, ResponseDoc>,
  extra: Partial<RouteDoc> = {},
): RouteDoc => ({
  method,
  path,
  mount: 'scim',
  tag: 'Invitations',
  auth: 'bearer',
  scope,
  audit,
  summary,
  ...extra,
  responses: { ...responses, ...COMMON },
});

export const INVITATIONS_ROUTES: RouteDoc[] = [
  route(
    'post',
    '/Invitations',
    Scope.write,
    events('CREATE'),
    'Invite addresses, all with the same roles and groups: one pending invitation (and pending user) per address',
    {
      '200': { description: 'One result per address, in order: status pending with the invitation id, or failed with a SCIM error', schema: 'InvitationResults' },
      '400': { description: 'A malformed body, more than 100 addresses, a role the catalogue lacks or a group the tenant lacks (nothing written)', ...ERROR },
    },
    { requestBody: 'InvitationRequest', headers: IDEMPOTENCY },
  ),
  route(
    'get',
    '/Invitations',
    Scope.read,
    events('RETRIEVE_LIST'),
    'List invitations, oldest first, paged by RFC 9865 cursor',
    { '200': { description: 'A page of invitations', schema: 'ListResponse' }, '400': { description: 'A filter on anything but status, email and created, or a cursor not issued for this list', ...ERROR } },
    {
      query: [
        { name: 'filter', description: 'status eq "pending", email eq "a@example.com", created gt "2026-01-01T00:00:00Z", joined with and' },
        { name: 'cursor', description: 'RFC 9865 cursor: absent or empty for the first page, then nextCursor' },
        { name: 'count', description: 'Page size (at most SCIM_MAX_RESULTS)', type: 'integer' },
      ],
    },
  ),
  route('get', '/Invitations/:id', Scope.read, events('RETRIEVE'), 'Read an invitation: status, expiry, access granted, delivery (and, for scim:write tokens, the link while pending)', {
    '200': INVITATION,
    '404': NOT_FOUND,
  }),
  route('delete', '/Invitations/:id', Scope.write, events('CANCEL'), 'Cancel a pending invitation; the pending user it created is deleted, an existing user is left alone', {
    '204': { description: 'Cancelled; the invitation stays readable with status cancelled' },
    '404': NOT_FOUND,
    '410': GONE,
  }),
  route(
    'post',
    '/Invitations/:id/resend',
    Scope.write,
    events('RESEND'),
    'Send a new link with a new expiry; the previous link stops working',
    { '200': INVITATION, '404': NOT_FOUND, '410': GONE },
    { requestBody: 'ResendRequest', headers: IDEMPOTENCY },
  ),
  {
    method: 'post',
    path: '/Invitations/accept',
    mount: 'scim',
    tag: 'Invitations',
    auth: 'none',
    // No token, so the request itself records nothing; the service records INVITATION_ACCEPT for the link's tenant.
    audit: null,
    summary: "Accept an invitation with its link's token (no bearer token): the user becomes active with the invitation's roles and groups",
    description: 'Limited to 20 requests per client address per minute.',
    requestBody: 'AcceptRequest',
    responses: {
      '200': { description: 'The accepted invitation and the userName of the account', schema: 'Invitation' },
      '400': { description: 'A malformed body, or a password the tenant policy refuses (nothing changed, the link still works)', ...ERROR },
      '404': { description: 'No invitation has this token', ...ERROR },
      '410': { description: 'The link was used, cancelled, expired or superseded by a resend (`reason` says which)', ...ERROR },
      '429': { description: 'Too many accepts from this client address (Retry-After says when to try again)', ...ERROR },
      '503': COMMON['503'],
    },
  },
];

/** The request and answer bodies of the invitation routes, for components.schemas. */
export function invitationsSchemas(): Record<string, Record<string, unknown>> {
  const strings = { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 100 };
  return {
    InvitationRequest: {
      type: 'object',
      required: ['emails'],
      properties: {
        emails: { ...strings, minItems: 1, items: { type: 'string', format: 'email' } },
        roles: { ...strings, description: 'Role names of the catalogue (/Roles)' },
        groups: { ...strings, description: 'Group ids of the tenant' },
        expiresInDays: { type: 'integer', minimum: 1, maximum: 30, default: 30 },
        message: { type: 'string', maxLength: 2000, description: 'A note for the mail' },
      },
    },
    InvitationResults: {
      type: 'object',
      required: ['results'],
      properties: {
        results: {
          type: 'array',
          items: {
            type: 'object',
            required: ['email', 'status'],
            properties: { email: { type: 'string' }, status: { enum: ['pending', 'failed'] }, id: { type: 'string' }, error: { $ref: '#/components/schemas/Error' } },
          },
        },
      },
    },
    ResendRequest: { type: 'object', properties: { expiresInDays: { type: 'integer', minimum: 1, maximum: 30, default: 30 } } },
    AcceptRequest: {
      type: 'object',
      required: ['token'],
      properties: {
        token: { type: 'string', minLength: 1, description: 'The token of the link', writeOnly: true },
        password: { type: 'string', minLength: 1, writeOnly: true },
        name: { type: 'object', properties: { givenName: { type: 'string' }, familyName: { type: 'string' } } },
      },
    },
    Invitation: {
      type: 'object',
      required: ['schemas', 'id', 'email', 'status', 'expires', 'userId', 'roles', 'groups', 'meta'],
      properties: {
        schemas: { type: 'array', items: { type: 'string' } },
        id: { type: 'string' },
        email: { type: 'string' },
        status: { enum: ['pending', 'accepted', 'cancelled', 'expired'] },
        expires: { type: 'string', format: 'date-time' },
        userId: { type: 'string' },
        userCreated: { type: 'boolean' },
        userName: { type: 'string', description: 'In the answer of POST /Invitations/accept' },
        roles: { type: 'array', items: { type: 'string' } },
        groups: { type: 'array', items: { type: 'string' } },
        message: { type: 'string' },
        invitedBy: { type: 'string' },
        statusChanged: { type: 'string', format: 'date-time' },
        delivery: {
          type: 'object',
          properties: {
            method: { enum: ['smtp', 'manual'] },
            status: { enum: ['sent', 'queued', 'retrying', 'failed'] },
            attempts: { type: 'integer' },
            lastError: { type: 'string' },
            nextAttempt: { type: 'string', format: 'date-time' },
            sent: { type: 'string', format: 'date-time' },
            link: { type: 'string', description: 'Only for scim:write tokens, only while pending' },
          },
        },
        meta: { type: 'object' },
      },
    },
  };
}
