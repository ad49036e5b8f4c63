// The account lifecycle routes in the OpenAPI document (README "Account lifecycle"), spread into routeDocs.
import { Scope } from '../../auth/scopes';
import { audited, type ResponseDoc, type RouteAudit, type RouteDoc } from './route-doc';

const ERROR = { schema: 'Error' } as const;
const COMMON: Record<string, ResponseDoc> = {
  '401': { description: 'Missing, invalid, revoked or expired bearer token', ...ERROR },
  '403': { description: 'The token lacks the scope this route needs', ...ERROR },
  '404': { description: 'No such User in this tenant', ...ERROR },
  '503': { description: 'The store is not reachable', ...ERROR },
};
const IF_MATCH = [{ name: 'If-Match', description: 'ETag; 412 when stale' }];
const SELECTION = [
  { name: 'attributes', description: 'Comma-separated attributes to return' },
  { name: 'excludedAttributes', description: 'Comma-separated attributes to leave out' },
];
const USER = { description: 'The User after the change (ETag header)', schema: 'User' };
const REFUSED = { description: 'The action does not apply in the current state (`state` in the body names it)', ...ERROR };
const STALE = { description: 'If-Match does not match the current version', ...ERROR };
const INVALID = { description: 'A field of the body is missing or wrong (scimType invalidValue)', ...ERROR };

// Audit events (README "Audit events"): each action is an operation on the user, `USER_LOCK_*`, `USER_UNLOCK_*`…; the
// state route is `USER_STATE_UPDATE_*`, the password routes `USER_PASSWORD_UPDATE_*` and `USER_PASSWORD_EXPIRE_*`.
// A password is never in an event: a change names the attribute `password`, never its value.
const onUser = (resource: string, action: string): RouteAudit => audited(resource, action, 'User');

const action = (method: 'post' | 'put', path: string, audit: RouteAudit, summary: string, requestBody?: string, description?: string): RouteDoc => ({
  method,
  path: `/Users/:id/${path}`,
  mount: 'scim',
  tag: 'Account lifecycle',
  auth: 'bearer',
  scope: Scope.write,
  audit,
  summary,
  ...(description ? { description } : {}),
  query: SELECTION,
  headers: IF_MATCH,
  ...(requestBody ? { requestBody } : {}),
  responses: { '200': USER, '400': INVALID, '409': REFUSED, '412': STALE, ...COMMON },
});

export const LIFECYCLE_ROUTES: RouteDoc[] = [
  action('post', 'lock', onUser('USER', 'LOCK'), 'Lock an account, until a time or until an unlock', 'LockRequest'),
  action('post', 'unlock', onUser('USER', 'UNLOCK'), 'Unlock a locked account (its failed sign-in count goes too)'),
  action('post', 'disable', onUser('USER', 'DISABLE'), 'Disable an account (as PATCH active false does)', 'ReasonRequest'),
  action('post', 'enable', onUser('USER', 'ENABLE'), 'Enable a disabled account (as PATCH active true does)'),
  action('put', 'state', onUser('USER_STATE', 'UPDATE'), 'Set the state: active, locked, disabled, expired (or Locked, Disabled, Expired, None)', 'StateRequest'),
  action('post', 'password/expire', onUser('USER_PASSWORD', 'EXPIRE'), 'Expire the password: sign-ins are refused until a new one is set'),
  {
    method: 'post',
    path: '/Users/:id/password',
    mount: 'scim',
    tag: 'Account lifecycle',
    auth: 'bearer',
    scope: Scope.write,
    audit: onUser('USER_PASSWORD', 'UPDATE'),
    summary: 'Set a password, temporary (must be changed) or not',
    headers: IF_MATCH,
    requestBody: 'PasswordRequest',
    responses: { '204': { description: 'Set (ETag header)' }, '400': { description: "The password breaks the tenant's password policy, or a field is wrong", ...ERROR }, '412': STALE, ...COMMON },
  },
  {
    method: 'post',
    path: '/Users/.verify-credentials',
    mount: 'scim',
    tag: 'Account lifecycle',
    auth: 'bearer',
    scope: Scope.credentials,
    // The user is found by name: the events name the type only; the password is never in them.
    audit: onUser('USER', 'VERIFY_CREDENTIALS'),
    summary: 'Check a user name and password: may this sign-in proceed?',
    description: '401 for an unknown user or a wrong password (the same answer); 423 for a locked account whatever the password; 403 (with `reason`) for a correct password of an account that may not sign in.',
    requestBody: 'CredentialsRequest',
    responses: {
      '200': { description: 'The sign-in may proceed', schema: 'VerifiedCredentials' },
      '400': INVALID,
      '401': { description: 'Unknown user or wrong password (or a bad bearer token)', ...ERROR },
      '403': { description: 'Correct password, but `reason` refuses it (disabled, expired, pending, passwordExpired, mustChangePassword); or the token lacks scim:credentials', ...ERROR },
      '423': { description: 'The account is locked (`lockedUntil` when the lock is timed)', ...ERROR },
      '503': COMMON['503'],
    },
  },
  {
    method: 'get',
    path: '/Users/:id/sign-ins',
    mount: 'scim',
    tag: 'Account lifecycle',
    auth: 'bearer',
    scope: Scope.read,
    audit: onUser('USER_SIGN_IN', 'RETRIEVE_LIST'),
    summary: "A user's sign-in history, newest first, paged by RFC 9865 cursor",
    query: [
      { name: 'cursor', description: 'RFC 9865 cursor: absent or empty for the first page, then nextCursor' },
      { name: 'count', description: 'Page size (at most SCIM_MAX_RESULTS)', type: 'integer' },
    ],
    responses: { '200': { description: 'A page of SignIn entries', schema: 'ListResponse' }, '400': { description: 'A cursor not issued for this list (invalidCursor)', ...ERROR }, ...COMMON },
  },
];

/** The request and answer bodies of the lifecycle routes, for components.schemas. */
export function lifecycleSchemas(): Record<string, Record<string, unknown>> {
  const reason = { type: 'string', maxLength: 500, description: 'Why (kept as stateReason)' };
  return {
    LockRequest: { type: 'object', properties: { reason, until: { type: 'string', format: 'date-time', description: 'When the lock lifts by itself; absent: until an unlock' } } },
    ReasonRequest: { type: 'object', properties: { reason } },
    StateRequest: {
      type: 'object',
      required: ['state'],
      properties: { state: { type: 'string', examples: ['active', 'locked', 'disabled', 'expired', 'Locked', 'Disabled', 'Expired', 'None'] }, reason },
    },
    PasswordRequest: {
      type: 'object',
      required: ['password'],
      properties: { password: { type: 'string', minLength: 1, writeOnly: true }, temporary: { type: 'boolean', description: 'Sets mustChangePassword' } },
    },
    CredentialsRequest: {
      type: 'object',
      required: ['userName', 'password'],
      properties: { userName: { type: 'string', minLength: 1 }, password: { type: 'string', minLength: 1, writeOnly: true } },
    },
    VerifiedCredentials: {
      type: 'object',
      required: ['id', 'userName', 'state'],
      additionalProperties: false,
      properties: { id: { type: 'string' }, userName: { type: 'string' }, state: { type: 'string', const: 'active' } },
    },
  };
}
