// The lifecycle attributes of a User as this extension reads and writes them: the versioned ones in the product's User
// extension of the stored attributes (state, stateChangedAt, stateReason, lockedUntil, passwordExpired,
// mustChangePassword, and the core `active` that follows the state), and the sign-in counters in the unversioned state
// (failedSignIns, lastSignIn: `x-unversioned` in schemas/lifecycle-user.json, so that counting a sign-in moves neither
// the ETag nor meta.lastModified).
import type { ScimAttributes } from '../../scim/schema/attribute';
import { UNVERSIONED_ATTRIBUTES, unversionedAttributesOf } from '../../store/resource-store';
import { ProductUrn } from '../product-urns';

export const AccountState = {
  active: 'active',
  disabled: 'disabled',
  locked: 'locked',
  expired: 'expired',
  pending: 'pending',
} as const;
export type AccountState = (typeof AccountState)[keyof typeof AccountState];

const STATES: readonly string[] = Object.values(AccountState);

export function isAccountState(value: unknown): value is AccountState {
  return typeof value === 'string' && STATES.includes(value);
}

/** The versioned lifecycle of an account: one state, and why and since when it holds. */
export interface Lifecycle {
  readonly state: AccountState;
  readonly stateChangedAt?: string;
  readonly stateReason?: string;
  /** A timed lock lifts by itself at this instant; absent for a lock until an administrator unlocks. */
  readonly lockedUntil?: string;
  readonly passwordExpired: boolean;
  readonly mustChangePassword: boolean;
}

const EXTENSION = ProductUrn.user;

function extensionOf(attributes: ScimAttributes): ScimAttributes {
  const value = attributes[EXTENSION];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as ScimAttributes) : {};
}

/**
 * The lifecycle stored in a User's attributes. A user written before this extension existed has none: it is `active`,
 * or `disabled` when its `active` is false, until its next write stores the state.
 */
export function readLifecycle(attributes: ScimAttributes): Lifecycle {
  const stored = extensionOf(attributes);
  const state = typeof stored.state === 'string' ? stored.state.toLowerCase() : undefined;
  return {
    state: isAccountState(state) ? state : attributes.active === false ? AccountState.disabled : AccountState.active,
    ...(typeof stored.stateChangedAt === 'string' ? { stateChangedAt: stored.stateChangedAt } : {}),
    ...(typeof stored.stateReason === 'string' ? { stateReason: stored.stateReason } : {}),
    ...(typeof stored.lockedUntil === 'string' ? { lockedUntil: stored.lockedUntil } : {}),
    passwordExpired: stored.passwordExpired === true,
    mustChangePassword: stored.mustChangePassword === true,
  };
}

/**
 * The attributes with this lifecycle written in, and `active` following it (RFC 7643 §4.1.1 `active` is the
 * administrative status: true exactly when the state is active). Other attributes of the extension are kept.
 */
export function writeLifecycle(attributes: ScimAttributes, lifecycle: Lifecycle): ScimAttributes {
  const { stateChangedAt: _changed, stateReason: _reason, lockedUntil: _until, ...rest } = extensionOf(attributes);
  const extension: ScimAttributes = {
    ...rest,
    state: lifecycle.state,
    ...(lifecycle.stateChangedAt !== undefined ? { stateChangedAt: lifecycle.stateChangedAt } : {}),
    ...(lifecycle.stateReason !== undefined ? { stateReason: lifecycle.stateReason } : {}),
    ...(lifecycle.lockedUntil !== undefined ? { lockedUntil: lifecycle.lockedUntil } : {}),
    passwordExpired: lifecycle.passwordExpired,
    mustChangePassword: lifecycle.mustChangePassword,
  };
  return { ...attributes, active: lifecycle.state === AccountState.active, [EXTENSION]: extension };
}

/** The sign-in counters kept in the unversioned state. */
export interface SignInCounters {
  /** Consecutive failures counted towards the lockout threshold. */
  readonly failedSignIns: number;
  /** When the first of them happened: failures further apart than the lockout window start a new count. */
  readonly failuresSince?: string;
  readonly lastSignIn?: string;
}

/** Bookkeeping of this extension in the unversioned values, beside the unversioned attributes (never shown). */
const BOOKKEEPING = 'lifecycle';

export function readCounters(values: Readonly<Record<string, unknown>>): SignInCounters {
  const shown = extensionOf(unversionedAttributesOf(values));
  const own = values[BOOKKEEPING];
  const failuresSince = typeof own === 'object' && own !== null ? (own as Record<string, unknown>).failuresSince : undefined;
  return {
    failedSignIns: typeof shown.failedSignIns === 'number' ? shown.failedSignIns : 0,
    ...(typeof failuresSince === 'string' ? { failuresSince } : {}),
    ...(typeof shown.lastSignIn === 'string' ? { lastSignIn: shown.lastSignIn } : {}),
  };
}

/** The unversioned values with these counters written in; other entries are kept. */
export function writeCounters(values: Readonly<Record<string, unknown>>, counters: SignInCounters): Record<string, unknown> {
  const attributes = unversionedAttributesOf(values);
  return {
    ...values,
    [UNVERSIONED_ATTRIBUTES]: {
      ...attributes,
      [EXTENSION]: {
        ...extensionOf(attributes),
        failedSignIns: counters.failedSignIns,
        ...(counters.lastSignIn !== undefined ? { lastSignIn: counters.lastSignIn } : {}),
      },
    },
    [BOOKKEEPING]: counters.failuresSince !== undefined ? { failuresSince: counters.failuresSince } : {},
  };
}
