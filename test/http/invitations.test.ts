// Invitations over HTTP (README "Invitations"), on both stores: invite with one access for many addresses, the mail
// received by a real SMTP server in this process, its link accepted without a bearer token, the user then active with
// the roles and groups; an existing user invited; resend (the old link dead), cancel (the pending user removed, an
// existing user untouched), expiry with a moved clock (at accept and by the sweep); the domain allow-list; every check
// before any write; accept racing cancel and accept; tenant isolation, scopes and the link's visibility; filters and
// cursor paging; the per-address limit of accept; and no token in any log line.
import request from 'supertest';
import { Scope } from '../../src/auth/scopes';
import { createSmtpSender, type SmtpSender } from '../../src/extensions/invitations/smtp-sender';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { SYSTEM_TENANT_ID } from '../../src/store/job-store';
import type { Store } from '../../src/store/tenant-store';
import { buildWorkers } from '../../src/workers';
import type { WorkerHost } from '../../src/jobs/worker-host';
import { IN_MEMORY_STORES } from '../helpers/in-memory-stores';
import { cheapPasswords, LIFECYCLE, manualClock, type ManualClock } from '../helpers/lifecycle';
import { startSmtpInbox, type SmtpInbox } from '../helpers/smtp-inbox';
import { capturingLogger, createTestApp, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, user, type TestApp, type TestTenant } from '../helpers/test-app';

const ROLE_SCHEMA = 'urn:scim-server:params:scim:schemas:roles:2.0:Role';
const INVITATION_SCHEMA = 'urn:scim-server:params:scim:schemas:invitations:2.0:Invitation';
const DAY = 24 * 60 * 60 * 1000;
const PASSWORD = 'Correct-Horse-9';

let inbox: SmtpInbox;
let sender: SmtpSender;
beforeAll(async () => {
  inbox = await startSmtpInbox();
  sender = createSmtpSender(inbox.url);
});
afterAll(async () => {
  sender.close();
  await inbox.close();
});

/**
 * The store with its invitations' compare-and-set held at a gate while a race is on: the embedded store answers
 * synchronously, so two requests sent at once would otherwise never reach it together. With the gate, each racer has
 * read the invitation as pending and decided before either writes: the store's compare-and-set alone must pick one.
 */
/** `race(n)`: the next n compare-and-sets wait for each other; `race(0)`: no gate. */
function withRaceGate(inner: Store): { store: Store; race(racers: number): void } {
  let gate: { waiting: number; racers: number; open: () => void; opened: Promise<void> } | undefined;
  const finish: Store['invitations']['finish'] = async (...args) => {
    const current = gate;
    if (current) {
      current.waiting += 1;
      if (current.waiting === current.racers) current.open();
      await current.opened;
    }
    return inner.invitations.finish(...args);
  };
  return {
    store: { ...inner, invitations: { ...inner.invitations, finish } },
    race(racers) {
      if (racers === 0) {
        gate = undefined;
        return;
      }
      let open = () => undefined as void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      gate = { waiting: 0, racers, open, opened };
      // A racer that is refused before it writes must not hold the other one forever.
      setTimeout(open, 2000).unref();
    },
  };
}

describe.each(IN_MEMORY_STORES)('invitations on %s', (_name, openStore) => {
  let t: TestApp;
  let store: Store;
  let gated: ReturnType<typeof withRaceGate>;
  let clock: ManualClock;
  let a: TestTenant;
  let workers: WorkerHost;
  let log: ReturnType<typeof capturingLogger>;

  beforeEach(async () => {
    clock = manualClock();
    gated = withRaceGate(await openStore());
    store = gated.store;
    log = capturingLogger('debug');
    t = await createTestApp({ SCIM_SMTP_URL: inbox.url }, { store, clock: clock.now, passwords: cheapPasswords(), logger: log.logger });
    a = await t.tenant();
    workers = buildWorkers({ store, registry: loadBuiltinRegistry(), logger: log.logger, clock: clock.now, mail: { send: sender.send, from: 'Acme <no-reply@acme.example>' } });
    inbox.mails.length = 0;
    inbox.refuse(undefined);
  });
  afterEach(async () => {
    await workers.stop();
    await t.close();
  });

  const as = (who: TestTenant) => ({
    post: (path: string, body?: unknown) => request(t.app).post(`${SCIM}${path}`).set(who.auth).send(body as object),
    get: (path: string) => request(t.app).get(`${SCIM}${path}`).set(who.auth),
    delete: (path: string) => request(t.app).delete(`${SCIM}${path}`).set(who.auth),
  });
  const api = () => as(a);
  /**
   * The tenant's audit trail. The test app's own workers run on the real clock, and this test's clock stands in March
   * 2026: the tenant keeps its events for the longest retention, so that the retention sweep leaves them. (Those workers
   * would also expire this test's invitations: read the trail last.)
   */
  const auditTrail = async () => {
    await t.store.settings.update(a.tenant.id, { set: { 'audit.retentionDays': '3650' }, at: clock.now().toISOString() });
    return t.auditEvents(a.tenant.id);
  };
  /** Worker rounds until one finds nothing to do: every due job (the sweeps, housekeeping) and outbox message handled. */
  const runWorkers = async () => {
    for (let round = 0; round < 10 && (await workers.runOnce()); round++);
  };
  const accept = (body: Record<string, unknown>) => request(t.app).post(`${SCIM}/Invitations/accept`).send(body);

  async function createRole(name: string, who = a): Promise<void> {
    expect((await as(who).post('/Roles', { schemas: [ROLE_SCHEMA], name })).status).toBe(201);
  }
  async function createGroup(displayName: string, who = a): Promise<string> {
    const res = await as(who).post('/Groups', { schemas: [GROUP_SCHEMA], displayName });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }
  async function invite(body: Record<string, unknown>, who = a): Promise<Array<{ email: string; status: string; id?: string; error?: Record<string, unknown> }>> {
    const res = await as(who).post('/Invitations', body);
    expect(res.status).toBe(200);
    return res.body.results;
  }
  async function inviteOne(email: string, extra: Record<string, unknown> = {}, who = a): Promise<string> {
    const [result] = await invite({ emails: [email], ...extra }, who);
    expect(result).toMatchObject({ email, status: 'pending' });
    return result.id!;
  }
  /** The current link of an invitation, as a scim:write token reads it (no SMTP delivery needed). */
  async function linkOf(id: string, who = a): Promise<string> {
    const res = await as(who).get(`/Invitations/${id}`);
    expect(res.status).toBe(200);
    return res.body.delivery.link as string;
  }
  const tokenOf = (link: string) => /#token=([A-Za-z0-9_-]+)/.exec(link)![1];
  async function userByName(userName: string, who = a): Promise<Record<string, unknown> | undefined> {
    const res = await as(who).get(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    return res.body.Resources[0];
  }

  it('invites by mail through a real SMTP server; the link accepted without a token activates the user with the roles and groups', async () => {
    await createRole('Admin');
    await createRole('Auditor');
    const engineering = await createGroup('Engineering');
    const sales = await createGroup('Sales');
    const results = await invite({ emails: ['ann@example.com', 'Bob@Example.com'], roles: ['admin', 'Auditor'], groups: [engineering, sales], message: 'Welcome <team> & "friends"' });
    expect(results).toEqual([
      { email: 'ann@example.com', status: 'pending', id: expect.any(String) },
      { email: 'Bob@Example.com', status: 'pending', id: expect.any(String) },
    ]);

    // Pending users exist before anyone accepts: not active, state pending, the address as userName and primary e-mail.
    const pending = await userByName('ann@example.com');
    expect(pending).toMatchObject({ active: false, userName: 'ann@example.com', emails: [{ value: 'ann@example.com', primary: true }], [LIFECYCLE]: { state: 'pending' } });
    const invitation = await api().get(`/Invitations/${results[0].id}`);
    expect(invitation.body).toMatchObject({
      schemas: [INVITATION_SCHEMA],
      id: results[0].id,
      email: 'ann@example.com',
      status: 'pending',
      expires: '2026-03-31T09:00:00.000Z',
      userId: pending!.id,
      userCreated: true,
      roles: ['Admin', 'Auditor'],
      groups: [engineering, sales],
      invitedBy: 'test',
      delivery: { method: 'smtp', status: 'queued', link: expect.stringMatching(/^http:\/\/localhost:8080\/scim\/v2\/Invitations\/accept#token=[A-Za-z0-9_-]{43}$/) },
    });

    // The request did not send anything; the worker does, from the outbox.
    expect(inbox.mails).toHaveLength(0);
    await runWorkers();
    // Both mails, in either order (they were written at the same instant).
    expect(inbox.mails.map((mail) => mail.to[0]).sort()).toEqual(['Bob@example.com', 'ann@example.com']);
    const mail = inbox.mails.find((received) => received.to[0] === 'ann@example.com')!;
    expect(mail.from).toBe('no-reply@acme.example');
    expect(mail.subject).toBe('You are invited by test');
    expect(mail.text).toContain('Welcome <team> & "friends"');
    expect(mail.text).toContain('2026-03-31T09:00:00.000Z');
    expect(mail.html).toContain('Welcome &lt;team&gt; &amp; &quot;friends&quot;');
    const link = /(http:\/\/\S+#token=[A-Za-z0-9_-]+)/.exec(mail.text)![1];
    expect(mail.html).toContain(`href="${link}"`);
    expect(link).toBe(invitation.body.delivery.link);
    expect((await api().get(`/Invitations/${results[0].id}`)).body.delivery).toEqual({ method: 'smtp', status: 'sent', sent: '2026-03-01T09:00:00.000Z', link });

    const accepted = await accept({ token: tokenOf(link), password: PASSWORD, name: { givenName: 'Ann', familyName: 'Smith' } });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ id: results[0].id, status: 'accepted', userId: pending!.id, userName: 'ann@example.com', roles: ['Admin', 'Auditor'] });

    const activated = (await api().get(`/Users/${pending!.id}`)).body;
    expect(activated).toMatchObject({ active: true, name: { givenName: 'Ann', familyName: 'Smith' }, [LIFECYCLE]: { state: 'active', mustChangePassword: false } });
    expect(activated.roles.map((role: { value: string }) => role.value).sort()).toEqual(['Admin', 'Auditor']);
    expect(activated.groups.map((group: { value: string }) => group.value).sort()).toEqual([engineering, sales].sort());
    for (const group of [engineering, sales]) {
      expect((await api().get(`/Groups/${group}`)).body.members).toEqual([expect.objectContaining({ value: pending!.id })]);
    }
    // The password given at accept signs in.
    const signIn = await t.tokenFor(a.tenant, [Scope.credentials]);
    const check = await request(t.app).post(`${SCIM}/Users/.verify-credentials`).set({ Authorization: `Bearer ${signIn}` }).send({ userName: 'ann@example.com', password: PASSWORD });
    expect(check.status).toBe(200);

    // The link is used up; the invitation stays readable as accepted, without its link.
    const again = await accept({ token: tokenOf(link) });
    expect(again.status).toBe(410);
    expect(again.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '410', reason: 'accepted' });
    expect(again.body.detail).toContain('accepted already');
    const read = (await api().get(`/Invitations/${results[0].id}`)).body;
    expect(read).toMatchObject({ status: 'accepted', statusChanged: '2026-03-01T09:00:00.000Z', delivery: { status: 'sent' } });
    expect(read.delivery.link).toBeUndefined();

    // No token or link in any log line.
    expect(log.text()).not.toContain(tokenOf(link));

    // The audit trail: the invite (by the token), each delivery (by the server), the accept and the refused second
    // accept (by the invitee, for the link's tenant), and never the token or the link.
    const events = await auditTrail();
    const invitationEvents = events.filter((event) => event.type.startsWith('INVITATION_'));
    const count = (type: string) => invitationEvents.filter((event) => event.type === type).length;
    expect({
      create: count('INVITATION_CREATE_SUCCESS'),
      delivered: count('INVITATION_DELIVER_SUCCESS'),
      accepted: count('INVITATION_ACCEPT_SUCCESS'),
      refused: count('INVITATION_ACCEPT_FAIL'),
      read: count('INVITATION_RETRIEVE_SUCCESS'),
    }).toEqual({ create: 1, delivered: 2, accepted: 1, refused: 1, read: 3 });
    expect(invitationEvents.find((event) => event.type === 'INVITATION_ACCEPT_SUCCESS')).toMatchObject({
      actor: { kind: 'invitee', tokenId: null },
      resource: { type: 'Invitation', id: results[0].id },
    });
    expect(invitationEvents.find((event) => event.type === 'INVITATION_ACCEPT_FAIL')).toMatchObject({ error: { status: 410 } });
    expect(invitationEvents.find((event) => event.type === 'INVITATION_DELIVER_SUCCESS')).toMatchObject({ actor: { kind: 'system' } });
    expect(JSON.stringify(events)).not.toContain(tokenOf(link));
  });

  it('gives an existing user with the address access on acceptance instead of creating a second one', async () => {
    await createRole('Admin');
    const existing = await api().post('/Users', user('carol', { emails: [{ value: 'Carol@Example.com', type: 'work' }], roles: [{ value: 'Admin' }] }));
    expect(existing.status).toBe(201);
    const id = await inviteOne('carol@example.com', { roles: ['Admin'] });
    expect((await api().get(`/Invitations/${id}`)).body).toMatchObject({ userId: existing.body.id, userCreated: false });
    expect((await api().get('/Users')).body.totalResults).toBe(1);
    const accepted = await accept({ token: tokenOf(await linkOf(id)) });
    expect(accepted.status).toBe(200);
    const after = (await api().get(`/Users/${existing.body.id}`)).body;
    expect(after).toMatchObject({ active: true, roles: [{ value: 'Admin' }] });
    expect((await api().get('/Users')).body.totalResults).toBe(1);
  });

  it('resends with a new link and expiry: the old link answers 410 superseded, the new one works; only while pending', async () => {
    const id = await inviteOne('dan@example.com', { expiresInDays: 2 });
    const first = await linkOf(id);
    clock.advance(DAY);
    const resent = await api().post(`/Invitations/${id}/resend`, { expiresInDays: 7 });
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ status: 'pending', expires: '2026-03-09T09:00:00.000Z' });
    const second = resent.body.delivery.link as string;
    expect(second).not.toBe(first);

    const old = await accept({ token: tokenOf(first) });
    expect(old.status).toBe(410);
    expect(old.body).toMatchObject({ reason: 'superseded' });
    expect(old.body.detail).toContain('newer link');

    await runWorkers();
    // Only the current link is mailed: the first message is dropped, not sent.
    expect(inbox.mails).toHaveLength(1);
    expect(inbox.mails[0].text).toContain(second);
    expect((await accept({ token: tokenOf(second) })).status).toBe(200);
    const late = await api().post(`/Invitations/${id}/resend`);
    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ reason: 'accepted' });
  });

  it('cancels: the pending user it created goes, an existing user stays untouched, the link answers 410', async () => {
    const created = await inviteOne('erin@example.com');
    const link = await linkOf(created);
    const pendingUser = await userByName('erin@example.com');
    expect((await api().delete(`/Invitations/${created}`)).status).toBe(204);
    expect((await api().get(`/Users/${pendingUser!.id}`)).status).toBe(404);
    expect((await api().get(`/Invitations/${created}`)).body).toMatchObject({ status: 'cancelled', delivery: { status: 'queued' } });
    expect((await api().get(`/Invitations/${created}`)).body.delivery.link).toBeUndefined();
    const refused = await accept({ token: tokenOf(link) });
    expect(refused.status).toBe(410);
    expect(refused.body).toMatchObject({ reason: 'cancelled' });
    const twice = await api().delete(`/Invitations/${created}`);
    expect(twice.status).toBe(410);

    const existing = await api().post('/Users', user('frank@example.com'));
    const forExisting = await inviteOne('frank@example.com');
    expect((await api().delete(`/Invitations/${forExisting}`)).status).toBe(204);
    const kept = await api().get(`/Users/${existing.body.id}`);
    expect(kept.status).toBe(200);
    expect(kept.headers.etag).toBe(existing.headers.etag);
    // Nothing was mailed for either.
    await runWorkers();
    expect(inbox.mails).toHaveLength(0);
  });

  it('expires: an accept after the expiry is 410 expired, and the sweep expires the others and removes their pending users', async () => {
    const soon = await inviteOne('gail@example.com', { expiresInDays: 1 });
    const later = await inviteOne('hank@example.com', { expiresInDays: 1 });
    const lasting = await inviteOne('ivy@example.com', { expiresInDays: 30 });
    clock.advance(DAY - 1);
    expect((await api().get(`/Invitations/${soon}`)).body.status).toBe('pending');
    clock.advance(1);
    const refused = await accept({ token: tokenOf(await linkOf(soon)) });
    expect(refused.status).toBe(410);
    expect(refused.body).toMatchObject({ reason: 'expired' });
    expect((await api().get(`/Invitations/${soon}`)).body.status).toBe('expired');
    expect(await userByName('gail@example.com')).toBeUndefined();

    await runWorkers();
    expect((await api().get(`/Invitations/${later}`)).body).toMatchObject({ status: 'expired', statusChanged: '2026-03-02T09:00:00.000Z' });
    expect(await userByName('hank@example.com')).toBeUndefined();
    expect((await api().get(`/Invitations/${lasting}`)).body.status).toBe('pending');
    expect((await api().post(`/Invitations/${later}/resend`)).status).toBe(410);
    // Expired links were never mailed; the lasting one was.
    expect(inbox.mails.map((mail) => mail.to[0])).toEqual(['ivy@example.com']);
    // (The lasting one is expired too by the test app's workers on the real clock, as auditTrail() says: left out here.)
    const expiries = (await auditTrail()).filter((event) => event.type === 'INVITATION_EXPIRE_SUCCESS' && event.resource?.id !== lasting);
    expect(expiries.map((event) => [event.resource?.id, event.actor.kind]).sort()).toEqual(
      [
        [soon, 'invitee'],
        [later, 'system'],
      ].sort(),
    );
  });

  it("refuses addresses outside the tenant's domains, naming the address and the domains, and writes nothing for them", async () => {
    await t.store.settings.update(a.tenant.id, { set: { 'invitations.allowedDomains': 'Example.com,example.org' }, at: clock.now().toISOString() });
    clock.advance(1001);
    const results = await invite({ emails: ['jo@example.com', 'kim@evil.example', 'not-an-address', 'jo@EXAMPLE.com'] });
    expect(results.map((result) => [result.email, result.status])).toEqual([
      ['jo@example.com', 'pending'],
      ['kim@evil.example', 'failed'],
      ['not-an-address', 'failed'],
      ['jo@EXAMPLE.com', 'failed'],
    ]);
    expect(results[1].error).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '400',
      scimType: 'invalidValue',
      detail: '"kim@evil.example" is outside the domains this tenant invites (invitations.allowedDomains): example.com, example.org',
    });
    expect(results[2].error).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect(results[3].error).toMatchObject({ status: '400', detail: expect.stringContaining('listed more than once') });
    expect(await userByName('kim@evil.example')).toBeUndefined();
    expect((await api().get(`/Invitations?filter=${encodeURIComponent('email eq "kim@evil.example"')}`)).body.totalResults).toBe(0);
    // A second invitation for a pending address is refused per address too (resend it instead).
    const [repeat] = await invite({ emails: ['JO@example.com'] });
    expect(repeat).toMatchObject({ status: 'failed', error: { status: '409', scimType: 'uniqueness' } });
  });

  it('checks every limit, role and group before any write', async () => {
    await createRole('Admin');
    const group = await createGroup('Eng');
    const tries: Array<[Record<string, unknown>, number, string]> = [
      [{ emails: ['a1@example.com'], roles: ['Admin', 'Ghost'] }, 400, 'no role "Ghost"'],
      [{ emails: ['a1@example.com'], groups: [group, 'no-such-group'] }, 400, 'No group "no-such-group"'],
      [{ emails: Array.from({ length: 101 }, (_, n) => `p${n}@example.com`) }, 400, 'at most 100'],
      [{ emails: ['a1@example.com'], expiresInDays: 31 }, 400, 'from 1 to 30'],
      [{ emails: [] }, 400, 'non-empty array'],
      [{ emails: ['a1@example.com'], unknown: true }, 400, 'does not take "unknown"'],
    ];
    for (const [body, status, detail] of tries) {
      const res = await api().post('/Invitations', body);
      expect({ status: res.status, detail: res.body.detail }).toEqual({ status, detail: expect.stringContaining(detail) });
    }
    expect((await api().get('/Users')).body.totalResults).toBe(0);
    expect((await api().get('/Invitations')).body.totalResults).toBe(0);
    // A group of another tenant is no group of this one.
    const b = await t.tenant({ name: 'b' });
    const theirs = await createGroup('Theirs', b);
    expect((await api().post('/Invitations', { emails: ['a1@example.com'], groups: [theirs] })).status).toBe(400);
  });

  it('lets exactly one of an accept and a cancel, or of two accepts, win; the other is answered 410', async () => {
    for (let round = 0; round < 6; round++) {
      const id = await inviteOne(`race${round}@example.com`);
      const token = tokenOf(await linkOf(id));
      gated.race(2);
      const racers =
        round % 2 === 0
          ? [accept({ token, password: PASSWORD }), api().delete(`/Invitations/${id}`)]
          : [accept({ token, password: PASSWORD }), accept({ token, password: PASSWORD })];
      const statuses = (await Promise.all(racers)).map((res) => res.status);
      expect(statuses.filter((status) => status === 410)).toHaveLength(1);
      expect(statuses.filter((status) => status === 200 || status === 204)).toHaveLength(1);
      gated.race(0);
      const final = (await api().get(`/Invitations/${id}`)).body.status;
      const user = await userByName(`race${round}@example.com`);
      // The winner's outcome, whole: accepted with an active user, or cancelled with the pending user gone.
      if (final === 'accepted') expect(user).toMatchObject({ active: true });
      else expect({ final, user }).toEqual({ final: 'cancelled', user: undefined });
    }
  });

  it('answers a retried POST with the same Idempotency-Key with the first answer, inviting once', async () => {
    const send = () => api().post('/Invitations', { emails: ['uma@example.com'] }).set('Idempotency-Key', 'invite-uma-1');
    const first = await send();
    const again = await send();
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await api().get('/Invitations')).body.totalResults).toBe(1);
  });

  it('accept: 404 for an unknown token, 400 for a bad body or a refused password (the link still works)', async () => {
    const unknown = await accept({ token: 'x'.repeat(43) });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404', detail: expect.stringContaining('No invitation has this link') });
    expect((await accept({})).status).toBe(400);
    expect((await accept({ token: 'x', password: 5 })).status).toBe(400);
    const id = await inviteOne('lee@example.com');
    const token = tokenOf(await linkOf(id));
    const weak = await accept({ token, password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.detail).toContain('passwords.minLength');
    expect((await api().get(`/Invitations/${id}`)).body.status).toBe('pending');
    expect((await accept({ token, password: PASSWORD })).status).toBe(200);
    // The accept route takes POST only; the others need a token as usual.
    expect((await request(t.app).get(`${SCIM}/Invitations/accept`)).status).toBe(405);
    expect((await request(t.app).get(`${SCIM}/Invitations`)).status).toBe(401);
  });

  it("keeps tenants apart: another tenant's invitation is 404 on every route and absent from its list", async () => {
    const id = await inviteOne('mia@example.com');
    const b = await t.tenant({ name: 'b' });
    expect((await as(b).get(`/Invitations/${id}`)).status).toBe(404);
    expect((await as(b).delete(`/Invitations/${id}`)).status).toBe(404);
    expect((await as(b).post(`/Invitations/${id}/resend`)).status).toBe(404);
    expect((await as(b).get('/Invitations')).body.totalResults).toBe(0);
    // The same address may be invited by each tenant; its users are each tenant's own.
    const theirs = await inviteOne('mia@example.com', {}, b);
    expect((await accept({ token: tokenOf(await linkOf(theirs, b)) })).status).toBe(200);
    expect((await as(b).get('/Users')).body.Resources[0]).toMatchObject({ userName: 'mia@example.com', active: true });
    expect((await api().get(`/Invitations/${id}`)).body.status).toBe('pending');
    expect(await userByName('mia@example.com')).toMatchObject({ active: false });
  });

  it('needs scim:write to invite, resend and cancel, scim:read to read; the link is shown only to scim:write', async () => {
    const id = await inviteOne('ned@example.com');
    const reader = { ...a, auth: { Authorization: `Bearer ${await t.tokenFor(a.tenant, [Scope.read])}` } };
    expect((await as(reader).post('/Invitations', { emails: ['x@example.com'] })).status).toBe(403);
    expect((await as(reader).post(`/Invitations/${id}/resend`)).status).toBe(403);
    expect((await as(reader).delete(`/Invitations/${id}`)).status).toBe(403);
    const read = await as(reader).get(`/Invitations/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.delivery).toEqual({ method: 'smtp', status: 'queued' });
    const writer = { ...a, auth: { Authorization: `Bearer ${await t.tokenFor(a.tenant, [Scope.write])}` } };
    expect((await as(writer).get(`/Invitations/${id}`)).status).toBe(403);
  });

  it('lists with filters on status, email and created, paged by cursor', async () => {
    const ids: string[] = [];
    for (const name of ['o1', 'o2', 'o3', 'o4', 'o5']) {
      ids.push(await inviteOne(`${name}@example.com`));
      clock.advance(60_000);
    }
    await api().delete(`/Invitations/${ids[1]}`);
    const page = async (query: string) => (await api().get(`/Invitations?${query}`)).body;
    const all = await page('count=2');
    expect(all).toMatchObject({ totalResults: 5, itemsPerPage: 2 });
    expect(all.Resources.map((entry: { id: string }) => entry.id)).toEqual(ids.slice(0, 2));
    expect(all.Resources[0].delivery).toBeUndefined();
    const next = await page(`count=2&cursor=${encodeURIComponent(all.nextCursor)}`);
    expect(next.Resources.map((entry: { id: string }) => entry.id)).toEqual(ids.slice(2, 4));
    const pendingOnly = await page(`filter=${encodeURIComponent('status eq "pending"')}`);
    expect(pendingOnly.Resources.map((entry: { id: string }) => entry.id)).toEqual([ids[0], ...ids.slice(2)]);
    expect((await page(`filter=${encodeURIComponent('email eq "O3@example.com"')}`)).Resources.map((entry: { id: string }) => entry.id)).toEqual([ids[2]]);
    const since = await page(`filter=${encodeURIComponent('created ge "2026-03-01T09:03:00Z" and status eq "pending"')}`);
    expect(since.Resources.map((entry: { id: string }) => entry.id)).toEqual(ids.slice(3));
    const bad = await api().get(`/Invitations?filter=${encodeURIComponent('userId eq "x"')}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ scimType: 'invalidFilter' });
    // A cursor of one filter is not accepted with another.
    expect((await api().get(`/Invitations?count=2&cursor=${encodeURIComponent(all.nextCursor)}&filter=${encodeURIComponent('status eq "pending"')}`)).status).toBe(400);
  });

  it("mails with the tenant's own templates, values escaped in the HTML part", async () => {
    await t.store.settings.update(a.tenant.id, {
      set: {
        'invitations.mailSubject': 'Join Acme before {{expires}}',
        'invitations.mailText': 'Hi {{email}}, {{inviter}} says: {{message}}\nOpen {{link}}',
        'invitations.mailHtml': '<h1>Acme</h1><p>{{message}}</p><a href="{{link}}">join</a>',
      },
      at: clock.now().toISOString(),
    });
    const id = await inviteOne('rae@example.com', { message: '<script>x</script>' });
    const link = await linkOf(id);
    await runWorkers();
    const [mail] = inbox.mails;
    expect(mail.subject).toBe('Join Acme before 2026-03-31T09:00:00.000Z');
    expect(mail.text.replace(/\r\n/g, '\n').trim()).toBe(`Hi rae@example.com, test says: <script>x</script>\nOpen ${link}`);
    expect(mail.html.trim()).toBe(`<h1>Acme</h1><p>&lt;script&gt;x&lt;/script&gt;</p><a href="${link}">join</a>`);
  });

  it('expires each invitation once when several instances run the sweep at the same time', async () => {
    const ids = [await inviteOne('sam@example.com', { expiresInDays: 1 }), await inviteOne('tia@example.com', { expiresInDays: 1 })];
    clock.advance(DAY);
    const other = buildWorkers({ store, registry: loadBuiltinRegistry(), logger: log.logger, clock: clock.now, workerId: 'second' });
    try {
      await Promise.all([workers.runOnce(), other.runOnce(), workers.runOnce(), other.runOnce()]);
      await runWorkers();
    } finally {
      await other.stop();
    }
    const { jobs: sweeps } = await store.jobs.list(SYSTEM_TENANT_ID, { limit: 50, type: 'invitations-sweep' });
    expect(sweeps.map((job) => job.status)).toEqual(['succeeded']);
    expect(sweeps[0].result).toEqual({ expired: 2 });
    for (const id of ids) expect((await api().get(`/Invitations/${id}`)).body.status).toBe('expired');
  });

  it('shows a delivery the SMTP server refused: retried while the refusal is temporary, failed when it is permanent', async () => {
    const id = await inviteOne('pat@example.com');
    inbox.refuse(451, 'Mailbox busy');
    await runWorkers();
    const retrying = (await api().get(`/Invitations/${id}`)).body.delivery;
    expect(retrying).toMatchObject({ status: 'retrying', attempts: 1, lastError: expect.stringContaining('451') });
    expect(retrying.lastError).not.toContain(tokenOf(retrying.link));
    inbox.refuse(550, 'No such mailbox');
    clock.advance(60 * 60 * 1000);
    await runWorkers();
    expect((await api().get(`/Invitations/${id}`)).body.delivery).toMatchObject({ status: 'failed', attempts: 2, lastError: expect.stringContaining('550') });
    expect(inbox.mails).toHaveLength(0);
    const failures = (await auditTrail()).filter((event) => event.type === 'INVITATION_DELIVER_FAIL');
    expect(failures.map((event) => event.error)).toEqual([{ status: 502 }, { status: 502 }]);
  });
});

describe('invitations without SMTP', () => {
  it('keeps the mail in the outbox and shows the link to scim:write tokens, so that an operator can deliver it', async () => {
    const t = await createTestApp();
    try {
      const a = await t.tenant();
      const res = await request(t.app).post(`${SCIM}/Invitations`).set(a.auth).send({ emails: ['quinn@example.com'] });
      const id = res.body.results[0].id as string;
      const read = await request(t.app).get(`${SCIM}/Invitations/${id}`).set(a.auth);
      expect(read.body.delivery).toEqual({ method: 'manual', status: 'queued', link: expect.stringContaining('/Invitations/accept#token=') });
      const [message] = await t.store.outbox.list(a.tenant.id, { limit: 10, topic: 'invitation-mail' });
      expect(message).toMatchObject({ status: 'pending', payload: { email: 'quinn@example.com', link: read.body.delivery.link } });
    } finally {
      await t.close();
    }
  });

  it('limits accepts per client address (20 a minute), answering 429 with Retry-After', async () => {
    const t = await createTestApp();
    try {
      const statuses: number[] = [];
      for (let n = 0; n < 21; n++) statuses.push((await request(t.app).post(`${SCIM}/Invitations/accept`).send({ token: `guess-${n}` })).status);
      expect(statuses.slice(0, 20).every((status) => status === 404)).toBe(true);
      const refused = await request(t.app).post(`${SCIM}/Invitations/accept`).send({ token: 'guess' });
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    } finally {
      await t.close();
    }
  });
});
