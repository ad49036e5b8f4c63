// The integer the embedded store indexes an audit event's resource id by (migration 20). Resource ids are mostly
// UUIDs, so new events land at random places in an index of them; a 36-character key made that index the largest
// part of an event's write (README "What auditing costs"). Its key is now the first 48 bits of the id's SHA-256: a
// third of the size, so a batch of events touches fewer of its pages. 48 bits keep it a safe JavaScript integer; a
// lookup still compares the full id after the key (two ids may share a key), and a cryptographic hash keeps anyone
// who chooses ids (GET /Users/<anything> records its id) from piling many of them onto one key.
import { hash } from 'node:crypto';

/** The SQL function migration 20 calls to fill the key of the events already stored (registered by migrate()). */
export const AUDIT_RESOURCE_KEY_FUNCTION = 'scim_audit_resource_key';

export function auditResourceKey(resourceId: string): number {
  return hash('sha256', resourceId, 'buffer').readUIntBE(0, 6);
}
