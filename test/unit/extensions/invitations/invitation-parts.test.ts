// The small parts of invitations: link tokens and templates, the mail templates (HTML escaping), the list filter, the
// address checks, and the tenant settings' parsers (what `npm run admin -- tenant set` refuses).
import { hashInvitationToken, invitationLink, issueInvitationToken, parseLinkTemplate } from '../../../../src/extensions/invitations/invitation-links';
import { composeInvitationMail, DEFAULT_MAIL_HTML, DEFAULT_MAIL_SUBJECT, DEFAULT_MAIL_TEXT, fillTemplate } from '../../../../src/extensions/invitations/invitation-mail';
import { domainOf, emailProblem, parseAcceptRequest, parseInvitationFilter, parseInviteRequest } from '../../../../src/extensions/invitations/invitation-requests';
import { ScimError } from '../../../../src/scim/errors';
import { TENANT_SETTINGS } from '../../../../src/settings/tenant-settings';

const scimErrorOf = (call: () => unknown): ScimError => {
  try {
    call();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('no error');
};

describe('invitation links', () => {
  it('are 256 random bits in base64url, stored as their SHA-256, placed where the template says', () => {
    const issued = issueInvitationToken();
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(issued.token, 'base64url')).toHaveLength(32);
    expect(issued.tokenHash).toBe(hashInvitationToken(issued.token));
    expect(issued.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(issued.tokenHash).not.toContain(issued.token);
    expect(issueInvitationToken().token).not.toBe(issued.token);
    expect(invitationLink('https://app.example.com/accept#token={token}', 'abc')).toBe('https://app.example.com/accept#token=abc');
  });

  it('refuses a template without {token}, or that is not an http(s) URL', () => {
    expect(parseLinkTemplate(' https://app.example.com/a?t={token} ')).toBe('https://app.example.com/a?t={token}');
    expect(() => parseLinkTemplate('https://app.example.com/accept')).toThrow('must contain {token}');
    expect(() => parseLinkTemplate('/accept#{token}')).toThrow('absolute URL');
    expect(() => parseLinkTemplate('ftp://example.com/{token}')).toThrow('http or https');
  });
});

describe('invitation mails', () => {
  const payload = { invitationId: 'i', send: 1, email: 'ann@example.com', link: 'https://x.example/a#token=T', inviter: 'Okta <admin>', expires: '2026-04-01T00:00:00.000Z', message: '<b>hi</b> & "bye"' };

  it('fill the templates, escaping every value in the HTML part only', () => {
    const mail = composeInvitationMail(payload, { subject: DEFAULT_MAIL_SUBJECT, text: DEFAULT_MAIL_TEXT, html: DEFAULT_MAIL_HTML }, 'From <f@example.com>');
    expect(mail).toMatchObject({ from: 'From <f@example.com>', to: 'ann@example.com', subject: 'You are invited by Okta <admin>' });
    expect(mail.text).toContain('<b>hi</b> & "bye"');
    expect(mail.text).toContain('https://x.example/a#token=T');
    expect(mail.html).toContain('&lt;b&gt;hi&lt;/b&gt; &amp; &quot;bye&quot;');
    expect(mail.html).toContain('Okta &lt;admin&gt;');
    expect(mail.html).not.toContain('<b>hi</b>');
  });

  it('keep a subject on one line and leave unknown placeholders as written', () => {
    const mail = composeInvitationMail({ ...payload, inviter: 'a\r\nBcc: x@evil.example' }, { subject: '{{inviter}} {{nope}}', text: '', html: '' }, 'f@example.com');
    expect(mail.subject).toBe('a Bcc: x@evil.example {{nope}}');
    expect(fillTemplate('{{ link }}', { link: 'L' }, false)).toBe('L');
  });
});

describe('invitation requests', () => {
  it('check addresses', () => {
    expect(emailProblem('ann@example.com')).toBeUndefined();
    expect(emailProblem('ann@localhost')).toContain('not an e-mail address');
    expect(emailProblem('a b@example.com')).toContain('not an e-mail address');
    expect(emailProblem(`${'a'.repeat(250)}@example.com`)).toContain('longer than 254');
    expect(domainOf('Ann@Sub.Example.COM')).toBe('sub.example.com');
  });

  it('refuse bodies with a detail naming the field', () => {
    expect(parseInviteRequest({ emails: [' a@example.com '], roles: ['Admin'] })).toEqual({ emails: ['a@example.com'], roles: ['Admin'], groups: [], expiresInDays: 30 });
    expect(scimErrorOf(() => parseInviteRequest({ emails: ['a@example.com'], expiresInDays: 0 })).detail).toContain('from 1 to 30');
    expect(scimErrorOf(() => parseInviteRequest({ emails: ['a@example.com'], roles: [''] })).detail).toContain('"roles[0]"');
    expect(scimErrorOf(() => parseInviteRequest([])).scimType).toBe('invalidSyntax');
    expect(parseAcceptRequest({ token: 't', name: { givenName: ' Ann ' } })).toEqual({ token: 't', name: { givenName: 'Ann' } });
    expect(scimErrorOf(() => parseAcceptRequest({ token: 't', name: { middleName: 'x' } })).detail).toContain('"middleName"');
  });

  it('read the list filter into indexed fields, refusing anything else', () => {
    expect(parseInvitationFilter(undefined, 100)).toEqual({});
    expect(parseInvitationFilter('status eq "Pending" and email eq "Ann@Example.com"', 100)).toEqual({ status: 'pending', emailKey: 'ann@example.com' });
    expect(parseInvitationFilter('created gt "2026-01-01T00:00:00Z" and created le "2026-02-01T00:00:00+01:00"', 200)).toEqual({
      created: { gt: '2026-01-01T00:00:00.000Z', le: '2026-01-31T23:00:00.000Z' },
    });
    for (const bad of ['status eq "done"', 'email co "x"', 'status eq "pending" or email eq "a"', 'created gt "yesterday"', 'userId eq "x"', '((']) {
      expect({ bad, scimType: scimErrorOf(() => parseInvitationFilter(bad, 100)).scimType }).toEqual({ bad, scimType: 'invalidFilter' });
    }
    expect(scimErrorOf(() => parseInvitationFilter('status eq "pending"', 5)).detail).toContain('limit is 5');
  });
});

describe('invitation settings', () => {
  it('take a list of domains, folded, and refuse what is not a domain', () => {
    const domains = TENANT_SETTINGS['invitations.allowedDomains'];
    expect(domains.parse(' Example.com, example.org ,example.com')).toEqual(['example.com', 'example.org']);
    expect(domains.parse('')).toEqual([]);
    expect(() => domains.parse('example.com, not a domain')).toThrow('not a domain: not a domain');
    expect(domains.format!(['a.example', 'b.example'])).toBe('a.example,b.example');
  });

  it('take a link template or server, and mail templates or default', () => {
    expect(TENANT_SETTINGS['invitations.link'].parse('server')).toBeNull();
    expect(() => TENANT_SETTINGS['invitations.link'].parse('https://app.example.com/')).toThrow('{token}');
    expect(TENANT_SETTINGS['invitations.mailSubject'].parse('Default')).toBeNull();
    expect(() => TENANT_SETTINGS['invitations.mailSubject'].parse('x'.repeat(201))).toThrow('at most 200');
  });
});
