// What differs between resource types is declared here; everything else is the one generic service.
import type { ScimAttributes } from '../scim/schema/attribute';

export interface ResourceTypeBehaviour {
  /**
   * Turns validated writeOnly values (e.g. `password`) into the internal state kept beside the resource. Called on
   * create and replace; `previous` is the stored internal state on replace (kept when the client sent no value).
   */
  readonly internalState?: (writeOnly: Readonly<Record<string, unknown>>, previous: Readonly<Record<string, unknown>>) => Promise<Record<string, unknown>>;
  /** Attributes computed by the server on read (e.g. User.groups), added before projection. */
  readonly computedAttributes?: (tenantId: string, id: string) => Promise<ScimAttributes>;
}
