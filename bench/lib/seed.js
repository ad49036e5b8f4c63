// Seeds a fresh SQLite file for our server straight through the store (no HTTP): a tenant, a token and N users.
'use strict';
const { randomUUID } = require('node:crypto');
const path = require('node:path');
const { userBody, userId } = require('./directory');

const dist = (...parts) => require(path.join(__dirname, '..', '..', 'dist', 'src', ...parts));

const BATCH = 1000;

/**
 * Opens the store at `file`, creates tenant + token and N users. Returns the token and the seeding rate.
 * Uses the store's batch insert (`createMany`) when the store has one, else one create per user.
 */
async function seedOurs({ file, n }) {
  const { createSqliteStore } = dist('store', 'sqlite', 'sqlite-store.js');
  const { issueToken } = dist('auth', 'tokens.js');
  const { loadBuiltinRegistry } = dist('scim', 'schema', 'builtin-registry.js');
  const { createResourceValidators } = dist('scim', 'schema', 'validate-resource.js');

  const registry = loadBuiltinRegistry();
  const store = createSqliteStore({ path: file, registry });
  try {
    const now = new Date();
    const tenant = { id: randomUUID(), name: 'bench', profile: 'standard', created: now.toISOString() };
    await store.tenants.createTenant(tenant);
    const { token, record } = issueToken({ tenantId: tenant.id, label: 'bench', scopes: ['scim:read', 'scim:write'], now });
    await store.tenants.createToken(record);
    // What an application's sign-in service holds: the credential check only (README "Checking credentials").
    const signIn = issueToken({ tenantId: tenant.id, label: 'bench sign-in', scopes: ['scim:credentials'], now });
    await store.tenants.createToken(signIn.record);
    // README "Export and import": a token that may export, and an empty second tenant to import into.
    const exporter = issueToken({ tenantId: tenant.id, label: 'bench export', scopes: ['scim:read', 'scim:export'], now });
    await store.tenants.createToken(exporter.record);
    const importTenant = { id: randomUUID(), name: 'bench import', profile: 'standard', created: now.toISOString() };
    await store.tenants.createTenant(importTenant);
    const importer = issueToken({ tenantId: importTenant.id, label: 'bench import', scopes: ['scim:read', 'scim:write'], now });
    await store.tenants.createToken(importer.record);

    // The same validation as POST /Users, so that the stored attributes are in the server's canonical form.
    const validatorFor = createResourceValidators(registry);
    const userType = registry.resourceType('User');
    const validateUser = validatorFor(userType);
    const created = now.toISOString();
    const toResource = (index) => ({
      resourceType: 'User',
      id: userId(index),
      created,
      attributes: validateUser.validateCreate(userBody(index)).attributes,
      internal: {},
    });

    const resources = store.resources;
    const batched = typeof resources.createMany === 'function';
    const started = process.hrtime.bigint();
    for (let from = 0; from < n; from += BATCH) {
      const batch = [];
      for (let index = from; index < Math.min(n, from + BATCH); index++) batch.push(toResource(index));
      if (batched) {
        // createMany answers per item (a StoreError in place of a resource that could not be written).
        const results = await resources.createMany(tenant.id, batch);
        const failed = results.findIndex((result) => result instanceof Error || !result || typeof result.id !== 'string');
        if (failed !== -1) throw new Error(`Seeding user ${from + failed} failed: ${results[failed]?.message ?? String(results[failed])}`);
      } else for (const resource of batch) await resources.create(tenant.id, resource);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;

    return { token, credentialsToken: signIn.token, exportToken: exporter.token, importToken: importer.token, tenantId: tenant.id, seconds, usersPerSecond: n / seconds, method: batched ? 'createMany' : 'create' };
  } finally {
    await store.close();
  }
}

module.exports = { seedOurs };
