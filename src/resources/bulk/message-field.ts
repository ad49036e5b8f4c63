// Reads a member of a protocol message (BulkRequest, its operations, the bulk-delete body). RFC 7643 §2.1 makes
// attribute names case-insensitive, and message attributes are not in the schema registry that src/scim/paths
// resolves against, so their fixed names are matched here, ignoring case.

export type Message = Readonly<Record<string, unknown>>;

export function isMessage(value: unknown): value is Message {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key the client used for `name` in `message`, whatever its case. */
export function messageKey(message: Message, name: string): string | undefined {
  if (Object.hasOwn(message, name)) return name;
  const wanted = name.toLowerCase();
  return Object.keys(message).find((candidate) => candidate.toLowerCase() === wanted);
}

/** The value of `name` in `message`, whatever the case of the key the client used. */
export function messageField(message: Message, name: string): unknown {
  const key = messageKey(message, name);
  return key === undefined ? undefined : message[key];
}
