// The peer: the npm packages `scimmy` + `scimmy-routers` on Express 5 over the plain in-memory store of
// scimmy-adapter.js, seeded with the same users and the same big group as our server (bench/lib/directory.js).
'use strict';
const path = require('node:path');
const express = require('express');
// The routers package re-exports the SCIMMY instance it drives; declaring resources on that very instance matters.
const { SCIMMY, SCIMMYRouters } = require('scimmy-routers');
const { userBody, userId, groupId } = require(path.join(__dirname, '..', 'lib', 'directory.js'));
const { createTable, declareResource } = require('./scimmy-adapter');

const TOKEN = process.env.BENCH_TOKEN ?? '';
const N = Number(process.env.BENCH_N ?? 0);
const GROUP_MEMBERS = Number(process.env.BENCH_GROUP_MEMBERS ?? 0);

const users = createTable(SCIMMY, 'userName', { caseless: true });
const groups = createTable(SCIMMY, 'displayName');
declareResource(SCIMMY, SCIMMY.Resources.User, users, 'User');
declareResource(SCIMMY, SCIMMY.Resources.Group, groups, 'Group');
SCIMMY.Resources.declare(SCIMMY.Resources.User);
SCIMMY.Resources.declare(SCIMMY.Resources.Group);

const seeded = process.hrtime.bigint();
const created = new Date().toISOString();
for (let index = 0; index < N; index++) {
  const { schemas: _schemas, ...attributes } = userBody(index);
  users.put({ ...attributes, id: userId(index), meta: { resourceType: 'User', created, lastModified: created } });
}
if (GROUP_MEMBERS > 0) {
  const members = [];
  for (let index = 0; index < Math.min(GROUP_MEMBERS, N); index++) members.push({ value: userId(index), type: 'User' });
  groups.put({ id: groupId(0), displayName: 'Bench group', members, meta: { resourceType: 'Group', created, lastModified: created } });
}
const seedSeconds = Number(process.hrtime.bigint() - seeded) / 1e9;

const app = express();
app.disable('x-powered-by');
app.get('/health', (_req, res) => res.json({ status: 'ok' }));
// Express 5 makes req.query a getter that parses afresh on each read, so scimmy-routers' cast of startIndex and count
// to numbers is lost and SCIMMY ignores both. Pinning the parsed query to the request keeps its cast.
app.use((req, _res, next) => {
  Object.defineProperty(req, 'query', { value: { ...req.query }, writable: true, configurable: true, enumerable: true });
  next();
});
app.use(
  '/scim/v2',
  new SCIMMYRouters({
    type: 'bearer',
    handler: (request) => {
      if (request.header('Authorization') !== `Bearer ${TOKEN}`) throw new Error('Invalid bearer token');
      return 'bench';
    },
  }),
);

const server = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write(`scimmy peer listening on ${server.address().port} (${N} users seeded in ${seedSeconds.toFixed(2)} s)\n`);
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
