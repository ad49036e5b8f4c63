// If-Match on every write, as one table (RFC 7644 §3.14, RFC 7232 §3.1): stale, current, `*` and absent, for PUT,
// PATCH that changes something, PATCH that changes nothing, and DELETE, each sent alone (If-Match header) and inside
// POST /Bulk (the operation's `version`, RFC 7644 §3.7). A stale precondition answers 412 and changes nothing, even
// when the write itself would change nothing; the other preconditions let the write happen.
import request from 'supertest';
import { createTestApp, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let t: TestApp;
let a: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  a = await t.tenant({ name: 'a' });
});
afterAll(() => t.close());

/** Each resource starts at version 2 (created, then changed once), so `W/"1"` is a version it really had. */
const STALE = 'W/"1"';
const conditions = {
  stale: STALE,
  current: 'W/"2"',
  'current, strong form': '"2"',
  'a list holding the current version': `W/"7", ${STALE}, W/"2"`,
  '*': '*',
  absent: undefined,
} as const;
type Condition = keyof typeof conditions;

type Write = 'PUT' | 'PATCH that changes something' | 'PATCH that changes nothing' | 'DELETE';

interface Resource {
  readonly endpoint: '/Users' | '/Groups';
  create(name: string): Record<string, unknown>;
  /** The full replacement that moves the resource from version 1 to 2 (title / displayName "v2"). */
  second(name: string): Record<string, unknown>;
  /** An attribute PATCH can set, and a PUT body changing it. */
  readonly attribute: string;
  put(name: string): Record<string, unknown>;
}

const resources: Record<'User' | 'Group', Resource> = {
  User: {
    endpoint: '/Users',
    create: (name) => user(name, { title: 'v1' }),
    second: (name) => user(name, { title: 'v2' }),
    attribute: 'title',
    put: (name) => user(name, { title: 'put' }),
  },
  Group: {
    endpoint: '/Groups',
    create: (name) => ({ schemas: [GROUP_SCHEMA], displayName: name, externalId: 'v1' }),
    second: (name) => ({ schemas: [GROUP_SCHEMA], displayName: name, externalId: 'v2' }),
    attribute: 'externalId',
    put: (name) => ({ schemas: [GROUP_SCHEMA], displayName: name, externalId: 'put' }),
  },
};

let sequence = 0;

/** A fresh resource at version 2, and its representation as GET shows it. */
async function resourceAtVersion2(resource: Resource): Promise<{ id: string; url: string; body: Record<string, unknown> }> {
  const name = `if-match-${++sequence}`;
  const created = await request(t.app).post(`${SCIM}${resource.endpoint}`).set(a.auth).send(resource.create(name)).expect(201);
  const url = `${SCIM}${resource.endpoint}/${created.body.id}`;
  const second = await request(t.app).put(url).set(a.auth).send(resource.second(name)).expect(200);
  expect(second.body.meta.version).toBe('W/"2"');
  return { id: created.body.id as string, url, body: second.body as Record<string, unknown> };
}

/** The body of each write; both PATCHes set the same attribute, the no-op one to the value it already has. */
function bodyOf(resource: Resource, write: Write, name: string): Record<string, unknown> | undefined {
  switch (write) {
    case 'PUT':
      return resource.put(name);
    case 'PATCH that changes something':
      return { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: resource.attribute, value: 'patched' }] };
    case 'PATCH that changes nothing':
      return { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: resource.attribute, value: 'v2' }] };
    case 'DELETE':
      return undefined;
  }
}

/** The userName of a User, the displayName of a Group: what its PUT body must repeat. */
const nameOf = (body: Record<string, unknown>) => (body.userName ?? body.displayName) as string;

const methodOf = (write: Write) => write.split(' ')[0] as 'PUT' | 'PATCH' | 'DELETE';

/** What a write that was allowed to happen leaves behind: the status, the version, the stored value. */
const allowed: Record<Write, { status: number; version?: string; value?: string }> = {
  PUT: { status: 200, version: 'W/"3"', value: 'put' },
  'PATCH that changes something': { status: 200, version: 'W/"3"', value: 'patched' },
  'PATCH that changes nothing': { status: 200, version: 'W/"2"', value: 'v2' },
  DELETE: { status: 204 },
};

const writes: Write[] = ['PUT', 'PATCH that changes something', 'PATCH that changes nothing', 'DELETE'];
const cases = (Object.keys(resources) as ('User' | 'Group')[]).flatMap((type) =>
  writes.flatMap((write) => (Object.keys(conditions) as Condition[]).map((condition) => [type, write, condition] as const)),
);

/** After the write: either exactly the representation before it, or the effect of the allowed write. */
async function expectOutcome(
  resource: Resource,
  write: Write,
  condition: Condition,
  before: { url: string; body: Record<string, unknown> },
  answered: { status: number; version?: string; error?: { schemas: string[]; status: string; detail: string } },
): Promise<void> {
  const after = await request(t.app).get(before.url).set(a.auth);
  if (condition === 'stale') {
    expect(answered.status).toBe(412);
    expect(answered.error).toMatchObject({ schemas: [ERROR_SCHEMA], status: '412', detail: expect.stringContaining('W/"2"') });
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before.body);
    return;
  }
  const effect = allowed[write];
  expect(answered.status).toBe(effect.status);
  if (write === 'DELETE') {
    expect(after.status).toBe(404);
    return;
  }
  expect(answered.version).toBe(effect.version);
  expect(after.body.meta.version).toBe(effect.version);
  expect(after.body[resource.attribute]).toBe(effect.value);
}

describe('If-Match on a single request', () => {
  it.each(cases)('%s, %s, If-Match %s', async (type, write, condition) => {
    const resource = resources[type];
    const before = await resourceAtVersion2(resource);
    const header = conditions[condition];
    const method = methodOf(write).toLowerCase() as 'put' | 'patch' | 'delete';
    let call = request(t.app)[method](before.url).set(a.auth);
    if (header !== undefined) call = call.set('If-Match', header);
    const body = bodyOf(resource, write, nameOf(before.body));
    const res = body === undefined ? await call : await call.send(body);
    await expectOutcome(resource, write, condition, before, {
      status: res.status,
      version: res.headers.etag as string | undefined,
      error: res.status >= 400 ? res.body : undefined,
    });
  });
});

describe('If-Match through POST /Bulk (the operation "version")', () => {
  it.each(cases)('%s, %s, version %s', async (type, write, condition) => {
    const resource = resources[type];
    const before = await resourceAtVersion2(resource);
    const version = conditions[condition];
    const data = bodyOf(resource, write, nameOf(before.body));
    const operation = {
      method: methodOf(write),
      path: `${resource.endpoint}/${before.id}`,
      ...(version !== undefined ? { version } : {}),
      ...(data !== undefined ? { data } : {}),
    };
    const res = await request(t.app).post(`${SCIM}/Bulk`).set(a.auth).send({ schemas: [BULK_REQUEST], Operations: [operation] });
    expect(res.status).toBe(200);
    const [result] = res.body.Operations as { status: string; version?: string; response?: { schemas: string[]; status: string; detail: string } }[];
    await expectOutcome(resource, write, condition, before, { status: Number(result.status), version: result.version, error: result.response });
  });
});
