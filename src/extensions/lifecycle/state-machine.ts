// The account state machine: what each lifecycle action does in each state. Pure (no clock, no store): the service
// and the User behaviour decide every state change here, from the lifecycle just read, inside the compare-and-set
// loop of the write, so that a decision is always taken on the state that is written over.
//
//   action \ state      active      disabled    locked          expired     pending
//   lock                locked      409         locked (again)  409         409
//   unlock              409         409         active          409         409
//   disable             disabled    409         disabled        disabled    disabled
//   enable              409         active      409 (unlock)    409         409
//   setState(s)         s           s           s               s           s        (the same state: no change)
//   lockout             locked      -           -               -           -        (failed sign-ins; - = no change)
//   lockExpired         -           -           active if due   -           -        (a timed lock's end)
//   activeFlag(false)   disabled    -           disabled        disabled    disabled (a client wrote active=false)
//   activeFlag(true)    -           active      -               -           -        (never lifts a lock or an expiry)
//   expirePassword      passwordExpired = true, in any state
//   passwordSet         passwordExpired = false, mustChangePassword = temporary, in any state
//
// A state change sets stateChangedAt; entering `active` clears stateReason; leaving `locked` clears lockedUntil.
// 409 answers name the current state (the route that applies, where there is one).
import { AccountState, type Lifecycle } from './lifecycle-attributes';

/** The states PUT /Users/{id}/state may set (`pending` is for invitations). */
export type SettableState = Exclude<AccountState, 'pending'>;

export type LifecycleAction =
  | { readonly kind: 'lock'; readonly reason?: string; readonly until?: string }
  | { readonly kind: 'unlock' }
  | { readonly kind: 'disable'; readonly reason?: string }
  | { readonly kind: 'enable' }
  | { readonly kind: 'setState'; readonly state: SettableState; readonly reason?: string }
  | { readonly kind: 'lockout'; readonly reason: string; readonly until?: string }
  | { readonly kind: 'lockExpired' }
  | { readonly kind: 'activeFlag'; readonly active: boolean }
  | { readonly kind: 'expirePassword' }
  | { readonly kind: 'passwordSet'; readonly temporary: boolean };

export type LifecycleActionKind = LifecycleAction['kind'];

export type Transition =
  /** `changed` false: the action holds already (nothing to write). */
  | { readonly allowed: true; readonly next: Lifecycle; readonly changed: boolean }
  /** 409: the action does not apply in this state; `detail` says why and what does. */
  | { readonly allowed: false; readonly detail: string };

export function transition(current: Lifecycle, action: LifecycleAction, now: string): Transition {
  const { state } = current;
  const to = (next: AccountState, reason?: string, lockedUntil?: string): Transition => enter(current, next, now, reason, lockedUntil);
  const keep: Transition = { allowed: true, next: current, changed: false };
  const refuse = (detail: string): Transition => ({ allowed: false, detail });

  switch (action.kind) {
    case 'lock':
      if (state === AccountState.active || state === AccountState.locked) return to(AccountState.locked, action.reason, action.until);
      return refuse(`the account is ${state}; only an active (or already locked) account can be locked`);
    case 'unlock':
      if (state === AccountState.locked) return to(AccountState.active);
      return refuse(`the account is ${state}, not locked; ${routeFor(state)}`);
    case 'disable':
      if (state !== AccountState.disabled) return to(AccountState.disabled, action.reason);
      return refuse('the account is disabled already');
    case 'enable':
      if (state === AccountState.disabled) return to(AccountState.active);
      return refuse(`the account is ${state}, not disabled; ${routeFor(state)}`);
    case 'setState':
      return action.state === state && action.reason === undefined ? keep : to(action.state, action.reason);
    case 'lockout':
      return state === AccountState.active ? to(AccountState.locked, action.reason, action.until) : keep;
    case 'lockExpired':
      return state === AccountState.locked && current.lockedUntil !== undefined && current.lockedUntil <= now ? to(AccountState.active) : keep;
    case 'activeFlag':
      if (!action.active) return state === AccountState.disabled ? keep : to(AccountState.disabled);
      return state === AccountState.disabled ? to(AccountState.active) : keep;
    case 'expirePassword':
      return current.passwordExpired ? keep : { allowed: true, next: { ...current, passwordExpired: true }, changed: true };
    case 'passwordSet': {
      const next = { ...current, passwordExpired: false, mustChangePassword: action.temporary };
      return { allowed: true, next, changed: next.passwordExpired !== current.passwordExpired || next.mustChangePassword !== current.mustChangePassword };
    }
  }
}

function enter(current: Lifecycle, state: AccountState, now: string, reason?: string, lockedUntil?: string): Transition {
  const next: Lifecycle = {
    state,
    stateChangedAt: state === current.state ? (current.stateChangedAt ?? now) : now,
    // An active account needs no reason; a reason given for another state replaces the previous one.
    ...(state !== AccountState.active && reason !== undefined ? { stateReason: reason } : {}),
    ...(state === AccountState.locked && lockedUntil !== undefined ? { lockedUntil } : {}),
    passwordExpired: current.passwordExpired,
    mustChangePassword: current.mustChangePassword,
  };
  const changed =
    next.state !== current.state || next.stateReason !== current.stateReason || next.lockedUntil !== current.lockedUntil;
  return { allowed: true, next: changed ? next : current, changed };
}

/** What to use instead, for a 409 detail. */
function routeFor(state: AccountState): string {
  switch (state) {
    case AccountState.locked:
      return 'unlock it with POST /Users/{id}/unlock';
    case AccountState.disabled:
      return 'enable it with POST /Users/{id}/enable';
    case AccountState.active:
      return 'it needs neither';
    default:
      return 'set its state with PUT /Users/{id}/state';
  }
}
