// The lifecycle's part in every User write (a behaviour composed after the User's own, src/app.ts). It keeps the
// lifecycle attributes the server's own, whatever the client sends:
//   - create: `state` and `mustChangePassword` may be given (they are immutable: set once); otherwise the state follows
//     `active` (false: disabled). stateChangedAt is the creation time.
//   - replace and PATCH (and Bulk): the stored lifecycle is carried over (readOnly values are never in a client's
//     validated attributes, and a PUT that leaves the extension out does not reset it). When the request itself names
//     `active`, that is an identity provider's word: false disables; true re-enables a disabled account only, never
//     lifting a lock or an expiry (state-machine.ts). A new password clears passwordExpired and mustChangePassword.
//   - server changes (the lifecycle routes): the attributes as the lifecycle service decided them; so too a create or
//     replace whose preset carries a state (an import, README "Export and import": the account keeps its lifecycle).
// In every case `active` is written to follow the state: true exactly when it is `active`.
import { scimErrors } from '../../scim/errors';
import type { ResourceTypeBehaviour, WritePreset } from '../../resources/resource-type-behaviour';
import { WriteKind } from '../../resources/resource-type-behaviour';
import type { SignInStore } from '../../store/sign-in-store';
import { ProductUrn } from '../product-urns';
import { AccountState, isAccountState, readLifecycle, writeLifecycle, type Lifecycle } from './lifecycle-attributes';
import { transition } from './state-machine';

export interface LifecycleBehaviourDeps {
  readonly clock: () => Date;
  /** A deleted user's sign-in history goes with it. */
  readonly signIns: Pick<SignInStore, 'deleteForUser'>;
}

export function createLifecycleBehaviour(deps: LifecycleBehaviourDeps): ResourceTypeBehaviour {
  return {
    prepareWrite: async (_context, input, draft) => {
      const now = deps.clock().toISOString();
      // A server change, or an import that brings the account's lifecycle with it: the lifecycle as given.
      if (input.kind === WriteKind.server || presetsLifecycle(input.preset)) return { ...draft, attributes: writeLifecycle(draft.attributes, readLifecycle(draft.attributes)) };
      let lifecycle = input.kind === WriteKind.create || !input.current ? initialLifecycle(draft.attributes, now) : readLifecycle(input.current.attributes);
      if (input.kind !== WriteKind.create && input.named.has('active') && typeof draft.attributes.active === 'boolean') {
        lifecycle = applied(lifecycle, transition(lifecycle, { kind: 'activeFlag', active: draft.attributes.active }, now));
      }
      if (typeof input.writeOnly.password === 'string' && input.kind !== WriteKind.create) {
        lifecycle = applied(lifecycle, transition(lifecycle, { kind: 'passwordSet', temporary: false }, now));
      }
      return { ...draft, attributes: writeLifecycle(draft.attributes, lifecycle) };
    },

    afterDelete: async (context, id) => {
      await deps.signIns.deleteForUser(context.tenantId, id);
    },
  };
}

/** True when the server's preset values of a write set the account state. */
function presetsLifecycle(preset: WritePreset | undefined): boolean {
  const extension = preset?.attributes[ProductUrn.user];
  return typeof extension === 'object' && extension !== null && 'state' in extension;
}

/** What a create asks for: the state given, else the one `active` says; stateChangedAt is now. */
function initialLifecycle(attributes: Record<string, unknown>, now: string): Lifecycle {
  const given = (attributes[ProductUrn.user] ?? {}) as Record<string, unknown>;
  const state = typeof given.state === 'string' ? given.state.trim().toLowerCase() : undefined;
  if (state !== undefined && !isAccountState(state)) {
    throw scimErrors.invalidValue(`Attribute '${ProductUrn.user}:state' must be one of ${Object.values(AccountState).join(', ')}; got "${String(given.state)}"`);
  }
  return {
    state: state ?? (attributes.active === false ? AccountState.disabled : AccountState.active),
    stateChangedAt: now,
    passwordExpired: false,
    mustChangePassword: given.mustChangePassword === true,
  };
}

/** The lifecycle after a transition that never refuses (an IdP's `active`, a new password). */
function applied(current: Lifecycle, outcome: ReturnType<typeof transition>): Lifecycle {
  return outcome.allowed ? outcome.next : current;
}
