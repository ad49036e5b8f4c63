// The bodies of the lifecycle routes, checked once at the entry to the service (the router passes them on as they
// came): a field of the wrong type or value is 400 with a detail naming it, and nothing is written.
import { scimErrors } from '../../scim/errors';
import { normaliseDateTime } from '../../scim/filter/date-time';
import { coerceBoolean } from '../../scim/schema/canonicalise';
import { MAX_PASSWORD_LENGTH } from '../../resources/users/password';
import { AccountState } from './lifecycle-attributes';
import type { SettableState } from './state-machine';

/** Longest `reason` kept: enough for a sentence or a ticket reference, and it is stored with the user. */
export const MAX_REASON_LENGTH = 500;

export interface LockRequest {
  readonly reason?: string;
  /** ISO 8601 UTC with milliseconds; absent: until an administrator unlocks. */
  readonly until?: string;
}

export interface StateRequest {
  readonly state: SettableState;
  readonly reason?: string;
}

export interface PasswordRequest {
  readonly password: string;
  readonly temporary: boolean;
}

export interface CredentialsRequest {
  readonly userName: string;
  readonly password: string;
}

/** The words PUT /Users/{id}/state accepts, case-insensitively: ours, and directory products' (None = active). */
const STATE_WORDS: Readonly<Record<string, SettableState>> = {
  active: AccountState.active,
  none: AccountState.active,
  locked: AccountState.locked,
  disabled: AccountState.disabled,
  expired: AccountState.expired,
};

/** An absent or empty body is `{}` (the action routes need none); anything but an object is refused. */
function objectOf(body: unknown, route: string): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw scimErrors.invalidSyntax(`The body of ${route} must be a JSON object`);
  return body as Record<string, unknown>;
}

function reasonOf(body: Record<string, unknown>): string | undefined {
  const { reason } = body;
  if (reason === undefined || reason === null) return undefined;
  if (typeof reason !== 'string') throw scimErrors.invalidValue("'reason' must be a string");
  const trimmed = reason.trim();
  if (trimmed.length > MAX_REASON_LENGTH) throw scimErrors.invalidValue(`'reason' must be at most ${MAX_REASON_LENGTH} characters`);
  return trimmed === '' ? undefined : trimmed;
}

export function parseLockRequest(body: unknown, now: Date): LockRequest {
  const fields = objectOf(body, 'POST /Users/{id}/lock');
  const reason = reasonOf(fields);
  const { until } = fields;
  if (until === undefined || until === null) return reason === undefined ? {} : { reason };
  const instant = typeof until === 'string' ? normaliseDateTime(until) : undefined;
  if (instant === undefined) throw scimErrors.invalidValue(`'until' must be an ISO 8601 date and time, e.g. "2030-01-01T00:00:00Z"; got ${JSON.stringify(until)}`);
  if (instant <= now.toISOString()) throw scimErrors.invalidValue(`'until' must be in the future; ${instant} has passed (leave it out to lock until an unlock)`);
  return { ...(reason === undefined ? {} : { reason }), until: instant };
}

export function parseReasonRequest(body: unknown, route: string): { readonly reason?: string } {
  const reason = reasonOf(objectOf(body, route));
  return reason === undefined ? {} : { reason };
}

/** An action route that takes no fields; an empty object (or no body) is fine. */
export function parseEmptyRequest(body: unknown, route: string): void {
  const fields = Object.keys(objectOf(body, route));
  if (fields.length > 0) throw scimErrors.invalidValue(`${route} takes no fields; got ${fields.map((field) => `'${field}'`).join(', ')}`);
}

export function parseStateRequest(body: unknown): StateRequest {
  const fields = objectOf(body, 'PUT /Users/{id}/state');
  const { state } = fields;
  const word = typeof state === 'string' ? state.trim().toLowerCase() : undefined;
  const target = word === undefined ? undefined : STATE_WORDS[word];
  if (target === undefined) {
    const pending = word === AccountState.pending ? ' (pending is the state of an invited user, not one to set)' : '';
    throw scimErrors.invalidValue(`'state' must be one of active, locked, disabled, expired (or Locked, Disabled, Expired, None); got ${JSON.stringify(state)}${pending}`);
  }
  const reason = reasonOf(fields);
  return { state: target, ...(reason === undefined ? {} : { reason }) };
}

export function parsePasswordRequest(body: unknown): PasswordRequest {
  const fields = objectOf(body, 'POST /Users/{id}/password');
  const { password } = fields;
  if (typeof password !== 'string' || password === '') throw scimErrors.invalidValue("'password' is required: a non-empty string");
  const temporary = fields.temporary === undefined || fields.temporary === null ? false : coerceBoolean(fields.temporary);
  if (typeof temporary !== 'boolean') throw scimErrors.invalidValue("'temporary' must be true or false");
  return { password, temporary };
}

export function parseCredentialsRequest(body: unknown): CredentialsRequest {
  const fields = objectOf(body, 'POST /Users/.verify-credentials');
  const { userName, password } = fields;
  if (typeof userName !== 'string' || userName === '') throw scimErrors.invalidValue("'userName' is required: a non-empty string");
  if (typeof password !== 'string' || password === '') throw scimErrors.invalidValue("'password' is required: a non-empty string");
  // Longer than any password the server stores: refused before any lookup, so it says nothing about the user.
  if (password.length > MAX_PASSWORD_LENGTH) throw scimErrors.invalidValue(`'password' must be at most ${MAX_PASSWORD_LENGTH} characters`);
  return { userName, password };
}
