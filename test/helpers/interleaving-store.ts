// A store for tests that makes a race happen on purpose. The services read a resource, decide, then write it with a
// compare-and-set on the version they read. In one process the embedded store answers synchronously, so two requests
// sent "in parallel" never interleave there and a lost update could go unnoticed. This wrapper lets a competing write
// land exactly between a service's read and its write: `beforeNextWrite(competing)` runs `competing` to completion
// just before the next replace, mark, delete or updateInternal reaches the real store, then lets that write go on.
import type { ResourceStore } from '../../src/store/resource-store';
import type { Store } from '../../src/store/tenant-store';

export interface InterleavingStore {
  /** The store to give the app: the real one, with `resources` wrapped. */
  readonly store: Store;
  /** Runs `competing` once, before the next replace, mark, delete or updateInternal by anyone; the competing write itself is not held. */
  beforeNextWrite(competing: () => Promise<unknown>): void;
  /** The replace/mark/delete/updateInternal calls that reached the real store (the competing ones included), by method. */
  readonly writes: { replace: number; mark: number; delete: number; updateInternal: number };
  /** How many competing writes have landed. */
  readonly landed: number;
}

export function interleavingStore(inner: Store): InterleavingStore {
  let pending: (() => Promise<unknown>) | undefined;
  let landed = 0;
  const writes = { replace: 0, mark: 0, delete: 0, updateInternal: 0 };

  /** Lets the pending competing write land first (once), then reports the write about to happen. */
  const before = async (method: keyof typeof writes) => {
    const competing = pending;
    pending = undefined;
    if (competing) {
      await competing();
      landed += 1;
    }
    writes[method] += 1;
  };

  const resources: ResourceStore = {
    get: (...args) => inner.resources.get(...args),
    getMany: (...args) => inner.resources.getMany(...args),
    list: (...args) => inner.resources.list(...args),
    scan: (...args) => inner.resources.scan(...args),
    create: (...args) => inner.resources.create(...args),
    createMany: (...args) => inner.resources.createMany(...args),
    recoverEffects: (...args) => inner.resources.recoverEffects(...args),
    async replace(...args) {
      await before('replace');
      return inner.resources.replace(...args);
    },
    async delete(...args) {
      await before('delete');
      return inner.resources.delete(...args);
    },
    async updateInternal(...args) {
      await before('updateInternal');
      return inner.resources.updateInternal(...args);
    },
    async mark(...args) {
      await before('mark');
      return inner.resources.mark(...args);
    },
  };

  return {
    // Every other port is the real store's, as it is (a port added later comes along).
    store: { ...inner, resources },
    beforeNextWrite(competing) {
      if (pending) throw new Error('a competing write is already waiting');
      pending = competing;
    },
    writes,
    get landed() {
      return landed;
    },
  };
}
