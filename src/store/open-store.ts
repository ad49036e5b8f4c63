// Opens the store a StoreSpec describes. The only place that picks a concrete store by configuration.
import type { SchemaRegistry } from '../scim/schema/registry';
import { createSqliteStore } from './sqlite/sqlite-store';
import type { StoreSpec } from './store-spec';
import type { Store } from './tenant-store';

export interface OpenStoreDeps {
  readonly registry: SchemaRegistry;
}

export async function openStore(spec: StoreSpec, deps: OpenStoreDeps): Promise<Store> {
  switch (spec.kind) {
    case 'sqlite':
      return createSqliteStore({ path: spec.path, registry: deps.registry });
    case 'mongodb':
      // The URI is not repeated: it may hold credentials.
      throw new Error('The MongoDB store is not available in this build; use an sqlite: store');
  }
}
