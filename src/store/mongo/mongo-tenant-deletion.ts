// Deleting a tenant from the MongoDB store: every document of the tenant in every collection, then the tenant.
//
// A document belongs to a tenant when it carries the tenant's id in `tenantId` (resources, memberships, tokens) or
// is keyed by it (`_id` is the tenant id: tenant_settings; ids of other documents are never tenant ids). The
// collections are listed from the database, not named here, so a collection added later for tenant-scoped data is
// covered without touching this file; test/contract checks that nothing of a deleted tenant remains anywhere. There are no multi-document
// transactions to lean on, so the order makes the deletion resumable: tokens first (the tenant stops being
// reachable), then everything else, the tenant document last; an interrupted run leaves the tenant in place, and
// running it again finishes the job. deleteMany works through a large collection on the server, in its own steps.
import type { Db } from 'mongodb';
import type { TenantDeletion } from '../tenant-store';
import { COLLECTIONS } from './indexes';

export async function deleteMongoTenant(db: Db, tenantId: string): Promise<TenantDeletion | null> {
  const tenants = db.collection<{ _id: string }>(COLLECTIONS.tenants);
  if ((await tenants.countDocuments({ _id: tenantId }, { limit: 1 })) === 0) return null;
  const names = (await db.listCollections({}, { nameOnly: true }).toArray())
    .map((collection) => collection.name)
    .filter((name) => name !== COLLECTIONS.tenants && name !== COLLECTIONS.meta && !name.startsWith('system.'))
    .sort((a, b) => Number(b === COLLECTIONS.tokens) - Number(a === COLLECTIONS.tokens) || a.localeCompare(b));
  const removed: Record<string, number> = {};
  const sweep = async () => {
    for (const name of names) {
      const { deletedCount } = await db.collection<{ _id: string; tenantId: string }>(name).deleteMany({ $or: [{ tenantId }, { _id: tenantId }] });
      if (deletedCount > 0) removed[name] = (removed[name] ?? 0) + deletedCount;
    }
  };
  await sweep();
  removed[COLLECTIONS.tenants] = (await tenants.deleteOne({ _id: tenantId })).deletedCount;
  // A request authenticated before the tokens went may have written since; one more pass takes that too.
  await sweep();
  return { removed };
}

/** True when the database holds a store this server wrote (the admin CLI refuses to start a new one by accident). */
export async function holdsStore(db: Db): Promise<boolean> {
  const found = await db.listCollections({ name: { $in: [COLLECTIONS.tenants, COLLECTIONS.tokens, COLLECTIONS.meta] } }, { nameOnly: true }).toArray();
  return found.length > 0;
}
