// RFC 7644 §3.7: bulk operations.
'use strict';
const { CheckSkipped, ensure, expectEqual, expectScimError, expectStatus, excerpt } = require('../expect');

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

module.exports = {
  title: 'Bulk',
  checks: [
    {
      name: 'POST /Bulk runs each operation and answers a BulkResponse with per-operation status',
      cite: 'RFC 7644 §3.7, §3.7.3',
      level: 'MUST',
      needs: ['bulk'],
      async run(ctx) {
        const userName = `${ctx.unique('bulk')}@example.com`;
        const res = await ctx.client.post('/Bulk', {
          schemas: [BULK_REQUEST],
          Operations: [{ method: 'POST', path: ctx.usersEndpoint, bulkId: 'u1', data: { schemas: [ctx.USER_URN], userName } }],
        });
        expectStatus(res, 200);
        ensure(res.body?.schemas?.includes(BULK_RESPONSE), `the answer carries ${BULK_RESPONSE}: ${excerpt(res)}`);
        const [op] = res.body.Operations ?? [];
        ensure(op, `no operation result: ${excerpt(res)}`);
        expectEqual(op.bulkId, 'u1', 'bulkId echoed');
        expectEqual(String(op.status), '201', 'status of the POST operation');
        ensure(typeof op.location === 'string', 'a successful operation carries the resource location');
        const id = op.location.split('/').pop();
        ctx.track(ctx.usersEndpoint, id);
        const read = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${id}`), 200);
        expectEqual(read.body.userName, userName, 'userName of the bulk-created user');
      },
    },
    {
      name: 'bulkId references resolve to the id created earlier in the same request',
      cite: 'RFC 7644 §3.7.2 ("bulkId:<id>")',
      level: 'MUST',
      needs: ['bulk', 'groups'],
      async run(ctx) {
        const userName = `${ctx.unique('bref')}@example.com`;
        const res = await ctx.client.post('/Bulk', {
          schemas: [BULK_REQUEST],
          Operations: [
            { method: 'POST', path: ctx.usersEndpoint, bulkId: 'user', data: { schemas: [ctx.USER_URN], userName } },
            { method: 'POST', path: ctx.groupsEndpoint, bulkId: 'group', data: { schemas: [ctx.GROUP_URN], displayName: ctx.unique('bgrp'), members: [{ value: 'bulkId:user' }] } },
          ],
        });
        expectStatus(res, 200);
        const ops = res.body?.Operations ?? [];
        expectEqual(ops.map((op) => String(op.status)), ['201', '201'], 'operation statuses');
        const userId = ops[0].location.split('/').pop();
        const groupId = ops[1].location.split('/').pop();
        ctx.track(ctx.usersEndpoint, userId);
        ctx.track(ctx.groupsEndpoint, groupId);
        const group = expectStatus(await ctx.client.get(`${ctx.groupsEndpoint}/${groupId}`), 200);
        expectEqual((group.body.members ?? []).map((member) => member.value), [userId], 'group members');
      },
    },
    {
      name: 'a failing operation is reported in its own result; failOnErrors stops after that many errors',
      cite: 'RFC 7644 §3.7.3 (failOnErrors)',
      level: 'MUST',
      needs: ['bulk'],
      async run(ctx) {
        const userName = `${ctx.unique('bfail')}@example.com`;
        const res = await ctx.client.post('/Bulk', {
          schemas: [BULK_REQUEST],
          failOnErrors: 1,
          Operations: [
            { method: 'POST', path: ctx.usersEndpoint, bulkId: 'bad', data: { schemas: [ctx.USER_URN] } },
            { method: 'POST', path: ctx.usersEndpoint, bulkId: 'good', data: { schemas: [ctx.USER_URN], userName } },
          ],
        });
        expectStatus(res, 200);
        const ops = res.body?.Operations ?? [];
        ensure(ops.length === 1, `failOnErrors=1 must stop after the first error, got ${ops.length} results: ${excerpt(res)}`);
        expectEqual(String(ops[0].status), '400', 'status of the invalid POST');
        ensure(ops[0].response?.schemas?.includes('urn:ietf:params:scim:api:messages:2.0:Error'), 'a failed operation carries a SCIM error response');
        const search = await ctx.client.get(ctx.usersEndpoint, { query: { filter: `userName eq "${userName}"` } });
        expectEqual(search.body?.totalResults, 0, 'users created after failOnErrors was reached');
      },
    },
    {
      name: 'more operations than bulk.maxOperations is 413',
      cite: 'RFC 7644 §3.7.4',
      level: 'MUST',
      needs: ['bulk'],
      async run(ctx) {
        const max = ctx.spc.bulk.maxOperations;
        ensure(Number.isInteger(max) && max > 0, 'bulk.maxOperations is not a positive integer');
        const operations = Array.from({ length: max + 1 }, (_, i) => ({ method: 'DELETE', path: `${ctx.usersEndpoint}/00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
        expectScimError(await ctx.client.post('/Bulk', { schemas: [BULK_REQUEST], Operations: operations }), 413);
      },
    },
    {
      name: 'without failOnErrors every operation runs, and each reports its own status',
      cite: 'RFC 7644 §3.7.3 (the service provider continues when failOnErrors is not given)',
      level: 'MUST',
      needs: ['bulk'],
      async run(ctx) {
        const user = await ctx.createUser('bmix');
        const res = await ctx.client.post('/Bulk', {
          schemas: [BULK_REQUEST],
          Operations: [
            { method: 'DELETE', path: `${ctx.usersEndpoint}/00000000-0000-4000-8000-00000000dead` },
            { method: 'PUT', path: `${ctx.usersEndpoint}/${user.id}`, data: { schemas: [ctx.USER_URN], userName: user.userName, title: 'Bulked' } },
            { method: 'DELETE', path: `${ctx.usersEndpoint}/${user.id}` },
          ],
        });
        expectStatus(res, 200);
        expectEqual((res.body?.Operations ?? []).map((op) => String(op.status)), ['404', '200', '204'], 'operation statuses');
        expectScimError(await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`), 404);
      },
    },
    {
      name: 'a request larger than bulk.maxPayloadSize is 413',
      cite: 'RFC 7644 §3.7.4',
      level: 'MUST',
      needs: ['bulk'],
      async run(ctx) {
        const max = ctx.spc.bulk.maxPayloadSize;
        ensure(Number.isInteger(max) && max > 0, 'bulk.maxPayloadSize is not a positive integer');
        if (max > 16 * 1024 * 1024) throw new CheckSkipped(`bulk.maxPayloadSize is ${max} bytes; the check sends at most 16 MiB`);
        const filler = 'x'.repeat(max);
        const res = await ctx.client.post('/Bulk', {
          schemas: [BULK_REQUEST],
          Operations: [{ method: 'POST', path: ctx.usersEndpoint, bulkId: 'big', data: { schemas: [ctx.USER_URN], userName: `${ctx.unique('huge')}@example.com`, title: filler } }],
        });
        expectScimError(res, 413);
      },
    },
  ],
};
