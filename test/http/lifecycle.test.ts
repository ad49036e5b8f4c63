// The account lifecycle over HTTP (README "Account lifecycle"): the action routes and their answers, the `active` rule
// for identity providers, the credential check with its lockout and refusals, the sign-in history, the password
// policy, scopes, and tenant isolation of every route. The state machine on both stores, concurrency and the sweep are
// in test/unit/extensions/lifecycle/.
import request from 'supertest';
import { Scope } from '../../src/auth/scopes';
import { cheapPasswords, LIFECYCLE, manualClock, MINUTE, recordingDerive, type ManualClock } from '../helpers/lifecycle';
import { createTestApp, ERROR_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const ALL = [Scope.read, Scope.write, Scope.credentials];
const PASSWORD = 'Correct-Horse-9';

let t: TestApp;
let clock: ManualClock;
let a: TestTenant;

beforeEach(async () => {
  clock = manualClock();
  t = await createTestApp({}, { clock: clock.now, passwords: cheapPasswords() });
  a = await t.tenant({ scopes: ALL });
});
afterEach(() => t.close());

const post = (tenant: TestTenant, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  request(t.app).post(`${SCIM}${path}`).set(tenant.auth).set(headers).send(body as object);
const lifecycleOf = (body: Record<string, unknown>) => body[LIFECYCLE] as Record<string, unknown>;

async function createUser(userName: string, extra: Record<string, unknown> = {}, tenant = a): Promise<Record<string, unknown>> {
  const res = await post(tenant, '/Users', user(userName, { password: PASSWORD, ...extra }));
  expect(res.status).toBe(201);
  return res.body;
}

const verify = (userName: string, password: string, tenant = a) => post(tenant, '/Users/.verify-credentials', { userName, password });
const read = async (id: string, tenant = a) => (await request(t.app).get(`${SCIM}/Users/${id}`).set(tenant.auth)).body as Record<string, unknown>;
const setting = async (tenant: TestTenant, values: Record<string, string>) => {
  await t.store.settings.update(tenant.tenant.id, { set: values, at: clock.now().toISOString() });
  // The app's settings cache re-checks the version at most once a second (of its clock).
  clock.advance(1001);
};

describe('action routes', () => {
  it('lock, unlock, disable, enable and PUT state answer 200 with the user, its state and a new ETag', async () => {
    const created = await createUser('bjensen');
    expect(lifecycleOf(created)).toEqual({ state: 'active', stateChangedAt: '2026-03-01T09:00:00.000Z', passwordExpired: false, mustChangePassword: false });
    expect(created.active).toBe(true);
    const id = String(created.id);

    clock.advance(MINUTE);
    const locked = await post(a, `/Users/${id}/lock`, { reason: 'Suspicious activity', until: '2026-03-02T09:00:00+01:00' });
    expect(locked.status).toBe(200);
    expect(locked.headers.etag).toBe('W/"2"');
    expect(locked.body).toMatchObject({ id, active: false, meta: { version: 'W/"2"' } });
    expect(lifecycleOf(locked.body)).toEqual({
      state: 'locked',
      stateChangedAt: '2026-03-01T09:01:00.000Z',
      stateReason: 'Suspicious activity',
      lockedUntil: '2026-03-02T08:00:00.000Z',
      passwordExpired: false,
      mustChangePassword: false,
    });

    const unlocked = await post(a, `/Users/${id}/unlock`);
    expect(unlocked.status).toBe(200);
    expect(unlocked.body.active).toBe(true);
    expect(lifecycleOf(unlocked.body)).toEqual({ state: 'active', stateChangedAt: '2026-03-01T09:01:00.000Z', passwordExpired: false, mustChangePassword: false });

    const disabled = await post(a, `/Users/${id}/disable`, { reason: 'Left the company' });
    expect(lifecycleOf(disabled.body)).toMatchObject({ state: 'disabled', stateReason: 'Left the company' });
    expect((await post(a, `/Users/${id}/enable`, {})).body).toMatchObject({ active: true, [LIFECYCLE]: { state: 'active' } });

    for (const [word, state] of [['Locked', 'locked'], ['None', 'active'], ['EXPIRED', 'expired'], ['disabled', 'disabled'], ['active', 'active']]) {
      const res = await request(t.app).put(`${SCIM}/Users/${id}/state`).set(a.auth).send({ state: word });
      expect({ word, status: res.status, state: lifecycleOf(res.body).state, active: res.body.active }).toEqual({ word, status: 200, state, active: state === 'active' });
    }
    // The GET shows what the routes wrote, at the version they answered.
    const stored = await request(t.app).get(`${SCIM}/Users/${id}`).set(a.auth);
    expect(stored.headers.etag).toBe('W/"10"');
    expect(lifecycleOf(stored.body).state).toBe('active');
  });

  it('sets a password (204 with the ETag), temporary or not, and expires it (200)', async () => {
    const id = String((await createUser('bjensen')).id);
    const set = await post(a, `/Users/${id}/password`, { password: 'Temporary-Pass-1', temporary: true });
    expect(set.status).toBe(204);
    expect(set.headers.etag).toBe('W/"2"');
    expect(set.text).toBe('');
    expect(lifecycleOf(await read(id))).toMatchObject({ mustChangePassword: true, passwordExpired: false });
    expect((await verify('bjensen', 'Temporary-Pass-1')).body).toMatchObject({ status: '403', reason: 'mustChangePassword' });

    expect((await post(a, `/Users/${id}/password`, { password: 'Permanent-Pass-2' })).status).toBe(204);
    expect(lifecycleOf(await read(id))).toMatchObject({ mustChangePassword: false });
    expect((await verify('bjensen', 'Permanent-Pass-2')).status).toBe(200);

    const expired = await post(a, `/Users/${id}/password/expire`);
    expect(expired.status).toBe(200);
    expect(expired.headers.etag).toBe('W/"4"');
    expect(lifecycleOf(expired.body)).toMatchObject({ state: 'active', passwordExpired: true });
    expect((await verify('bjensen', 'Permanent-Pass-2')).body).toMatchObject({ status: '403', reason: 'passwordExpired' });
    // Expiring it again changes nothing: the same version.
    expect((await post(a, `/Users/${id}/password/expire`)).headers.etag).toBe('W/"4"');
    // A new password (here through SCIM PATCH, as an identity provider sets one) clears the expiry.
    await request(t.app).patch(`${SCIM}/Users/${id}`).set(a.auth).send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: 'Third-Pass-333' }] });
    expect(lifecycleOf(await read(id))).toMatchObject({ passwordExpired: false, mustChangePassword: false });
    expect((await verify('bjensen', 'Third-Pass-333')).status).toBe(200);
  });

  it('refuses an action that does not apply with 409 naming the current state, and writes nothing', async () => {
    const id = String((await createUser('bjensen')).id);
    const cases: Array<[string, number, string]> = [
      ['/unlock', 409, 'active'],
      ['/enable', 409, 'active'],
    ];
    for (const [path, status, state] of cases) {
      const res = await post(a, `/Users/${id}${path}`);
      expect({ path, status: res.status, state: res.body.state, schemas: res.body.schemas }).toEqual({ path, status, state, schemas: [ERROR_SCHEMA] });
    }
    await post(a, `/Users/${id}/lock`);
    const enable = await post(a, `/Users/${id}/enable`);
    expect(enable.status).toBe(409);
    expect(enable.body).toMatchObject({ state: 'locked', detail: expect.stringContaining('/unlock') });
    await post(a, `/Users/${id}/disable`);
    expect((await post(a, `/Users/${id}/disable`)).body).toMatchObject({ status: '409', state: 'disabled' });
    expect((await post(a, `/Users/${id}/lock`)).body).toMatchObject({ status: '409', state: 'disabled' });
    expect((await read(id)).meta).toMatchObject({ version: 'W/"3"' });
  });

  it('checks bodies, If-Match and ids like SCIM writes do', async () => {
    const id = String((await createUser('bjensen')).id);
    const bad: Array<[string, unknown, string]> = [
      [`/Users/${id}/lock`, { until: 'tomorrow' }, "'until' must be an ISO 8601"],
      [`/Users/${id}/lock`, { until: '2026-03-01T08:00:00Z' }, "'until' must be in the future"],
      [`/Users/${id}/lock`, { reason: 42 }, "'reason' must be a string"],
      [`/Users/${id}/lock`, ['x'], 'must be a JSON object'],
      [`/Users/${id}/unlock`, { force: true }, "takes no fields; got 'force'"],
      [`/Users/${id}/password`, {}, "'password' is required"],
      [`/Users/${id}/password`, { password: 'Long-Enough-1', temporary: 'sometimes' }, "'temporary' must be true or false"],
      ['/Users/.verify-credentials', { userName: 'bjensen' }, "'password' is required"],
    ];
    for (const [path, body, detail] of bad) {
      const res = await post(a, path, body);
      expect({ path, status: res.status, detail: res.body.detail }).toEqual({ path, status: 400, detail: expect.stringContaining(detail) });
    }
    const state = await request(t.app).put(`${SCIM}/Users/${id}/state`).set(a.auth).send({ state: 'pending' });
    expect(state.status).toBe(400);
    expect(state.body.detail).toContain('pending is the state of an invited user');
    expect((await post(a, `/Users/${id}/lock`, {}, { 'If-Match': 'W/"7"' })).status).toBe(412);
    expect((await post(a, `/Users/${id}/unlock`, {}, { 'If-Match': 'W/"7"' })).status).toBe(412);
    expect((await post(a, `/Users/${id}/lock`, {}, { 'If-Match': 'W/"1"' })).status).toBe(200);
    expect((await post(a, '/Users/no-such-user/lock')).status).toBe(404);
    expect((await request(t.app).get(`${SCIM}/Users/${id}/lock`).set(a.auth)).status).toBe(405);
    expect((await request(t.app).get(`${SCIM}/Users/.verify-credentials`).set(a.auth)).status).toBe(405);
    expect((await read(id)).meta).toMatchObject({ version: 'W/"2"' });
  });
});

describe('credential check', () => {
  it('answers 200 with id, userName and state, and records the sign-in without moving the ETag', async () => {
    const created = await createUser('bjensen');
    clock.advance(MINUTE);
    const res = await verify('BJensen', PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: created.id, userName: 'bjensen', state: 'active' });
    const after = await request(t.app).get(`${SCIM}/Users/${String(created.id)}`).set(a.auth);
    expect(after.headers.etag).toBe('W/"1"');
    expect(after.body.meta.lastModified).toBe(created.meta && (created.meta as Record<string, unknown>).lastModified);
    expect(lifecycleOf(after.body)).toMatchObject({ state: 'active', lastSignIn: '2026-03-01T09:01:00.000Z', failedSignIns: 0 });
  });

  it('answers an unknown user and a wrong password alike: 401, the same body', async () => {
    await createUser('bjensen');
    const unknown = await verify('nobody', PASSWORD);
    const wrong = await verify('bjensen', 'not-the-password');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(unknown.body).toEqual({ schemas: [ERROR_SCHEMA], status: '401', detail: 'The user name or password is incorrect' });
    expect(JSON.stringify(wrong.body)).not.toContain('not-the-password');
  });

  it('locks on the 5th consecutive failure; the 6th attempt gets 423 whatever the password, not counted', async () => {
    const id = String((await createUser('bjensen')).id);
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect((await verify('bjensen', `wrong-${attempt}`)).status).toBe(401);
      if (attempt < 5) expect(lifecycleOf(await read(id))).toMatchObject({ state: 'active', failedSignIns: attempt });
    }
    const locked = await read(id);
    expect(lifecycleOf(locked)).toMatchObject({ state: 'locked', failedSignIns: 5, lockedUntil: '2026-03-01T09:15:00.000Z', stateReason: 'Locked after 5 failed sign-ins' });
    expect(locked.meta).toMatchObject({ version: 'W/"2"' });
    const sixth = await verify('bjensen', PASSWORD);
    expect(sixth.status).toBe(423);
    expect(sixth.body).toEqual({ schemas: [ERROR_SCHEMA], status: '423', detail: 'The account is locked until 2026-03-01T09:15:00.000Z', reason: 'locked', lockedUntil: '2026-03-01T09:15:00.000Z' });
    expect((await verify('bjensen', 'wrong-again')).status).toBe(423);
    expect(lifecycleOf(await read(id))).toMatchObject({ failedSignIns: 5 });
  });

  it('a timed lock lifts by itself; a success resets the count; an unlock too', async () => {
    const id = String((await createUser('bjensen')).id);
    for (let attempt = 1; attempt <= 5; attempt++) await verify('bjensen', 'wrong');
    clock.advance(14 * MINUTE);
    expect((await verify('bjensen', PASSWORD)).status).toBe(423);
    clock.advance(MINUTE);
    expect((await verify('bjensen', PASSWORD)).status).toBe(200);
    expect(lifecycleOf(await read(id))).toMatchObject({ state: 'active', failedSignIns: 0, lastSignIn: '2026-03-01T09:15:00.000Z' });
    for (let attempt = 1; attempt <= 3; attempt++) await verify('bjensen', 'wrong');
    expect(lifecycleOf(await read(id))).toMatchObject({ failedSignIns: 3 });
    expect((await verify('bjensen', PASSWORD)).status).toBe(200);
    expect(lifecycleOf(await read(id))).toMatchObject({ failedSignIns: 0 });
  });

  it('refuses a correct password of a disabled, expired, pending or flagged account with 403 and a reason; a wrong one stays 401', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['disabled', { active: false }, 'disabled'],
      ['expired', { [LIFECYCLE]: { state: 'expired' } }, 'expired'],
      ['pending', { [LIFECYCLE]: { state: 'pending' } }, 'pending'],
      ['temporary', { [LIFECYCLE]: { mustChangePassword: true } }, 'mustChangePassword'],
    ];
    for (const [userName, extra, reason] of cases) {
      await createUser(userName, extra);
      const refused = await verify(userName, PASSWORD);
      expect({ userName, status: refused.status, reason: refused.body.reason, detail: typeof refused.body.detail }).toEqual({ userName, status: 403, reason, detail: 'string' });
      const guessed = await verify(userName, 'a-wrong-guess');
      expect({ userName, status: guessed.status, body: guessed.body }).toEqual({ userName, status: 401, body: (await verify('nobody', 'x-y-z-w')).body });
    }
  });

  it("follows the tenant's lockout settings: threshold, window and duration (0: until unlocked)", async () => {
    const id = String((await createUser('bjensen')).id);
    await setting(a, { 'lockout.threshold': '2', 'lockout.durationMinutes': '0', 'lockout.windowMinutes': '5' });
    await verify('bjensen', 'wrong');
    clock.advance(6 * MINUTE);
    // Outside the window: the count starts again at 1.
    await verify('bjensen', 'wrong');
    expect(lifecycleOf(await read(id))).toMatchObject({ state: 'active', failedSignIns: 1 });
    await verify('bjensen', 'wrong');
    const locked = lifecycleOf(await read(id));
    expect(locked).toMatchObject({ state: 'locked', failedSignIns: 2 });
    expect(locked.lockedUntil).toBeUndefined();
    clock.advance(365 * 24 * 60 * MINUTE);
    const still = await verify('bjensen', PASSWORD);
    expect(still.body).toEqual({ schemas: [ERROR_SCHEMA], status: '423', detail: 'The account is locked until an administrator unlocks it', reason: 'locked' });
    await post(a, `/Users/${id}/unlock`);
    expect((await verify('bjensen', PASSWORD)).status).toBe(200);

    await setting(a, { 'lockout.threshold': '0' });
    for (let attempt = 1; attempt <= 8; attempt++) expect((await verify('bjensen', 'wrong')).status).toBe(401);
    expect(lifecycleOf(await read(id))).toMatchObject({ state: 'active', failedSignIns: 8 });
  });

  it('runs the same hash work for an unknown user, a user without a password and a wrong password', async () => {
    const derive = recordingDerive();
    await t.close();
    t = await createTestApp({}, { clock: clock.now, passwords: cheapPasswords(derive) });
    a = await t.tenant({ scopes: ALL });
    await createUser('bjensen');
    await post(a, '/Users', user('nopassword'));
    // The decoy hash is made once, at the first check.
    await verify('warm-up', 'x');
    const work = async (userName: string, password: string) => {
      derive.calls.length = 0;
      const res = await verify(userName, password);
      return { status: res.status, body: res.body, derivations: [...derive.calls] };
    };
    const unknown = await work('nobody', 'guess-1');
    const noPassword = await work('nopassword', 'guess-1');
    const wrong = await work('bjensen', 'guess-1');
    expect(unknown.derivations).toEqual([{ ln: 6, r: 8, p: 1 }]);
    expect(noPassword).toEqual(unknown);
    expect(wrong).toEqual(unknown);
    // A correct password costs the same single verification.
    expect((await work('bjensen', PASSWORD)).derivations).toEqual(unknown.derivations);
    // A locked account answers 423 before any password is tested: no guess is checked against its hash.
    await post(a, `/Users/${String((await createUser('locked-one')).id)}/lock`, {});
    const locked = await work('locked-one', PASSWORD);
    expect({ status: locked.status, derivations: locked.derivations }).toEqual({ status: 423, derivations: [] });
  });
});

describe('the `active` rule for identity providers', () => {
  const patchActive = (id: string, value: unknown, tenant = a) =>
    request(t.app).patch(`${SCIM}/Users/${id}`).set(tenant.auth).send({ schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value }] });

  it('active:false disables; active:true re-enables a disabled account only, never lifting a lock or an expiry', async () => {
    const id = String((await createUser('bjensen')).id);
    expect(lifecycleOf((await patchActive(id, 'False')).body)).toMatchObject({ state: 'disabled' });
    expect((await patchActive(id, 'True')).body).toMatchObject({ active: true, [LIFECYCLE]: { state: 'active' } });

    await post(a, `/Users/${id}/lock`, { reason: 'Brute force' });
    const stillLocked = await patchActive(id, true);
    expect(stillLocked.status).toBe(200);
    expect(stillLocked.body).toMatchObject({ active: false, [LIFECYCLE]: { state: 'locked', stateReason: 'Brute force' } });
    // Nothing changed, so nothing was written: the version the lock wrote.
    expect(stillLocked.headers.etag).toBe('W/"4"');
    // Okta deactivates and re-activates with PUT, sending `active` every time.
    const put = (active: boolean) =>
      request(t.app).put(`${SCIM}/Users/${id}`).set(a.auth).send(user('bjensen', { active, name: { givenName: 'Barbara' } }));
    expect((await put(true)).body).toMatchObject({ active: false, name: { givenName: 'Barbara' }, [LIFECYCLE]: { state: 'locked' } });
    expect(lifecycleOf((await put(false)).body)).toMatchObject({ state: 'disabled' });
    expect(lifecycleOf((await put(true)).body)).toMatchObject({ state: 'active' });

    await request(t.app).put(`${SCIM}/Users/${id}/state`).set(a.auth).send({ state: 'Expired' });
    expect((await patchActive(id, true)).body).toMatchObject({ active: false, [LIFECYCLE]: { state: 'expired' } });
    // A PATCH that does not name `active` leaves the state alone, though the user's `active` is false.
    expect(lifecycleOf((await request(t.app).patch(`${SCIM}/Users/${id}`).set(a.auth).send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Guide' }] })).body)).toMatchObject({ state: 'expired' });
    expect(lifecycleOf((await patchActive(id, false)).body)).toMatchObject({ state: 'disabled' });
  });

  it('applies through Bulk as through PATCH', async () => {
    const id = String((await createUser('bjensen')).id);
    await post(a, `/Users/${id}/lock`);
    const bulk = await post(a, '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'PATCH', path: `/Users/${id}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] } },
        { method: 'PATCH', path: `/Users/${id}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] } },
      ],
    });
    expect(bulk.body.Operations.map((operation: { status: string; version?: string }) => [operation.status, operation.version])).toEqual([
      ['200', 'W/"2"'],
      ['200', 'W/"3"'],
    ]);
    expect(lifecycleOf(await read(id))).toMatchObject({ state: 'disabled' });
  });

  it('an action route and the SCIM PATCH with the same effect store the same user at the same version', async () => {
    const one = String((await createUser('one')).id);
    const two = String((await createUser('two')).id);
    const comparable = (body: Record<string, unknown>) => ({ ...body, id: 'x', userName: 'x', meta: { ...(body.meta as object), location: 'x', created: 'x' } });
    clock.advance(MINUTE);
    const byRoute = await post(a, `/Users/${one}/disable`);
    const byPatch = await patchActive(two, false);
    expect(comparable(byRoute.body)).toEqual(comparable(byPatch.body));
    expect([byRoute.headers.etag, byPatch.headers.etag]).toEqual(['W/"2"', 'W/"2"']);
    clock.advance(MINUTE);
    expect(comparable((await post(a, `/Users/${one}/enable`)).body)).toEqual(comparable((await patchActive(two, true)).body));
    const byPasswordRoute = await post(a, `/Users/${one}/password`, { password: 'Brand-New-Pass-1' });
    const byPasswordPatch = await request(t.app).patch(`${SCIM}/Users/${two}`).set(a.auth).send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: 'Brand-New-Pass-1' }] });
    expect(byPasswordRoute.headers.etag).toBe(byPasswordPatch.headers.etag);
    expect(comparable(await read(one))).toEqual(comparable(await read(two)));
  });
});

describe('create', () => {
  it('takes state and mustChangePassword; the state follows `active` otherwise; they cannot change through SCIM', async () => {
    const pending = await createUser('invited', { [LIFECYCLE]: { state: 'Pending', mustChangePassword: true } });
    expect(pending).toMatchObject({ active: false, [LIFECYCLE]: { state: 'pending', mustChangePassword: true, passwordExpired: false } });
    expect(lifecycleOf(await createUser('off', { active: false }))).toMatchObject({ state: 'disabled' });
    const refused = await post(a, '/Users', user('odd', { [LIFECYCLE]: { state: 'asleep' } }));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('must be one of active, disabled, locked, expired, pending') });
    // readOnly attributes a client sends are ignored; the immutable ones may not change afterwards.
    const ignored = await createUser('sneaky', { [LIFECYCLE]: { lockedUntil: '2030-01-01T00:00:00Z', failedSignIns: 3, lastSignIn: '2020-01-01T00:00:00Z' } });
    expect(lifecycleOf(ignored)).toEqual({ state: 'active', stateChangedAt: '2026-03-01T09:00:00.000Z', passwordExpired: false, mustChangePassword: false });
    const id = String(pending.id);
    const patch = await request(t.app).patch(`${SCIM}/Users/${id}`).set(a.auth).send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: `${LIFECYCLE}:state`, value: 'active' }] });
    expect(patch.body).toMatchObject({ status: '400', scimType: 'mutability' });
    const put = await request(t.app).put(`${SCIM}/Users/${id}`).set(a.auth).send(user('invited', { [LIFECYCLE]: { state: 'active' } }));
    expect(put.body).toMatchObject({ status: '400', scimType: 'mutability' });
    // A PUT that leaves the extension out (what identity providers send) keeps the lifecycle as it is.
    const kept = await request(t.app).put(`${SCIM}/Users/${id}`).set(a.auth).send(user('invited', { title: 'New' }));
    expect(kept.body).toMatchObject({ title: 'New', active: false, [LIFECYCLE]: { state: 'pending', mustChangePassword: true } });
  });
});

describe('sign-in history', () => {
  it('lists time, outcome, reason and client address, newest first, cursor-paged like RFC 9865 lists', async () => {
    const id = String((await createUser('bjensen')).id);
    const outcomes: Array<[string, number]> = [['wrong-1', 401], [PASSWORD, 200], ['wrong-2', 401]];
    for (const [password, status] of outcomes) {
      clock.advance(MINUTE);
      expect((await verify('bjensen', password)).status).toBe(status);
    }
    await post(a, `/Users/${id}/disable`);
    clock.advance(MINUTE);
    await verify('bjensen', PASSWORD);
    const first = await request(t.app).get(`${SCIM}/Users/${id}/sign-ins?count=3`).set(a.auth);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 4, itemsPerPage: 3, nextCursor: expect.any(String) });
    const entries = first.body.Resources as Array<Record<string, unknown>>;
    expect(entries.map((entry) => [entry.time, entry.outcome, entry.reason])).toEqual([
      ['2026-03-01T09:04:00.000Z', 'failure', 'disabled'],
      ['2026-03-01T09:03:00.000Z', 'failure', 'wrongPassword'],
      ['2026-03-01T09:02:00.000Z', 'success', undefined],
    ]);
    expect(entries[0]).toEqual({ schemas: ['urn:scim-server:params:scim:schemas:lifecycle:2.0:SignIn'], id: expect.any(String), time: '2026-03-01T09:04:00.000Z', outcome: 'failure', reason: 'disabled', clientAddress: expect.stringMatching(/127\.0\.0\.1/) });
    const second = await request(t.app).get(`${SCIM}/Users/${id}/sign-ins`).query({ count: 3, cursor: first.body.nextCursor }).set(a.auth);
    expect(second.body).toMatchObject({ totalResults: 4, itemsPerPage: 1, Resources: [{ time: '2026-03-01T09:01:00.000Z', reason: 'wrongPassword' }] });
    expect(second.body.nextCursor).toBeUndefined();
    // A cursor is bound to the user and the tenant it was issued for.
    const other = String((await createUser('other')).id);
    expect((await request(t.app).get(`${SCIM}/Users/${other}/sign-ins`).query({ cursor: first.body.nextCursor }).set(a.auth)).body).toMatchObject({ status: '400', scimType: 'invalidCursor' });
    expect((await request(t.app).get(`${SCIM}/Users/${other}/sign-ins`).set(a.auth)).body).toMatchObject({ totalResults: 0, Resources: [] });
    // Deleting the user deletes its history.
    await request(t.app).delete(`${SCIM}/Users/${id}`).set(a.auth);
    expect(await t.store.signIns.count(a.tenant.id, id)).toBe(0);
    expect((await request(t.app).get(`${SCIM}/Users/${id}/sign-ins`).set(a.auth)).status).toBe(404);
  });
});

describe('filters and sorting on the extension', () => {
  it('filter by state and lastSignIn, sort by lastSignIn, as any attribute', async () => {
    const ids: Record<string, string> = {};
    for (const name of ['early', 'late', 'never', 'locked']) ids[name] = String((await createUser(name)).id);
    await verify('early', PASSWORD);
    clock.advance(60 * MINUTE);
    await verify('late', PASSWORD);
    await post(a, `/Users/${ids.locked}/lock`);
    const list = async (query: Record<string, string>) =>
      ((await request(t.app).get(`${SCIM}/Users`).query({ ...query, attributes: 'userName' }).set(a.auth)).body.Resources as Array<{ userName: string }>).map((found) => found.userName);
    expect(await list({ filter: `${LIFECYCLE}:state eq "locked"` })).toEqual(['locked']);
    expect(await list({ filter: `${LIFECYCLE}:lastSignIn lt "2026-03-01T09:30:00Z"` })).toEqual(['early']);
    expect(await list({ filter: `${LIFECYCLE}:lastSignIn pr and ${LIFECYCLE}:state eq "active"`, sortBy: `${LIFECYCLE}:lastSignIn`, sortOrder: 'descending' })).toEqual(['late', 'early']);
    expect(await list({ sortBy: `${LIFECYCLE}:lastSignIn` })).toEqual(['early', 'late', ...[ids.never, ids.locked].sort().map((id) => (id === ids.never ? 'never' : 'locked'))]);
    expect(await list({ filter: 'active eq false' })).toEqual(['locked']);
  });
});

describe('password policy', () => {
  it('refuses a short password or the current one, on every write path, with 400 invalidValue naming the rule', async () => {
    const id = String((await createUser('bjensen')).id);
    const tooShort = await post(a, '/Users', user('short', { password: 'Ab1!' }));
    expect(tooShort.body).toMatchObject({ status: '400', scimType: 'invalidValue', detail: expect.stringContaining('at least 8 characters long (passwords.minLength)') });
    const paths = [
      () => request(t.app).put(`${SCIM}/Users/${id}`).set(a.auth).send(user('bjensen', { password: PASSWORD })),
      () => request(t.app).patch(`${SCIM}/Users/${id}`).set(a.auth).send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: PASSWORD }] }),
      () => post(a, `/Users/${id}/password`, { password: PASSWORD }),
    ];
    for (const send of paths) {
      const res = await send();
      expect(res.body).toMatchObject({ status: '400', scimType: 'invalidValue', detail: expect.stringContaining('must differ from the user\'s current password (passwords.refuseCurrent)') });
    }
    const bulk = await post(a, '/Bulk', {
      schemas: [BULK],
      Operations: [{ method: 'PATCH', path: `/Users/${id}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: 'short' }] } }],
    });
    expect(bulk.body.Operations[0]).toMatchObject({ status: '400', response: { scimType: 'invalidValue', detail: expect.stringContaining('passwords.minLength') } });
    expect((await read(id)).meta).toMatchObject({ version: 'W/"1"' });

    await setting(a, { 'passwords.minLength': '4', 'passwords.refuseCurrent': 'false' });
    expect((await post(a, `/Users/${id}/password`, { password: PASSWORD })).status).toBe(204);
    expect((await post(a, `/Users/${id}/password`, { password: 'Ab1!' })).status).toBe(204);
    expect((await verify('bjensen', 'Ab1!')).status).toBe(200);
  });
});

describe('scopes and tenants', () => {
  it('verify-credentials needs scim:credentials, and a credentials-only token can do nothing else', async () => {
    const id = String((await createUser('bjensen')).id);
    const writer = await t.tenant({ scopes: [Scope.read, Scope.write] });
    const checker = { auth: { Authorization: `Bearer ${await t.tokenFor(a.tenant, [Scope.credentials])}` } } as TestTenant;
    const readWrite = { auth: { Authorization: `Bearer ${await t.tokenFor(a.tenant, [Scope.read, Scope.write])}` } } as TestTenant;
    expect((await verify('bjensen', PASSWORD, readWrite)).status).toBe(403);
    expect((await verify('bjensen', PASSWORD, writer)).status).toBe(403);
    expect((await verify('bjensen', PASSWORD, checker)).status).toBe(200);
    expect((await request(t.app).get(`${SCIM}/Users/${id}`).set(checker.auth)).status).toBe(403);
    expect((await request(t.app).get(`${SCIM}/Users/${id}/sign-ins`).set(checker.auth)).status).toBe(403);
    expect((await post(checker, `/Users/${id}/lock`)).status).toBe(403);
    const reader = { auth: { Authorization: `Bearer ${await t.tokenFor(a.tenant, [Scope.read])}` } } as TestTenant;
    for (const path of ['lock', 'unlock', 'disable', 'enable', 'password', 'password/expire']) expect((await post(reader, `/Users/${id}/${path}`, {})).status).toBe(403);
    expect((await request(t.app).put(`${SCIM}/Users/${id}/state`).set(reader.auth).send({ state: 'locked' })).status).toBe(403);
    expect((await request(t.app).get(`${SCIM}/Users/${id}/sign-ins`).set(reader.auth)).status).toBe(200);
    expect(lifecycleOf(await read(id)).state).toBe('active');
  });

  it("every route treats another tenant's user as one that does not exist", async () => {
    const theirs = await t.tenant({ scopes: ALL });
    const id = String((await createUser('bjensen', {}, theirs)).id);
    const routes: Array<[string, () => request.Test]> = [
      ['lock', () => post(a, `/Users/${id}/lock`)],
      ['unlock', () => post(a, `/Users/${id}/unlock`)],
      ['disable', () => post(a, `/Users/${id}/disable`)],
      ['enable', () => post(a, `/Users/${id}/enable`)],
      ['state', () => request(t.app).put(`${SCIM}/Users/${id}/state`).set(a.auth).send({ state: 'disabled' })],
      ['password', () => post(a, `/Users/${id}/password`, { password: 'Another-Pass-1' })],
      ['password/expire', () => post(a, `/Users/${id}/password/expire`)],
      ['sign-ins', () => request(t.app).get(`${SCIM}/Users/${id}/sign-ins`).set(a.auth)],
    ];
    for (const [name, send] of routes) expect({ name, status: (await send()).status }).toEqual({ name, status: 404 });
    // Their user name is unknown here: the same 401 as any unknown user, and their user counts no failure.
    expect((await verify('bjensen', PASSWORD)).body).toEqual((await verify('nobody', PASSWORD)).body);
    const stored = await read(id, theirs);
    expect(stored.meta).toMatchObject({ version: 'W/"1"' });
    expect(lifecycleOf(stored)).toEqual({ state: 'active', stateChangedAt: '2026-03-01T09:00:00.000Z', passwordExpired: false, mustChangePassword: false });
    expect(await t.store.signIns.count(theirs.tenant.id, id)).toBe(0);
  });
});

describe('discovery', () => {
  it("says that passwords can be changed, and lists the product's User extension", async () => {
    const config = await request(t.app).get(`${SCIM}/ServiceProviderConfig`).set(a.auth);
    expect(config.body.changePassword).toEqual({ supported: true });
    const schema = await request(t.app).get(`${SCIM}/Schemas/${LIFECYCLE}`).set(a.auth);
    expect(schema.status).toBe(200);
    expect(schema.body.attributes.map((attribute: { name: string; mutability: string }) => [attribute.name, attribute.mutability])).toEqual([
      ['state', 'immutable'],
      ['stateChangedAt', 'readOnly'],
      ['stateReason', 'readOnly'],
      ['lockedUntil', 'readOnly'],
      ['failedSignIns', 'readOnly'],
      ['passwordExpired', 'readOnly'],
      ['mustChangePassword', 'immutable'],
      // README "Export and import": the id an imported user had on the server it came from.
      ['originalId', 'readOnly'],
      ['lastSignIn', 'readOnly'],
    ]);
  });
});
