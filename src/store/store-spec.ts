// Which store to open: the embedded SQLite file (or an in-memory database for tests) or a MongoDB deployment.
// src/config/store-spec.ts parses SCIM_STORE into this; src/store/open-store.ts opens it.
export type StoreSpec =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'mongodb'; readonly uri: string };
