// What GET /Invitations and GET /Invitations/{id} show of an invitation, and the delivery state of its current link.
import type { InvitationRecord } from '../../store/invitation-store';
import type { OutboxMessage } from '../../store/outbox-store';
import { ProductUrn } from '../product-urns';
import { readMailPayload } from './invitation-mail-message';

/** How links reach people: by mail through SCIM_SMTP_URL, or by an operator who reads them from the API. */
export const DeliveryMethod = { smtp: 'smtp', manual: 'manual' } as const;
export type DeliveryMethod = (typeof DeliveryMethod)[keyof typeof DeliveryMethod];

export interface DeliveryView {
  readonly method: DeliveryMethod;
  /**
   * `sent`: the current link was handed to the SMTP server; `queued`: waiting for its first attempt (always, without
   * SMTP); `retrying`: an attempt failed and another follows; `failed`: no more attempts (an operator can requeue it).
   */
  readonly status: 'sent' | 'queued' | 'retrying' | 'failed';
  readonly attempts?: number;
  readonly lastError?: string;
  readonly nextAttempt?: string;
  readonly sent?: string;
  /** The accept link, shown only to tokens that may invite, and only while the invitation is pending. */
  readonly link?: string;
}

/** The delivery of the invitation's current link, from its record and its outbox message (null when none is found). */
export function deliveryOf(record: InvitationRecord, method: DeliveryMethod, message: OutboxMessage | null, showLink: boolean): DeliveryView {
  const link = showLink && record.status === 'pending' && message ? linkOf(message) : undefined;
  const withLink = link === undefined ? {} : { link };
  if (record.delivered && record.delivered.send === record.send) return { method, status: 'sent', sent: record.delivered.at, ...withLink };
  if (message?.status === 'dead') return { method, status: 'failed', attempts: message.attempts, ...(message.lastError ? { lastError: message.lastError } : {}), ...withLink };
  if (message && message.attempts > 0 && message.status === 'pending') {
    return { method, status: 'retrying', attempts: message.attempts, ...(message.lastError ? { lastError: message.lastError } : {}), nextAttempt: message.availableAt, ...withLink };
  }
  return { method, status: 'queued', ...withLink };
}

function linkOf(message: OutboxMessage): string | undefined {
  return readMailPayload(message.payload)?.link;
}

export function invitationRepresentation(record: InvitationRecord, delivery?: DeliveryView): Record<string, unknown> {
  return {
    schemas: [ProductUrn.invitation],
    id: record.id,
    email: record.email,
    status: record.status,
    expires: record.expires,
    userId: record.userId,
    userCreated: record.userCreated,
    roles: record.roles,
    groups: record.groups,
    ...(record.message === undefined ? {} : { message: record.message }),
    invitedBy: record.invitedBy.label,
    ...(record.statusChanged === undefined ? {} : { statusChanged: record.statusChanged }),
    ...(delivery === undefined ? {} : { delivery }),
    meta: { resourceType: 'Invitation', created: record.created, lastModified: record.updated },
  };
}
