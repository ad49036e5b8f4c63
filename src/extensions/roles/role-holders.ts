// How a renamed or force-deleted role reaches the users who hold it (README "Roles"): per-user deltas, each one SCIM
// PATCH through the resource service (one compare-and-set write per user, its version bumped, every User behaviour
// applied), in bounded batches of holders found by the indexed `roles.value` lookup, in id order, so that the walk
// resumes from the last id after an interruption. Nothing rewrites a collection.
//
// What a holder gets is decided when the batch runs, from the role's current state: the role's current name when it
// still exists (a second rename while the first is under way ends at the latest name), nothing when it is gone.
import type { RequestContext } from '../../auth/request-context';
import type { ResourceService } from '../../resources/resource-service';
import { ScimError, ScimType } from '../../scim/errors';
import { URN } from '../../scim/urns';
import { isBeingDeleted } from '../../store/membership-store';
import type { ResourceReader } from '../../store/resource-store';
import { ROLE_RESOURCE_TYPE, type RoleCatalogue } from './role-catalogue';

/** Holders per batch: one indexed page read and at most this many single-user writes between checkpoints. */
export const HOLDERS_BATCH = 200;
/** Writes in flight at once within a batch. */
const CONCURRENT_WRITES = 8;

/** A role's holders to move off `from`: to the role's current name, or off the role altogether once it is deleted. */
export interface HolderChange {
  readonly roleId: string;
  readonly from: string;
}

export interface BatchOutcome {
  /** Holders looked at in this batch. */
  readonly processed: number;
  /** Holders changed (the others had changed meanwhile, or were deleted). */
  readonly changed: number;
  /** Where the next batch starts; absent when none is left. */
  readonly next?: string;
}

export interface RoleHolders {
  runBatch(context: RequestContext, change: HolderChange, after: string | undefined): Promise<BatchOutcome>;
  /** One holder, as a batch would move it: to the role's current name, or off it once the role is gone. */
  moveOne(context: RequestContext, userId: string, change: HolderChange): Promise<boolean>;
}

export interface RoleHoldersDeps {
  readonly catalogue: Pick<RoleCatalogue, 'holders'>;
  readonly roles: Pick<ResourceReader, 'get'>;
  /** The resource service, given late: it is built with the behaviours that use this module. */
  readonly resources: () => Pick<ResourceService, 'patch' | 'resourceType'>;
  readonly batchSize?: number;
}

/** The PATCH (RFC 7644 §3.5.2) that moves one holder: replace the value that names `from`, or remove it. */
export function holderPatch(from: string, to: string | null): Record<string, unknown> {
  // A SCIM filter's string literal is a JSON string (RFC 7644 §3.4.2.2), so JSON.stringify escapes it.
  const held = `roles[value eq ${JSON.stringify(from)}]`;
  const operation = to === null ? { op: 'remove', path: held } : { op: 'replace', path: `${held}.value`, value: to };
  return { schemas: [URN.message.patchOp], Operations: [operation] };
}

export function createRoleHolders(deps: RoleHoldersDeps): RoleHolders {
  const batchSize = deps.batchSize ?? HOLDERS_BATCH;

  /** One holder's delta; false when there was nothing left to change (the user let go of the role, or is gone). */
  const moveHolder = async (context: RequestContext, userId: string, from: string, to: string | null): Promise<boolean> => {
    const service = deps.resources();
    try {
      const { changed } = await service.patch(context, service.resourceType('User'), userId, holderPatch(from, to));
      return changed;
    } catch (error) {
      if (error instanceof ScimError && (error.status === 404 || error.scimType === ScimType.noTarget)) return false;
      throw error;
    }
  };

  /** Where the holders of `change` go now: the role's current name, or null once it is gone. */
  const targetOf = async (context: RequestContext, change: HolderChange) => {
    const role = await deps.roles.get(context.tenantId, ROLE_RESOURCE_TYPE, change.roleId);
    return role && !isBeingDeleted(role) ? String(role.attributes.name) : null;
  };

  return {
    async moveOne(context, userId, change) {
      const to = await targetOf(context, change);
      return to === change.from ? false : moveHolder(context, userId, change.from, to);
    },

    async runBatch(context, change, after) {
      const to = await targetOf(context, change);
      // A rename back to the old spelling, or a role recreated under its old id: nothing to move.
      if (to === change.from) return { processed: 0, changed: 0 };
      const page = await deps.catalogue.holders(context.tenantId, change.from, { after, limit: batchSize });
      let changed = 0;
      for (let start = 0; start < page.userIds.length; start += CONCURRENT_WRITES) {
        const moved = await Promise.all(page.userIds.slice(start, start + CONCURRENT_WRITES).map((id) => moveHolder(context, id, change.from, to)));
        changed += moved.filter(Boolean).length;
      }
      return { processed: page.userIds.length, changed, ...(page.next === undefined ? {} : { next: page.next }) };
    },
  };
}
