// Runs our own black-box suite: every check cites the RFC requirement it tests, and a check whose feature the
// ServiceProviderConfig says is unsupported skips itself (so the suite tracks what the server advertises).
'use strict';
const { randomBytes } = require('node:crypto');
const { createClient } = require('./client');
const { CheckFailure, CheckSkipped } = require('./expect');

const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';

const SECTIONS = [
  require('./sections/discovery'),
  require('./sections/auth'),
  require('./sections/crud'),
  require('./sections/filters'),
  require('./sections/sorting'),
  require('./sections/paging'),
  require('./sections/cursors'),
  require('./sections/attributes'),
  require('./sections/patch'),
  require('./sections/groups'),
  require('./sections/bulk'),
  require('./sections/etags'),
  require('./sections/errors'),
];

/**
 * What a check may need, and how the server says it offers it. A string result is the reason to skip.
 * @type {Record<string, (ctx: any) => string | undefined>}
 */
const FEATURES = {
  patch: (ctx) => (ctx.spc.patch?.supported === true ? undefined : 'ServiceProviderConfig patch.supported is not true'),
  bulk: (ctx) => (ctx.spc.bulk?.supported === true ? undefined : 'ServiceProviderConfig bulk.supported is not true'),
  filter: (ctx) => (ctx.spc.filter?.supported === true ? undefined : 'ServiceProviderConfig filter.supported is not true'),
  sort: (ctx) => (ctx.spc.sort?.supported === true ? undefined : 'ServiceProviderConfig sort.supported is not true'),
  etag: (ctx) => (ctx.spc.etag?.supported === true ? undefined : 'ServiceProviderConfig etag.supported is not true'),
  cursor: (ctx) => (ctx.spc.pagination?.cursor === true ? undefined : 'ServiceProviderConfig pagination.cursor is not true (RFC 9865)'),
  groups: (ctx) => (ctx.groupsEndpoint ? undefined : '/ResourceTypes lists no Group resource type'),
  readToken: (ctx) => (ctx.readClient ? undefined : 'no read-only token given (--read-token)'),
};

/**
 * @param {{ baseUrl: string, token: string, readToken?: string, log?: (line: string) => void }} options
 * @returns {Promise<{ name: string, cite: string, status: 'pass' | 'fail' | 'skip', detail?: string }[]>}
 */
async function runOwnSuite({ baseUrl, token, readToken }) {
  const client = createClient(baseUrl, token);
  const tag = `conf${randomBytes(4).toString('hex')}`;
  /** @type {{ endpoint: string, id: string }[]} */
  const created = [];
  let serial = 0;

  let spcResponse;
  try {
    spcResponse = await client.get('/ServiceProviderConfig');
  } catch (error) {
    throw new Error(`cannot reach ${baseUrl}: ${error && error.cause ? error.cause.message : error}`, { cause: error });
  }
  if (spcResponse.status === 401 || spcResponse.status === 403) {
    throw new Error(`${baseUrl} refused the token (HTTP ${spcResponse.status} on /ServiceProviderConfig); give a token with read and write scopes`);
  }
  const spc = spcResponse.status === 200 && spcResponse.body ? spcResponse.body : {};
  const typesResponse = await client.get('/ResourceTypes');
  const types = typesResponse.status === 200 && Array.isArray(typesResponse.body?.Resources) ? typesResponse.body.Resources : [];
  const endpointOf = (schema) => types.find((type) => type.schema === schema)?.endpoint;

  const ctx = {
    client,
    readClient: readToken ? createClient(baseUrl, readToken) : undefined,
    spc,
    tag,
    usersEndpoint: endpointOf(USER_URN) ?? '/Users',
    groupsEndpoint: endpointOf(GROUP_URN),
    /** A name unique to this run, so that checks work on a tenant that already holds data. */
    unique: (label) => `${tag}-${label}-${++serial}`,
    /** Remembers a created resource for the clean-up at the end. */
    track(endpoint, id) {
      if (typeof id === 'string') created.push({ endpoint, id });
      return id;
    },
    /** Creates a user (201 expected) and returns its representation. */
    async createUser(label, extra = {}) {
      const userName = `${ctx.unique(label)}@example.com`;
      const res = await client.post(ctx.usersEndpoint, { schemas: [USER_URN], userName, ...extra });
      if (res.status !== 201) throw new CheckFailure(`creating user ${userName} failed: ${res.status} ${res.text.slice(0, 300)}`);
      ctx.track(ctx.usersEndpoint, res.body.id);
      return res.body;
    },
    async createGroup(label, extra = {}) {
      const displayName = ctx.unique(label);
      const res = await client.post(ctx.groupsEndpoint, { schemas: [GROUP_URN], displayName, ...extra });
      if (res.status !== 201) throw new CheckFailure(`creating group ${displayName} failed: ${res.status} ${res.text.slice(0, 300)}`);
      ctx.track(ctx.groupsEndpoint, res.body.id);
      return res.body;
    },
    USER_URN,
    GROUP_URN,
  };

  const results = [];
  for (const section of SECTIONS) {
    for (const check of section.checks) {
      const name = `${section.title} › ${check.name}`;
      const cite = `${check.cite} ${check.level}`;
      const missing = (check.needs ?? []).map((feature) => FEATURES[feature](ctx)).find(Boolean);
      if (missing) {
        results.push({ name, cite, status: 'skip', detail: missing });
        continue;
      }
      try {
        await check.run(ctx);
        results.push({ name, cite, status: 'pass' });
      } catch (error) {
        if (error instanceof CheckSkipped) results.push({ name, cite, status: 'skip', detail: error.message });
        else results.push({ name, cite, status: 'fail', detail: error instanceof CheckFailure ? error.message : `check crashed: ${error && error.stack}` });
      }
    }
  }

  // Clean up what this run created (groups first, so memberships go before their users).
  for (const { endpoint, id } of [...created].reverse().sort((a, b) => Number(b.endpoint === ctx.groupsEndpoint) - Number(a.endpoint === ctx.groupsEndpoint))) {
    await client.delete(`${endpoint}/${encodeURIComponent(id)}`).catch(() => undefined);
  }
  return results;
}

module.exports = { runOwnSuite, SECTIONS };
