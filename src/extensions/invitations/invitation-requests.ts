// The bodies and queries of the invitation routes (README "Invitations"), read into typed requests. Every refusal is a
// 400 whose detail names the field and what is allowed, and happens before anything is read from or written to the
// store.
import { parse as parseFilterStructure, type Filter } from 'scim2-parse-filter';
import { scimErrors } from '../../scim/errors';
import { normaliseDateTime } from '../../scim/filter/date-time';
import { foldCase } from '../../scim/schema/fold-case';
import { INVITATION_STATUSES, type InvitationQuery, type InvitationStatus } from '../../store/invitation-store';

/** IBM Cloud IAM's rule, which the issue adopts: an invitation is valid for at most 30 days, 30 unless asked. */
export const MAX_EXPIRES_IN_DAYS = 30;
/** The most addresses one POST /Invitations may invite (each is several writes). */
export const MAX_INVITATION_EMAILS = 100;
/** The most roles and groups one invitation may grant. */
export const MAX_INVITATION_GRANTS = 100;
export const MAX_MESSAGE_LENGTH = 2000;
/** RFC 5321 §4.5.3.1.3: a forward-path holds at most 256 octets, of which the address at most 254. */
const MAX_EMAIL_LENGTH = 254;
const MAX_PASSWORD_LENGTH = 1024;
const MAX_NAME_LENGTH = 256;

export interface InviteRequest {
  readonly emails: readonly string[];
  readonly roles: readonly string[];
  readonly groups: readonly string[];
  readonly expiresInDays: number;
  readonly message?: string;
}

export interface AcceptRequest {
  readonly token: string;
  readonly password?: string;
  readonly name?: { readonly givenName?: string; readonly familyName?: string };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function bodyObject(body: unknown, route: string): Record<string, unknown> {
  if (body === undefined || body === null || (isObject(body) && Object.keys(body).length === 0)) return {};
  if (!isObject(body)) throw scimErrors.invalidSyntax(`The body of ${route} must be a JSON object`);
  return body;
}

function refuseUnknown(body: Record<string, unknown>, known: readonly string[], route: string): void {
  const unknown = Object.keys(body).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw scimErrors.invalidSyntax(`${route} does not take ${unknown.map((key) => `"${key}"`).join(', ')}; its fields are ${known.join(', ')}`);
}

function stringList(value: unknown, field: string, max: number): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw scimErrors.invalidValue(`"${field}" must be an array of strings`);
  if (value.length > max) throw scimErrors.tooMany(`"${field}" lists ${value.length} values; an invitation takes at most ${max}`);
  return value.map((entry, index) => {
    if (typeof entry !== 'string' || entry.trim() === '') throw scimErrors.invalidValue(`"${field}[${index}]" must be a non-empty string`);
    return entry.trim();
  });
}

function expiresInDaysOf(value: unknown): number {
  if (value === undefined || value === null) return MAX_EXPIRES_IN_DAYS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_EXPIRES_IN_DAYS) {
    throw scimErrors.invalidValue(`"expiresInDays" must be a whole number of days from 1 to ${MAX_EXPIRES_IN_DAYS}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** POST /Invitations. The addresses are checked one by one later (each gets its own result); here only their list. */
export function parseInviteRequest(body: unknown): InviteRequest {
  const route = 'POST /Invitations';
  const fields = bodyObject(body, route);
  refuseUnknown(fields, ['schemas', 'emails', 'roles', 'groups', 'expiresInDays', 'message'], route);
  if (!Array.isArray(fields.emails) || fields.emails.length === 0) throw scimErrors.invalidValue(`"emails" must be a non-empty array of e-mail addresses`);
  if (fields.emails.length > MAX_INVITATION_EMAILS) {
    throw scimErrors.tooMany(`"emails" lists ${fields.emails.length} addresses; one request invites at most ${MAX_INVITATION_EMAILS}: send the others in further requests`);
  }
  const emails = fields.emails.map((entry, index) => {
    if (typeof entry !== 'string') throw scimErrors.invalidValue(`"emails[${index}]" must be a string`);
    return entry.trim();
  });
  if (fields.message !== undefined && fields.message !== null && (typeof fields.message !== 'string' || fields.message.length > MAX_MESSAGE_LENGTH)) {
    throw scimErrors.invalidValue(`"message" must be a string of at most ${MAX_MESSAGE_LENGTH} characters`);
  }
  return {
    emails,
    roles: stringList(fields.roles, 'roles', MAX_INVITATION_GRANTS),
    groups: stringList(fields.groups, 'groups', MAX_INVITATION_GRANTS),
    expiresInDays: expiresInDaysOf(fields.expiresInDays),
    ...(typeof fields.message === 'string' && fields.message !== '' ? { message: fields.message } : {}),
  };
}

/** POST /Invitations/{id}/resend: an optional new validity. */
export function parseResendRequest(body: unknown): { readonly expiresInDays: number } {
  const route = 'POST /Invitations/{id}/resend';
  const fields = bodyObject(body, route);
  refuseUnknown(fields, ['schemas', 'expiresInDays'], route);
  return { expiresInDays: expiresInDaysOf(fields.expiresInDays) };
}

/** POST /Invitations/accept. */
export function parseAcceptRequest(body: unknown): AcceptRequest {
  const route = 'POST /Invitations/accept';
  const fields = bodyObject(body, route);
  refuseUnknown(fields, ['schemas', 'token', 'password', 'name'], route);
  if (typeof fields.token !== 'string' || fields.token === '') throw scimErrors.invalidValue('"token" must be the token of the invitation link');
  if (fields.password !== undefined && (typeof fields.password !== 'string' || fields.password.length > MAX_PASSWORD_LENGTH)) {
    throw scimErrors.invalidValue(`"password" must be a string of at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  let name: AcceptRequest['name'];
  if (fields.name !== undefined) {
    if (!isObject(fields.name)) throw scimErrors.invalidValue('"name" must be an object with "givenName" and "familyName"');
    refuseUnknown(fields.name, ['givenName', 'familyName'], '"name"');
    const part = (key: 'givenName' | 'familyName') => {
      const value = (fields.name as Record<string, unknown>)[key];
      if (value === undefined) return {};
      if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_NAME_LENGTH) {
        throw scimErrors.invalidValue(`"name.${key}" must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
      }
      return { [key]: value.trim() };
    };
    name = { ...part('givenName'), ...part('familyName') };
  }
  return { token: fields.token, ...(typeof fields.password === 'string' ? { password: fields.password } : {}), ...(name ? { name } : {}) };
}

/** The address's problem, or undefined when it looks like an address (one `@`, a dotted domain, no spaces). */
export function emailProblem(email: string): string | undefined {
  if (email.length > MAX_EMAIL_LENGTH) return `is longer than ${MAX_EMAIL_LENGTH} characters`;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@.]+$/.test(email)) return 'is not an e-mail address (name@domain)';
  return undefined;
}

/** The domain of an address, folded for comparison with the allow-list. */
export function domainOf(email: string): string {
  return foldCase(email.slice(email.lastIndexOf('@') + 1));
}

const FILTERABLE = 'status (eq), email (eq) and created (eq, gt, ge, lt, le), joined with and';

/**
 * The `filter` of GET /Invitations: `status eq "pending"`, `email eq "a@example.com"`, `created gt "2026-01-01T00:00:00Z"`,
 * and `and` of those (RFC 7644 §3.4.2.2 syntax). Each is an index range in the store; anything else is 400 invalidFilter.
 */
export function parseInvitationFilter(text: string | undefined, maxLength: number): InvitationQuery {
  if (text === undefined || text.trim() === '') return {};
  if (text.length > maxLength) throw scimErrors.invalidFilter(`Filter is ${text.length} characters long; the limit is ${maxLength}`);
  let tree: Filter;
  try {
    tree = parseFilterStructure(text);
  } catch (error) {
    throw scimErrors.invalidFilter(`The filter could not be read; invitations can be filtered on ${FILTERABLE}`, error);
  }
  const query: { status?: InvitationStatus; emailKey?: string; created: Record<string, string> } = { created: {} };
  const visit = (node: Filter): void => {
    if (node.op === 'and') {
      for (const child of (node as Extract<Filter, { op: 'and' | 'or' }>).filters) visit(child);
      return;
    }
    if (!('attrPath' in node) || !('compValue' in node)) throw scimErrors.invalidFilter(`Invitations can be filtered on ${FILTERABLE}`);
    const attribute = node.attrPath.toLowerCase();
    const value = node.compValue;
    if (typeof value !== 'string') throw scimErrors.invalidFilter(`"${node.attrPath}" is compared with a string`);
    if (attribute === 'status' && node.op === 'eq') {
      const status = value.toLowerCase() as InvitationStatus;
      if (!INVITATION_STATUSES.includes(status)) throw scimErrors.invalidFilter(`status is one of ${INVITATION_STATUSES.join(', ')}, not "${value}"`);
      if (query.status !== undefined && query.status !== status) throw scimErrors.invalidFilter('status is compared twice with different values');
      query.status = status;
    } else if (attribute === 'email' && node.op === 'eq') {
      query.emailKey = foldCase(value.trim());
    } else if (attribute === 'created' && ['eq', 'gt', 'ge', 'lt', 'le'].includes(node.op)) {
      const instant = normaliseDateTime(value);
      if (instant === undefined) throw scimErrors.invalidFilter(`created is compared with an ISO 8601 instant, not "${value}"`);
      if (node.op === 'eq') Object.assign(query.created, { ge: instant, le: instant });
      else query.created[node.op] = instant;
    } else {
      throw scimErrors.invalidFilter(`Invitations can be filtered on ${FILTERABLE}, not with "${node.attrPath} ${node.op}"`);
    }
  };
  visit(tree);
  return {
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.emailKey === undefined ? {} : { emailKey: query.emailKey }),
    ...(Object.keys(query.created).length === 0 ? {} : { created: query.created }),
  };
}
