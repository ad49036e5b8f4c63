// The bulk runner over a recording resource service: batching of creates, failOnErrors, reference resolution, and
// how service failures become per-operation results. (test/http/bulk.test.ts covers the real service and store.)
import { createBulkService, type BulkResourceService } from '../../../../src/resources/bulk/bulk-service';
import { ScimError, scimErrors } from '../../../../src/scim/errors';
import type { ResourceTypeDefinition } from '../../../../src/scim/schema/attribute';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import type { RequestContext } from '../../../../src/auth/request-context';
import { tokenContext } from '../../../helpers/request-context';
import { EMPTY_UNVERSIONED, type StoredResource } from '../../../../src/store/resource-store';

const registry = loadBuiltinRegistry();
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BASE = 'https://scim.example.com/v2';

interface Call {
  readonly context: RequestContext;
  readonly method: string;
  readonly type: string;
  readonly args: unknown[];
}

/** A resource service that records its calls; a body with `fail` is refused with that status. */
function recordingService(): BulkResourceService & { calls: Call[] } {
  const calls: Call[] = [];
  let next = 0;
  const stored = (type: ResourceTypeDefinition, id: string, version: number, attributes: Record<string, unknown>): StoredResource => ({
    resourceType: type.name,
    id,
    version,
    created: 't',
    lastModified: 't',
    attributes,
    internal: {},
    unversioned: EMPTY_UNVERSIONED,
  });
  const failure = (body: unknown) => {
    const status = (body as { fail?: number }).fail;
    return status === undefined ? undefined : new ScimError(status, `refused with ${status}`);
  };
  return {
    calls,
    async createMany(context, type, bodies) {
      calls.push({ context, method: 'createMany', type: type.name, args: [bodies] });
      return bodies.map((body) => failure(body) ?? stored(type, `id-${++next}`, 1, body as Record<string, unknown>));
    },
    async replace(context, type, id, body, conditions) {
      calls.push({ context, method: 'replace', type: type.name, args: [id, body, conditions] });
      const error = failure(body);
      if (error) throw error;
      return stored(type, id, 2, body as Record<string, unknown>);
    },
    async patch(context, type, id, body, conditions) {
      calls.push({ context, method: 'patch', type: type.name, args: [id, body, conditions] });
      return { resource: stored(type, id, 5, {}), changed: true };
    },
    async delete(context, type, id, conditions) {
      calls.push({ context, method: 'delete', type: type.name, args: [id, conditions] });
      if (id === 'boom') throw new TypeError('driver exploded');
    },
  };
}

const post = (bulkId: string, data: Record<string, unknown> = {}, path = '/Users') => ({ method: 'POST', path, bulkId, data });

const CONTEXT = tokenContext('tenant', { requestId: 'bulk-request' });

async function run(operations: unknown[], options: { failOnErrors?: number; batchSize?: number } = {}) {
  const service = recordingService();
  const internalErrors: unknown[] = [];
  const bulk = createBulkService({ service, registry, maxOperations: 100, batchSize: options.batchSize });
  const body = { schemas: [BULK_REQUEST], Operations: operations, ...(options.failOnErrors ? { failOnErrors: options.failOnErrors } : {}) };
  const response = await bulk.process(CONTEXT, body, { baseUrl: BASE, onInternalError: (error) => internalErrors.push(error) });
  return { response, calls: service.calls, internalErrors };
}

const batchSizes = (calls: Call[]) => calls.filter((call) => call.method === 'createMany').map((call) => (call.args[0] as unknown[]).length);

describe('bulk service', () => {
  it('runs every operation with the request context of the BulkRequest (its tenant, actor and request id)', async () => {
    const { calls } = await run([
      post('a'),
      { method: 'PUT', path: '/Users/x', data: {} },
      { method: 'PATCH', path: '/Users/x', data: {} },
      { method: 'DELETE', path: '/Users/x' },
    ]);
    expect(calls.map((call) => call.method)).toEqual(['createMany', 'replace', 'patch', 'delete']);
    for (const call of calls) expect(call.context).toBe(CONTEXT);
  });

  it('writes consecutive creates of one type in one batch, up to the batch size', async () => {
    expect(batchSizes((await run([post('a'), post('b'), post('c'), post('d'), post('e')])).calls)).toEqual([5]);
    expect(batchSizes((await run([post('a'), post('b'), post('c'), post('d'), post('e')], { batchSize: 2 })).calls)).toEqual([2, 2, 1]);
  });

  it('starts a new batch for another type, another method, or a reference into the open batch', async () => {
    const { calls, response } = await run([
      post('u1'),
      post('u2'),
      post('g', { members: [{ value: 'bulkId:u1' }] }, '/Groups'),
      post('h', {}, '/Groups'),
      post('k', { members: [{ value: 'bulkId:h' }] }, '/Groups'),
      { method: 'DELETE', path: '/Users/x' },
      post('u3'),
    ]);
    expect(calls.map((call) => `${call.method}:${call.type}${call.method === 'createMany' ? `x${(call.args[0] as unknown[]).length}` : ''}`)).toEqual([
      'createMany:Userx2',
      'createMany:Groupx2',
      'createMany:Groupx1',
      'delete:User',
      'createMany:Userx1',
    ]);
    // References were replaced by the created ids before the service saw them.
    expect((calls[1].args[0] as unknown[])[0]).toEqual({ members: [{ value: 'id-1' }] });
    expect((calls[2].args[0] as unknown[])[0]).toEqual({ members: [{ value: 'id-4' }] });
    expect(response.Operations.map((result) => result.location)).toEqual([
      `${BASE}/Users/id-1`,
      `${BASE}/Users/id-2`,
      `${BASE}/Groups/id-3`,
      `${BASE}/Groups/id-4`,
      `${BASE}/Groups/id-5`,
      `${BASE}/Users/x`,
      `${BASE}/Users/id-6`,
    ]);
  });

  it('never batches past the errors failOnErrors still accepts, so nothing after the limit is attempted', async () => {
    const { calls, response } = await run([post('a', { fail: 409 }), post('b'), post('c', { fail: 400 }), post('d'), post('e')], { failOnErrors: 2 });
    expect(batchSizes(calls)).toEqual([2, 1]);
    expect(response.Operations.map((result) => result.status)).toEqual(['409', '201', '400']);
    expect(response.Operations[0]).toMatchObject({ method: 'POST', bulkId: 'a', response: { status: '409', detail: 'refused with 409' } });
    expect(response.Operations[0]).not.toHaveProperty('location');
  });

  it('passes version as If-Match and answers PUT, PATCH and DELETE with their statuses', async () => {
    const { calls, response } = await run([
      { method: 'PUT', path: '/Users/1', version: 'W/"1"', data: { userName: 'x' } },
      { method: 'PATCH', path: '/Users/1', data: { Operations: [] } },
      { method: 'DELETE', path: '/Users/1', version: 'W/"5"' },
    ]);
    expect(calls.map((call) => [call.method, call.args.at(-1)])).toEqual([
      ['replace', { ifMatch: 'W/"1"' }],
      ['patch', {}],
      ['delete', { ifMatch: 'W/"5"' }],
    ]);
    expect(response.Operations).toEqual([
      { method: 'PUT', version: 'W/"2"', location: `${BASE}/Users/1`, status: '200' },
      { method: 'PATCH', version: 'W/"5"', location: `${BASE}/Users/1`, status: '200' },
      { method: 'DELETE', location: `${BASE}/Users/1`, status: '204' },
    ]);
  });

  it('completes a cycle with a replace at the created version', async () => {
    const { calls, response } = await run([post('a', { peer: 'bulkId:b' }), post('b', { peer: 'bulkId:a' })]);
    expect(calls.map((call) => call.method)).toEqual(['createMany', 'createMany', 'replace']);
    expect(calls[0].args[0]).toEqual([{}]); // b, without its reference to a
    expect(calls[1].args[0]).toEqual([{ peer: 'id-1' }]); // a, referring to b
    expect(calls[2].args).toEqual(['id-1', { peer: 'id-2' }, { ifMatch: 'W/"1"' }]);
    expect(response.Operations).toEqual([
      { method: 'POST', bulkId: 'a', version: 'W/"1"', location: `${BASE}/Users/id-2`, status: '201' },
      { method: 'POST', bulkId: 'b', version: 'W/"2"', location: `${BASE}/Users/id-1`, status: '201' },
    ]);
  });

  it('answers a failed completion with its error and the location of the resource that was created', async () => {
    const failed = await run([post('a', { peer: 'bulkId:b', fail: 409 }), post('b', { peer: 'bulkId:a' })]);
    // b is created first; a (which b refers to) fails, so b cannot be completed.
    expect(failed.response.Operations[0]).toMatchObject({ bulkId: 'a', status: '409' });
    expect(failed.response.Operations[1]).toMatchObject({
      bulkId: 'b',
      status: '409',
      location: `${BASE}/Users/id-1`,
      response: { detail: expect.stringMatching(/User id-1 was created, but without its references: .*bulkId:a.*operation 0/) },
    });
  });

  it('answers an unexpected error as a 500 of its operation only, and reports it', async () => {
    const { response, internalErrors } = await run([
      { method: 'DELETE', path: '/Users/boom' },
      { method: 'DELETE', path: '/Users/fine' },
    ]);
    expect(response.Operations[0]).toMatchObject({ status: '500', response: { status: '500', detail: 'Internal server error' } });
    expect(response.Operations[1]).toMatchObject({ status: '204' });
    expect(internalErrors).toEqual([expect.any(TypeError)]);
  });

  it('answers every create of a batch the store refused as a whole', async () => {
    const service = recordingService();
    service.createMany = async () => {
      throw scimErrors.unavailable('The directory store is temporarily unavailable; retry shortly');
    };
    const bulk = createBulkService({ service, registry, maxOperations: 10 });
    const response = await bulk.process(tokenContext('tenant'), { schemas: [BULK_REQUEST], Operations: [post('a'), post('b')] }, { baseUrl: BASE });
    expect(response.Operations.map((result) => result.status)).toEqual(['503', '503']);
  });
});
