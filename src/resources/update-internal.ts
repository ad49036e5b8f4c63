// Read-modify-write of a resource's unversioned state (sign-in counters, last sign-in) that loses nothing under
// concurrency: each attempt reads the resource, computes the new values from what it read, and writes them with a
// compare-and-set on the unversioned revision (ResourceWriter.updateInternal). Of concurrent attempts at one revision
// exactly one wins; the others read again and recompute. So N concurrent increments add exactly N, and a transition
// decided on the value read ("the 5th failure locks") is taken by exactly one of them.
import type { RequestContext } from '../auth/request-context';
import { scimErrors } from '../scim/errors';
import type { ResourceStore, StoredResource } from '../store/resource-store';
import { isStoreError, StoreErrorCode } from '../store/store-error';
import { mapStoreErrors, storeErrorToScim } from './store-errors';

/**
 * Rounds one change may lose before it gives up with 409: every lost round means another change won, so this bounds
 * the concurrent changes of one resource that a change waits out (e.g. a burst of sign-ins to one account).
 */
export const UPDATE_INTERNAL_ATTEMPTS = 200;

/**
 * What to write, from the resource as it stands: the complete new unversioned values, or undefined to write nothing.
 * Called once per attempt, so it must decide from `current` alone (no side effects).
 */
export type InternalChange = (current: StoredResource) => Readonly<Record<string, unknown>> | undefined;

export interface InternalUpdate {
  /** The resource after the change (as read, when nothing was written). */
  readonly resource: StoredResource;
  readonly changed: boolean;
  /** The resource as read by the attempt that wrote (or decided to write nothing): what `change` decided from. */
  readonly before: StoredResource;
}

export interface InternalUpdateOptions {
  /** Rounds before giving up with 409 (default UPDATE_INTERNAL_ATTEMPTS). */
  readonly attempts?: number;
  /**
   * Write only while the resource's version is still the one `change` saw (ResourceWriter.updateInternal's
   * expectedVersion): for a change decided on the versioned attributes too (e.g. "not locked: the sign-in succeeds"),
   * so that a state change landing between the read and the write makes it read and decide again.
   */
  readonly sameVersion?: boolean;
}

export async function updateInternalWithRetry(
  store: Pick<ResourceStore, 'get' | 'updateInternal'>,
  context: RequestContext,
  resourceType: string,
  id: string,
  change: InternalChange,
  options: InternalUpdateOptions = {},
): Promise<InternalUpdate> {
  const subject = `${resourceType} ${id}`;
  const attempts = options.attempts ?? UPDATE_INTERNAL_ATTEMPTS;
  for (let round = 1; round <= attempts; round++) {
    const current = await mapStoreErrors(subject, () => store.get(context.tenantId, resourceType, id));
    if (!current) throw scimErrors.notFound(`${subject} not found`);
    const values = change(current);
    if (values === undefined) return { resource: current, changed: false, before: current };
    try {
      const version = options.sameVersion ? current.version : undefined;
      const resource = await store.updateInternal(context.tenantId, resourceType, id, values, current.unversioned.revision, version);
      return { resource, changed: true, before: current };
    } catch (error) {
      // A lost race: another change won this revision; read again. Anything else (deleted meanwhile, unavailable) ends it.
      if (!isStoreError(error, StoreErrorCode.versionMismatch)) throw storeErrorToScim(error, subject);
    }
  }
  throw scimErrors.conflict(`${subject} is being changed by other requests at the same time; retry the request`);
}
