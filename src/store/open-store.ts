// Opens the store a StoreSpec describes. The only place that picks a concrete store by configuration.
import type { SchemaRegistry } from '../scim/schema/registry';
import { createMongoStore, type StoreLogger } from './mongo/mongo-store';
import { createSqliteStore } from './sqlite/sqlite-store';
import { StoreError } from './store-error';
import type { StoreSpec } from './store-spec';
import type { Store } from './tenant-store';

export interface OpenStoreDeps {
  readonly registry: SchemaRegistry;
  /** Where the MongoDB store reports outages and recoveries. */
  readonly logger?: StoreLogger;
  /** How long start-up waits for an unreachable MongoDB before starting without it (default 30 s). */
  readonly startWaitMs?: number;
  /** Refuse to open a store that does not exist yet instead of creating an empty one (the admin CLI without --create). */
  readonly mustExist?: boolean;
  /** Record this process's schema model as a server does (default true; the admin CLI passes false: see mongo-store.ts). */
  readonly registerModel?: boolean;
  /** Time limit of list and search queries on either store, and the embedded store's read threads (default: none). */
  readonly queries?: { readonly timeoutMs: number; readonly readWorkers: number };
  /** How long the embedded store gathers concurrent writes into one transaction (SCIM_GROUP_COMMIT_WINDOW_MS; default 0). */
  readonly writes?: { readonly groupCommitWindowMs: number };
}

export async function openStore(spec: StoreSpec, deps: OpenStoreDeps): Promise<Store> {
  switch (spec.kind) {
    case 'sqlite':
      return createSqliteStore({
        path: spec.path,
        registry: deps.registry,
        mustExist: deps.mustExist,
        ...(deps.queries ? { reads: { workers: deps.queries.readWorkers, timeoutMs: deps.queries.timeoutMs } } : {}),
        ...(deps.writes ? { groupCommitWindowMs: deps.writes.groupCommitWindowMs } : {}),
      });
    case 'mongodb': {
      // The URI is never logged or repeated: it may hold credentials.
      const store = createMongoStore({
        uri: spec.uri,
        registry: deps.registry,
        logger: deps.logger,
        registerModel: deps.registerModel,
        queryTimeoutMs: deps.queries?.timeoutMs,
      });
      try {
        if (deps.mustExist && !(await store.holdsStore())) {
          throw new StoreError('not_found', 'The MongoDB database named in the connection string holds no SCIM store (no tenants, tokens or store_meta collection)');
        }
        // Indexes are created (idempotently) before the first request; see mongo-store.ts for an unreachable server.
        await store.prepare({ waitMs: deps.startWaitMs });
      } catch (error) {
        await store.close();
        throw error;
      }
      return store;
    }
  }
}
