// The outbox message of an invitation mail: what the request appends and the mail worker reads. It carries the link,
// because the store keeps only the link's hash; the message is the one place the link is kept until it is delivered
// (housekeeping deletes delivered messages after 7 days, and a link stops working once its invitation is no longer
// pending or is resent).

/** The outbox topic of invitation mails. */
export const INVITATION_MAIL_TOPIC = 'invitation-mail';

export interface InvitationMailPayload {
  readonly invitationId: string;
  /** The send number of the link: a mail for an older link than the invitation's current one is not sent. */
  readonly send: number;
  readonly email: string;
  readonly link: string;
  /** The label of the token (or `cli`) that invited. */
  readonly inviter: string;
  readonly expires: string;
  readonly message?: string;
}

/** The payload of an outbox message of this topic, or undefined when it is not one (nothing to deliver). */
export function readMailPayload(payload: unknown): InvitationMailPayload | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const fields = payload as Record<string, unknown>;
  const text = (key: string) => (typeof fields[key] === 'string' ? (fields[key] as string) : undefined);
  const [invitationId, email, link, inviter, expires] = ['invitationId', 'email', 'link', 'inviter', 'expires'].map(text);
  if (!invitationId || !email || !link || inviter === undefined || !expires || typeof fields.send !== 'number') return undefined;
  return { invitationId, send: fields.send, email, link, inviter, expires, ...(text('message') === undefined ? {} : { message: text('message') }) };
}
