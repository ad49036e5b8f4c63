// What the deployment-wide sweeps share: visit every tenant in turn, and after each one record progress, which is also
// the sweep's chance to stop at shutdown (checkpoint() throws once the host stops). The sweeps keep no checkpoint of
// their own: every step is idempotent, so a rerun after a takeover simply starts over.
import type { JobContext } from './job-type';
import type { TenantStore } from '../store/tenant-store';

export async function forEachTenant(
  tenants: Pick<TenantStore, 'listTenants'>,
  checkpoint: JobContext['checkpoint'],
  visit: (tenantId: string) => Promise<void>,
): Promise<void> {
  const all = await tenants.listTenants();
  for (const [index, tenant] of all.entries()) {
    await visit(tenant.id);
    await checkpoint({ progress: { processed: index + 1, total: all.length } });
  }
}

/** Repeats a batch deletion until a batch comes back shorter than `batchSize`; returns the total deleted. */
export async function drainBatches(batchSize: number, step: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await step();
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
