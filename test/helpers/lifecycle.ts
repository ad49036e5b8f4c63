// What the account lifecycle tests share: password hashing at cheap parameters (the tests sign in hundreds of times;
// the real cost is measured by `npm run bench`), a clock the tests move, the product's User extension URN, and the
// lifecycle service wired as src/services.ts wires it, on any store.
import { createFairQueue } from '../../src/resources/fair-queue';
import { createPasswords, type Passwords } from '../../src/resources/users/password';
import type { ScryptDerive, ScryptParameters } from '../../src/resources/users/password-algorithms';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { buildServices, type Services } from '../../src/services';
import type { Store } from '../../src/store/tenant-store';

export { recordingDerive } from './passwords';

export const LIFECYCLE = 'urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User';
export const CHEAP_POLICY: ScryptParameters = Object.freeze({ ln: 6, r: 8, p: 1 });

export function cheapPasswords(derive?: ScryptDerive): Passwords {
  return createPasswords({ queue: createFairQueue({ concurrency: 4 }), policy: CHEAP_POLICY, derive });
}

/** A clock standing still until the test moves it. */
export interface ManualClock {
  readonly now: () => Date;
  advance(ms: number): void;
  set(iso: string): void;
}

export function manualClock(start = '2026-03-01T09:00:00.000Z'): ManualClock {
  let at = Date.parse(start);
  return {
    now: () => new Date(at),
    advance: (ms) => {
      at += ms;
    },
    set: (iso) => {
      at = Date.parse(iso);
    },
  };
}

export const MINUTE = 60_000;

/** The services of the app, on `store`, with cheap passwords and the given clock. */
export function servicesOn(store: Store, clock: ManualClock, passwords: Passwords = cheapPasswords()): Services {
  return buildServices({ store, registry: loadBuiltinRegistry(), clock: clock.now, passwords, logger: { warn: () => undefined } });
}
