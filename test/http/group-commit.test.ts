// Concurrent writes through the HTTP API on a store with group commit (README "Performance": SCIM_GROUP_COMMIT_WINDOW_MS):
// creates and PATCHes sent at once, with a duplicate userName and a stale If-Match among them, each get their own
// answer, and what was answered as written is stored. The store's window is widened to 5 ms here so that the requests,
// which each arrive on their own connection, land in one transaction; test/unit/store/sqlite-group-commit.test.ts
// shows what one transaction holds.
import request from 'supertest';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { createTestApp, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const setTitle = (title: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: title }] });

let t: TestApp;
let a: TestTenant;

beforeAll(async () => {
  t = await createTestApp({}, { store: createSqliteStore({ path: ':memory:', registry: loadBuiltinRegistry(), groupCommitWindowMs: 5 }) });
  a = await t.tenant();
});
afterAll(() => t.close());

it('answers each of a burst of concurrent creates and PATCHes on its own, and stores what it acknowledged', async () => {
  const created = await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('target'));
  expect(created.status).toBe(201);
  const target = `${SCIM}/Users/${created.body.id as string}`;

  const [alice, aliceAgain, bob, firstIfMatch, secondIfMatch, unconditional] = await Promise.all([
    request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('alice@example.com')),
    // The same userName in another case: userName is unique case-insensitively (RFC 7643 §4.1.1).
    request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('ALICE@example.com')),
    request(t.app).post(`${SCIM}/Users`).set(a.auth).send(user('bob@example.com')),
    // Both read the user at version 1; only one of them can still find it there when its write runs.
    request(t.app).patch(target).set(a.auth).set('If-Match', 'W/"1"').send(setTitle('first')),
    request(t.app).patch(target).set(a.auth).set('If-Match', 'W/"1"').send(setTitle('second')),
    // Without If-Match, a lost compare-and-set is re-read and re-applied: it succeeds whatever comes before it.
    request(t.app)
      .patch(target)
      .set(a.auth)
      .send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Unconditional' }] }),
  ]);

  const creates = [alice, aliceAgain];
  expect(creates.map((res) => res.status).sort()).toEqual([201, 409]);
  const refused = creates.find((res) => res.status === 409)!;
  expect(refused.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
  expect(bob.status).toBe(201);

  const conditional = [firstIfMatch, secondIfMatch];
  expect(conditional.map((res) => res.status).sort()).toEqual([200, 412]);
  const applied = conditional.find((res) => res.status === 200)!;
  expect(unconditional.status).toBe(200);

  // Stored: the winner of each race, and nothing of the losers.
  const winner = creates.find((res) => res.status === 201)!;
  expect((await request(t.app).get(`${SCIM}/Users/${winner.body.id as string}`).set(a.auth)).status).toBe(200);
  expect((await request(t.app).get(`${SCIM}/Users/${bob.body.id as string}`).set(a.auth)).status).toBe(200);
  const named = await request(t.app).get(`${SCIM}/Users`).query({ filter: 'userName eq "alice@example.com"' }).set(a.auth);
  expect(named.body.totalResults).toBe(1);
  const stored = await request(t.app).get(target).set(a.auth);
  expect(stored.body).toMatchObject({ title: applied.body.title as string, displayName: 'Unconditional', meta: { version: 'W/"3"' } });
  expect(new Set([applied.headers.etag, unconditional.headers.etag]).size).toBe(2);
});

// On a file, a group transaction is committed (and readable by other requests) a moment before its sync to disk has
// finished (src/store/sqlite/wal-sync.ts); no response may leave in that moment, or a client could be shown a write
// that a power loss then takes back (src/http/middleware/hold-until-durable.ts). Here the store's barrier is held up
// by hand: a read that has its answer ready still waits for it.
describe('responses while a commit is not yet on disk', () => {
  let held: TestApp;
  let tenant: TestTenant;
  let barrier: { promise: Promise<void>; lift(): void } | undefined;
  const barrierAsked = jest.fn();

  beforeAll(async () => {
    const store = createSqliteStore({ path: ':memory:', registry: loadBuiltinRegistry() });
    const durable = () => {
      barrierAsked();
      return barrier?.promise;
    };
    held = await createTestApp({}, { store: { ...store, durable } });
    tenant = await held.tenant();
  });
  afterAll(() => held.close());

  it('holds a response until the commits made before it are on disk, and sends it then', async () => {
    const created = await request(held.app).post(`${SCIM}/Users`).set(tenant.auth).send(user('held'));
    expect(created.status).toBe(201);

    let lift = () => undefined as void;
    barrier = { promise: new Promise<void>((resolve) => (lift = resolve)), lift: () => lift() };
    barrierAsked.mockClear();
    let answered = false;
    const read = request(held.app)
      .get(`${SCIM}/Users/${created.body.id as string}`)
      .set(tenant.auth)
      .then((res) => {
        answered = true;
        return res;
      });
    // The response is ready once the barrier has been asked (within a second); then give the socket time to carry it
    // if it were sent.
    for (let waited = 0; barrierAsked.mock.calls.length === 0 && waited < 1000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(barrierAsked).toHaveBeenCalled();
    expect(answered).toBe(false);

    const lifted = barrier;
    barrier = undefined;
    lifted.lift();
    const res = await read;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userName: 'held' });
  });
});
