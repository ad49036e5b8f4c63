// A store for tests that fails on purpose: the n-th call to the resource or membership port, counted from when it is
// armed, throws StoreError `unavailable` instead of running, as if the server had crashed (or lost its database) right
// there. Calls before it ran; calls after it never happen, because the request stops. Running a request with the
// failure at every position in turn cuts it off between every pair of its steps.
import type { MembershipStore } from '../../src/store/membership-store';
import type { ResourceStore } from '../../src/store/resource-store';
import { StoreError } from '../../src/store/store-error';
import type { Store } from '../../src/store/tenant-store';

export interface FaultyStore {
  /** The store to give the app: the real one, with `resources` and `memberships` counted and cut off on demand. */
  readonly store: Store;
  /** From now on, count port calls; the `n`-th one fails (n ≥ 1). Without `n`, only count. */
  arm(n?: number): void;
  /** Stops counting and failing. */
  disarm(): void;
  /** Port calls counted since arm(). */
  readonly calls: number;
  /** The calls counted since arm(), as `port.method`. */
  readonly trace: readonly string[];
}

export function faultyStore(inner: Store): FaultyStore {
  let armed = false;
  let failAt: number | undefined;
  const trace: string[] = [];

  const wrap = <T extends object>(port: T, name: string): T =>
    new Proxy(port, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || typeof property !== 'string') return value;
        return (...args: unknown[]) => {
          if (armed) {
            trace.push(`${name}.${property}`);
            if (trace.length === failAt) return Promise.reject(new StoreError('unavailable', `injected failure at call ${failAt} (${name}.${property})`));
          }
          return (value as (...inner: unknown[]) => unknown).apply(target, args);
        };
      },
    });

  return {
    store: { ...inner, resources: wrap<ResourceStore>(inner.resources, 'resources'), memberships: wrap<MembershipStore>(inner.memberships, 'memberships') },
    arm(n) {
      armed = true;
      failAt = n;
      trace.length = 0;
    },
    disarm() {
      armed = false;
      failAt = undefined;
    },
    get calls() {
      return trace.length;
    },
    trace,
  };
}
