// Delivering invitation mails (outbox topic invitation-mail), registered with the worker host when SCIM_SMTP_URL is
// set. Per message: the invitation is read again, and a mail whose link is no longer the invitation's current one (it
// was resent, accepted, cancelled or expired meanwhile) is dropped rather than sent; otherwise the tenant's templates
// are filled in (values HTML-escaped in the HTML part), the mail goes to the SMTP server, and the delivery is recorded
// on the invitation (GET /Invitations/{id} shows it). A refusal by the SMTP server (5xx) is permanent; anything else is
// retried with the outbox's backoff. Failure texts name the SMTP answer, never the link.
import type { DeliveryContext, OutboxTopic } from '../../jobs/outbox-topic';
import { DeliveryFailure } from '../../jobs/outbox-topic';
import type { SettingsReader } from '../../settings/settings-reader';
import type { InvitationStore } from '../../store/invitation-store';
import type { OutboxMessage, OutboxStore } from '../../store/outbox-store';
import { systemContext } from '../../auth/request-context';
import { invitationAuditMessage, InvitationAuditAction } from './invitation-audit';
import { INVITATION_MAIL_TOPIC, readMailPayload, type InvitationMailPayload } from './invitation-mail-message';

export interface OutgoingMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** What sends a mail (nodemailer's transport in production); rejects with the SMTP server's answer. */
export type MailSender = (mail: OutgoingMail) => Promise<void>;

export const DEFAULT_MAIL_SUBJECT = 'You are invited by {{inviter}}';
export const DEFAULT_MAIL_TEXT = [
  'Hello,',
  '',
  '{{inviter}} invited you ({{email}}).',
  '{{message}}',
  '',
  'Accept the invitation with this link before {{expires}}:',
  '{{link}}',
  '',
  'If you did not expect this invitation, ignore this mail.',
].join('\n');
export const DEFAULT_MAIL_HTML = [
  '<p>Hello,</p>',
  '<p>{{inviter}} invited you ({{email}}).</p>',
  '<p>{{message}}</p>',
  '<p><a href="{{link}}">Accept the invitation</a> before {{expires}}.</p>',
  '<p>If you did not expect this invitation, ignore this mail.</p>',
].join('\n');

/** The placeholders of the templates. */
export const MAIL_PLACEHOLDERS = ['link', 'inviter', 'email', 'expires', 'message'] as const;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);

/** A template with each `{{name}}` replaced by its value (escaped for HTML when asked); unknown names stay as written. */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>, html: boolean): string {
  return template.replace(/\{\{\s*([a-zA-Z]+)\s*\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) return whole;
    return html ? escapeHtml(value) : value;
  });
}

export interface InvitationMailDeps {
  readonly invitations: Pick<InvitationStore, 'get' | 'recordDelivery'>;
  /** Where each attempt's audit events go (INVITATION_DELIVER_START, then _SUCCESS or _FAIL). */
  readonly outbox: Pick<OutboxStore, 'append'>;
  readonly newId: () => string;
  readonly settings: Pick<SettingsReader, 'forTenant'>;
  readonly send: MailSender;
  /** SCIM_SMTP_FROM. */
  readonly from: string;
  readonly logger: { info(details: object, message: string): void };
}

export function composeInvitationMail(payload: InvitationMailPayload, templates: { subject: string; text: string; html: string }, from: string): OutgoingMail {
  const values = { link: payload.link, inviter: payload.inviter, email: payload.email, expires: payload.expires, message: payload.message ?? '' };
  return {
    from,
    to: payload.email,
    subject: fillTemplate(templates.subject, values, false).replace(/[\r\n]+/g, ' '),
    text: fillTemplate(templates.text, values, false),
    html: fillTemplate(templates.html, values, true),
  };
}

export function invitationMailTopic(deps: InvitationMailDeps): OutboxTopic {
  return {
    topic: INVITATION_MAIL_TOPIC,
    async deliver(message: OutboxMessage, context: DeliveryContext) {
      const payload = readMailPayload(message.payload);
      if (!payload) throw new DeliveryFailure('Not an invitation mail message', true);
      const log = { tenantId: message.tenantId, invitationId: payload.invitationId, send: payload.send };
      const invitation = await deps.invitations.get(message.tenantId, payload.invitationId);
      if (!invitation || invitation.status !== 'pending' || invitation.send !== payload.send || invitation.expires <= context.clock().toISOString()) {
        deps.logger.info(log, 'invitation mail not sent: its link is no longer the current one of a pending invitation');
        return;
      }
      const settings = await deps.settings.forTenant(message.tenantId);
      const mail = composeInvitationMail(
        payload,
        {
          subject: settings['invitations.mailSubject'] ?? DEFAULT_MAIL_SUBJECT,
          text: settings['invitations.mailText'] ?? DEFAULT_MAIL_TEXT,
          html: settings['invitations.mailHtml'] ?? DEFAULT_MAIL_HTML,
        },
        deps.from,
      );
      const started = context.clock();
      const attempt = { action: InvitationAuditAction.deliver, context: systemContext(message.tenantId, `${INVITATION_MAIL_TOPIC}:${message.id}`), invitationId: payload.invitationId, started };
      try {
        await deps.send(mail);
      } catch (error) {
        // 502: the mail server refused the message or could not be reached (RFC 9110 §15.6.3, a gateway's failure).
        await deps.outbox.append([invitationAuditMessage({ ...attempt, ended: context.clock(), failure: { status: 502 } }, deps.newId)]);
        throw smtpFailure(error, payload.link);
      }
      await deps.invitations.recordDelivery(message.tenantId, payload.invitationId, { send: payload.send, at: context.clock().toISOString() });
      await deps.outbox.append([invitationAuditMessage({ ...attempt, ended: context.clock() }, deps.newId)]);
      deps.logger.info(log, 'invitation mail sent');
    },
  };
}

/** The SMTP server's answer as an operator reads it; 5xx (RFC 5321 §4.2.1: permanent) is not retried. */
function smtpFailure(error: unknown, link: string): DeliveryFailure {
  const details = error as { responseCode?: unknown; response?: unknown; code?: unknown; message?: unknown };
  const code = typeof details.responseCode === 'number' ? details.responseCode : undefined;
  const said = typeof details.response === 'string' ? details.response : typeof details.message === 'string' ? details.message : 'no answer';
  const reason = `SMTP ${code ?? (typeof details.code === 'string' ? details.code : 'error')}: ${said}`.split(link).join('[link]').slice(0, 500);
  return new DeliveryFailure(reason, code !== undefined && code >= 500 && code < 600);
}
