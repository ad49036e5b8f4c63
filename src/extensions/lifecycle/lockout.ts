// Counting failed sign-ins towards an automatic lock, from a tenant's settings (`lockout.threshold`,
// `lockout.windowMinutes`, `lockout.durationMinutes`). Pure: the service applies these inside the compare-and-set loop
// of the unversioned state (src/resources/update-internal.ts), so that of concurrent failures each is counted once.
//
// The count runs while failures come close together: a failure later than the window after the first one of the run
// starts a new run at 1; a success or an unlock sets it to 0. The run that reaches the threshold within the window
// locks an active account (for the lock duration, or until an unlock when it is 0).
import type { TenantSettings } from '../../settings/tenant-settings';
import type { SignInCounters } from './lifecycle-attributes';

const MINUTE_MS = 60_000;

export interface LockoutPolicy {
  /** 0: failures never lock. */
  readonly threshold: number;
  readonly windowMs: number;
  /** 0: a lock lasts until an administrator unlocks. */
  readonly durationMs: number;
}

export function lockoutPolicyOf(settings: Pick<TenantSettings, 'lockout.threshold' | 'lockout.windowMinutes' | 'lockout.durationMinutes'>): LockoutPolicy {
  return {
    threshold: settings['lockout.threshold'],
    windowMs: settings['lockout.windowMinutes'] * MINUTE_MS,
    durationMs: settings['lockout.durationMinutes'] * MINUTE_MS,
  };
}

function withinWindow(counters: SignInCounters, policy: LockoutPolicy, now: Date): boolean {
  return counters.failuresSince !== undefined && now.getTime() - Date.parse(counters.failuresSince) <= policy.windowMs;
}

/** The counters after one more failure at `now`. */
export function afterFailure(counters: SignInCounters, policy: LockoutPolicy, now: Date): SignInCounters {
  if (!withinWindow(counters, policy, now)) return { ...counters, failedSignIns: 1, failuresSince: now.toISOString() };
  return { ...counters, failedSignIns: counters.failedSignIns + 1 };
}

/** True when the failures of the current run have reached the threshold: an active account is (being) locked. */
export function lockoutReached(counters: SignInCounters, policy: LockoutPolicy, now: Date): boolean {
  return policy.threshold > 0 && counters.failedSignIns >= policy.threshold && withinWindow(counters, policy, now);
}

/** When an automatic lock taken at `now` lifts by itself; undefined when it lasts until an unlock. */
export function lockEnd(policy: LockoutPolicy, now: Date): string | undefined {
  return policy.durationMs === 0 ? undefined : new Date(now.getTime() + policy.durationMs).toISOString();
}

/** After a successful sign-in: no failures, and the time of this one. */
export function afterSuccess(now: Date): SignInCounters {
  return { failedSignIns: 0, lastSignIn: now.toISOString() };
}

/** After an unlock (by an administrator, or a timed lock's end): no failures; the last sign-in stays. */
export function afterUnlock(counters: SignInCounters): SignInCounters {
  return { failedSignIns: 0, ...(counters.lastSignIn === undefined ? {} : { lastSignIn: counters.lastSignIn }) };
}
