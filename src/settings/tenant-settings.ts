// The per-tenant settings the server knows: one row per key. A feature that needs a setting adds its row here (key
// `<feature>.<name>`, a description, a default, a parser from src/config/value-parsers.ts or its own) and reads it
// through the settings reader (settings-reader.ts); the admin CLI (`tenant set`, `tenant show`) and the README's
// settings table follow from the row. Keys are case-sensitive and never renamed once shipped (stored values keep them).
import { boolean, integer, oneOf } from '../config/value-parsers';
import { parseLinkTemplate } from '../extensions/invitations/invitation-links';
import type { SettingDefinition, SettingsOf, SettingsTable } from './setting-definition';

/** `server` (the value stands for the server's configured default), or a whole number in the range. */
const SERVER_DEFAULT = 'server';
function rateOrServer(description: string): SettingDefinition<number | null> {
  const rate = integer(0, 1_000_000);
  return {
    description,
    default: null,
    parse: (raw) => (raw.trim().toLowerCase() === SERVER_DEFAULT ? null : rate(raw)),
    format: (value) => (value === null ? SERVER_DEFAULT : String(value)),
  };
}

/** A comma-separated list of e-mail domains, folded to lower case; empty for none. */
function domainList(raw: string): readonly string[] {
  const domains = raw
    .split(',')
    .map((domain) => domain.trim().toLowerCase())
    .filter((domain) => domain !== '');
  const invalid = domains.filter((domain) => !/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/.test(domain));
  if (invalid.length > 0) throw new Error(`must be e-mail domains separated by commas (example.com,example.org); not a domain: ${invalid.join(', ')}`);
  return [...new Set(domains)];
}

/** A mail template with {{link}}, {{inviter}}, {{email}}, {{expires}}, {{message}}; `default` is the built-in one. */
function mailTemplate(what: string, maxLength: number): SettingDefinition<string | null> {
  return {
    description: `${what}, with {{link}}, {{inviter}}, {{email}}, {{expires}} and {{message}} filled in; default: the built-in one`,
    default: null,
    parse: (raw) => {
      if (raw.trim().toLowerCase() === 'default') return null;
      if (raw.length > maxLength) throw new Error(`must be at most ${maxLength} characters, got ${raw.length}`);
      return raw;
    },
    format: (value) => value ?? 'default',
  };
}

/** A tolerance for a shape some identity providers send: refuse it (the default) or let it pass. */
export const Tolerance = { reject: 'reject', ignore: 'ignore' } as const;
export type Tolerance = (typeof Tolerance)[keyof typeof Tolerance];
const tolerance = oneOf(Tolerance.reject, Tolerance.ignore);

/** What a write that names a role the tenant's catalogue lacks gets (README "Roles"). */
export const RolesMode = { strict: 'strict', createOnDemand: 'create-on-demand' } as const;
export type RolesMode = (typeof RolesMode)[keyof typeof RolesMode];

export const TENANT_SETTINGS = {
  'jobs.retentionDays': {
    description: 'Days a finished job (succeeded, failed or cancelled) stays listed before housekeeping deletes it',
    default: 30,
    parse: integer(1, 3650),
  },
  // README "Roles": the key is the one word the roles feature documents to identity-provider administrators.
  roles: {
    description: 'a User write naming a role the catalogue (/Roles) lacks: strict (400 invalidValue naming it, nothing written) or create-on-demand (the role is created, then granted)',
    default: RolesMode.strict as RolesMode,
    parse: oneOf(RolesMode.strict, RolesMode.createOnDemand),
  },
  // README "Tolerances". Some clients add a member before they create it (Microsoft's test suite adds "string id 1").
  'tolerance.unknownMembers': {
    description: 'group members that name no User or Group of the tenant: reject (400 invalidValue) or ignore (left out, with a warning in the log)',
    default: Tolerance.reject as Tolerance,
    parse: tolerance,
  },
  // README "Unknown schema URNs": for identity providers that send extensions the tenant has not defined.
  'tolerance.unknownSchemas': {
    description: 'attributes under schema URNs the server does not know, in a resource body or a PATCH path: reject (400 invalidSyntax / invalidPath) or ignore (left out)',
    default: Tolerance.reject as Tolerance,
    parse: tolerance,
  },
  'rateLimit.perTokenPerSecond': rateOrServer(
    'Requests per second each token of this tenant may make, counted over SCIM_RATE_LIMIT_WINDOW (0: no limit; server: SCIM_RATE_LIMIT_TOKEN)',
  ),
  'rateLimit.perTenantPerSecond': rateOrServer(
    'Requests per second all tokens of this tenant together may make, counted over SCIM_RATE_LIMIT_WINDOW (0: no limit; server: SCIM_RATE_LIMIT_TENANT)',
  ),
  // Account lifecycle (src/extensions/lifecycle/, README "Account lifecycle").
  'lockout.threshold': {
    description: 'Consecutive failed sign-ins (POST /Users/.verify-credentials) that lock an active account; 0 never locks',
    default: 5,
    parse: integer(0, 1000),
  },
  'lockout.windowMinutes': {
    description: 'Minutes within which failed sign-ins count together: a failure later than that after the first of a run starts a new count',
    default: 15,
    parse: integer(1, 10_080),
  },
  'lockout.durationMinutes': {
    description: 'Minutes an automatic lock lasts before it lifts by itself; 0 keeps it until an administrator unlocks the account',
    default: 15,
    parse: integer(0, 525_600),
  },
  'passwords.minLength': {
    description: 'Fewest characters a new password may have (POST, PUT, PATCH, Bulk and POST /Users/{id}/password)',
    default: 8,
    parse: integer(1, 1024),
  },
  'passwords.refuseCurrent': {
    description: "Refuse a new password equal to the user's current one (true or false)",
    default: true,
    parse: boolean,
  },
  'signIns.retentionDays': {
    description: 'Days a sign-in stays in a user\'s history (GET /Users/{id}/sign-ins) before a sweep deletes it',
    default: 90,
    parse: integer(1, 3650),
  },
  'audit.retentionDays': {
    description: 'Days an audit event stays readable in GET /AuditEvents before the hourly retention sweep deletes it',
    default: 90,
    parse: integer(1, 3650),
  },
  // README "Export and import": IBM App ID's Cloud Directory imports at most 50 users per request; so does this server
  // by default, so that one request's writes (a user and its group joins per record) stay within a client's timeout.
  'transfer.importMaxRecords': {
    description: 'Most records one POST /Users/.import may hold (413 above it); larger imports upload the whole file to POST /Users/.import/all',
    default: 50,
    parse: integer(1, 1000),
  },
  // Invitations (src/extensions/invitations/, README "Invitations").
  'invitations.allowedDomains': {
    description: 'E-mail domains this tenant may invite, comma-separated (example.com,example.org); empty: any domain. An address outside them is refused (400 naming it)',
    default: [] as readonly string[],
    parse: domainList,
    format: (value: readonly string[]) => value.join(','),
  },
  'invitations.link': {
    description: 'The accept link of an invitation, with {token} where the token goes (e.g. https://app.example.com/accept#token={token}); server: SCIM_INVITATION_LINK',
    default: null as string | null,
    parse: (raw: string) => (raw.trim().toLowerCase() === SERVER_DEFAULT ? null : parseLinkTemplate(raw)),
    format: (value: string | null) => value ?? SERVER_DEFAULT,
  },
  'invitations.mailSubject': mailTemplate('The subject of invitation mails', 200),
  'invitations.mailText': mailTemplate('The plain-text part of invitation mails', 20_000),
  'invitations.mailHtml': mailTemplate('The HTML part of invitation mails (values are HTML-escaped)', 50_000),
} as const satisfies SettingsTable;

export type TenantSettingsTable = typeof TENANT_SETTINGS;
export type TenantSettings = SettingsOf<TenantSettingsTable>;
