// What an audit event is called and what the outbox carries. Every operation of every route is recorded as a pair of
// events: `<RESOURCE>_<ACTION>_START`, then `<RESOURCE>_<ACTION>_SUCCESS` or `<RESOURCE>_<ACTION>_FAIL` (the events
// of an identity API's analytic stream: USER_SEARCH_START, USER_SEARCH_SUCCESS, USER_SEARCH_FAIL). A route declares
// its RESOURCE and ACTION once, in its OpenAPI entry (src/http/openapi/route-docs.ts); the admin CLI declares its own.
import { randomUUID } from 'node:crypto';
import type { AuditEventRecord } from '../../store/audit-event-store';

/** The RESOURCE and ACTION of an operation's events, e.g. { resource: 'USER', action: 'CREATE' }. */
export interface AuditDeclaration {
  readonly resource: string;
  readonly action: string;
}

export const AuditPhase = { start: 'START', success: 'SUCCESS', fail: 'FAIL' } as const;
export type AuditPhase = (typeof AuditPhase)[keyof typeof AuditPhase];

/** The outbox topic that carries audit events to the audit store and the webhooks. */
export const AUDIT_TOPIC = 'audit';

/** The payload of an audit outbox message: the events of one operation, or a batch of buffered ones. */
export interface AuditMessagePayload {
  readonly events: readonly AuditEventRecord[];
}

const NAME_PART = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

export function eventType(declaration: AuditDeclaration, phase: AuditPhase): string {
  return `${declaration.resource}_${declaration.action}_${phase}`;
}

/** A declaration, checked: both parts upper-case words joined by `_` (so that `USER_*` style subscriptions work). */
export function auditDeclaration(resource: string, action: string): AuditDeclaration {
  for (const part of [resource, action]) {
    if (!NAME_PART.test(part)) throw new Error(`Audit event names are upper-case words joined by "_"; got "${part}"`);
  }
  return Object.freeze({ resource, action });
}

/** The RESOURCE part for a resource type name: `User` -> `USER`, `AuditEvent` -> `AUDIT_EVENT`. */
export function resourceEventName(resourceTypeName: string): string {
  return resourceTypeName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/**
 * An event id that sorts by the event's time: the layout of a UUID version 7 (RFC 9562 §5.7), the first 48 bits the
 * time in milliseconds, the rest random. Ids of new events then land at the end of the store's id index instead of at
 * random places in it, which keeps appending to a large audit trail cheap.
 */
export function eventId(time: Date): string {
  const ms = Math.max(0, time.getTime()).toString(16).padStart(12, '0').slice(-12);
  const random = randomUUID();
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}
