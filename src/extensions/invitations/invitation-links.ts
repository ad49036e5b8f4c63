// Invitation links: a token of 256 random bits, carried in a URL built from a template, stored only as its SHA-256.
//
// Why a plain SHA-256 and not a password hash: the token is 256 bits from the operating system's CSPRNG, so there is
// nothing to guess and nothing a slow hash would protect; a fast, unsalted digest lets an accept find its invitation
// with one indexed lookup, whatever the tenant. (The same reasoning as the bearer tokens', src/auth/tokens.ts.)
import { createHash, randomBytes } from 'node:crypto';

/** Where the token goes in a link template. */
export const TOKEN_PLACEHOLDER = '{token}';
const TOKEN_BYTES = 32;

export interface IssuedLink {
  /** The token itself: it goes into the link and nowhere else (never a log line, an error or an event). */
  readonly token: string;
  readonly tokenHash: string;
}

export function issueInvitationToken(random: (size: number) => Buffer = randomBytes): IssuedLink {
  const token = random(TOKEN_BYTES).toString('base64url');
  return { token, tokenHash: hashInvitationToken(token) };
}

export function hashInvitationToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The accept link: the template with the token in place of `{token}` (URL-safe already: base64url). */
export function invitationLink(template: string, token: string): string {
  return template.split(TOKEN_PLACEHOLDER).join(token);
}

/**
 * Checks a link template (SCIM_INVITATION_LINK, the `invitations.link` setting): an absolute http(s) URL holding
 * `{token}`. Throws an Error whose message completes "<name> ...".
 */
export function parseLinkTemplate(raw: string): string {
  const value = raw.trim();
  if (!value.includes(TOKEN_PLACEHOLDER)) throw new Error(`must contain ${TOKEN_PLACEHOLDER}, where the link's token goes, e.g. https://app.example.com/accept#token={token}`);
  let url: URL;
  try {
    url = new URL(invitationLink(value, 'x'));
  } catch {
    throw new Error(`must be an absolute URL such as https://app.example.com/accept#token={token}, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('must use http or https');
  return value;
}
