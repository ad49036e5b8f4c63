// What an audit event is called and what the outbox carries. Every operation of every route is recorded as a pair of
// events: `<RESOURCE>_<ACTION>_START`, then `<RESOURCE>_<ACTION>_SUCCESS` or `<RESOURCE>_<ACTION>_FAIL` (the events
// of an identity API's analytic stream: USER_SEARCH_START, USER_SEARCH_SUCCESS, USER_SEARCH_FAIL). A route declares
// its RESOURCE and ACTION once, in its OpenAPI entry (src/http/openapi/route-docs.ts); the admin CLI declares its own.
import { randomBytes } from 'node:crypto';
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

/** Random hex digits for event ids, drawn from a pool filled 4 KiB of random bytes at a time. */
const RANDOM_POOL_BYTES = 4096;
let randomPool = '';
let randomAt = 0;

function randomHex(digits: number): string {
  if (randomAt + digits > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES).toString('hex');
    randomAt = 0;
  }
  randomAt += digits;
  return randomPool.slice(randomAt - digits, randomAt);
}

/** RFC 9562 §4.1: the variant bits 10, from a random hex digit. */
const VARIANT = '89ab89ab89ab89ab';

/** The time part of the ids of the last millisecond asked for: every request makes two ids, mostly in one millisecond. */
let lastMs = -1;
let lastTimePart = '';

/**
 * An event id that sorts by the event's time: the layout of a UUID version 7 (RFC 9562 §5.7), the first 48 bits the
 * time in milliseconds, then 74 random bits. Ids of new events then land at the end of the store's id index instead of
 * at random places in it, which keeps appending to a large audit trail cheap. Two ids are made per request: the random
 * bits come from a pool of random bytes, and the time part is reused within a millisecond (a randomUUID() per id,
 * sliced and joined, cost as much as the rest of the event).
 */
export function eventId(time: Date): string {
  const ms = Math.max(0, time.getTime());
  if (ms !== lastMs) {
    const hex = ms.toString(16).padStart(12, '0').slice(-12);
    lastMs = ms;
    lastTimePart = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
  }
  const random = randomHex(19);
  return `${lastTimePart}${random.slice(0, 3)}-${VARIANT[parseInt(random[3], 16)]}${random.slice(4, 7)}-${random.slice(7)}`;
}
