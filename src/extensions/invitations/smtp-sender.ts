// Sends invitation mails through the SMTP server of SCIM_SMTP_URL with nodemailer (one pooled transport per process).
import { createTransport } from 'nodemailer';
import type { MailSender } from './invitation-mail';

export interface SmtpSender {
  readonly send: MailSender;
  close(): void;
}

export function createSmtpSender(url: string): SmtpSender {
  const transport = createTransport(url);
  return {
    async send(mail) {
      await transport.sendMail({ from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    },
    close() {
      transport.close();
    },
  };
}
