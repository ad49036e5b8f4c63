// Reads a member of a protocol message (BulkRequest, its operations, the bulk-delete body). RFC 7643 §2.1 makes
// attribute names case-insensitive, and message attributes are not in the schema registry that src/scim/paths
// resolves against, so their fixed names are matched here, ignoring case (with the one lookup of src/scim/paths).
import { findKeyIgnoringCase, getIgnoringCase } from '../../scim/paths/case-insensitive-key';

export type Message = Readonly<Record<string, unknown>>;

export function isMessage(value: unknown): value is Message {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key the client used for `name` in `message`, whatever its case. */
export function messageKey(message: Message, name: string): string | undefined {
  return findKeyIgnoringCase(message, name);
}

/** The value of `name` in `message`, whatever the case of the key the client used. */
export function messageField(message: Message, name: string): unknown {
  return getIgnoringCase(message, name);
}
