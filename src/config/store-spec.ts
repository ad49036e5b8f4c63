// Parses SCIM_STORE into a description of which store to open. The value may hold database credentials, so
// no error message repeats it.
import type { StoreSpec } from '../store/store-spec';

export type { StoreSpec };

const USAGE = 'use sqlite:<file> (e.g. sqlite:./data/scim.db), sqlite::memory:, or a mongodb:// or mongodb+srv:// URI';

export function parseStoreSpec(value: string): StoreSpec {
  const spec = value.trim();
  if (/^sqlite:/i.test(spec)) {
    const path = spec.slice('sqlite:'.length);
    if (path === '') throw new Error(`SCIM_STORE names no SQLite file; ${USAGE}`);
    return { kind: 'sqlite', path };
  }
  if (/^mongodb(\+srv)?:\/\//i.test(spec)) {
    // A host list must follow the scheme (credentials, if any, end with `@`); the driver validates the rest.
    const authority = spec.slice(spec.indexOf('//') + 2).split(/[/?#]/, 1)[0];
    const hosts = authority.slice(authority.lastIndexOf('@') + 1);
    if (hosts === '' || /\s/.test(spec)) throw new Error(`SCIM_STORE is not a valid MongoDB connection string; ${USAGE}`);
    return { kind: 'mongodb', uri: spec };
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(spec)?.[1];
  throw new Error(`SCIM_STORE ${scheme ? `uses the unsupported scheme "${scheme}:"` : 'is not a store description'}; ${USAGE}`);
}
