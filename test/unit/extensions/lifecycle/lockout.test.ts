// Lockout on both stores: counting under concurrency (50 parallel failed sign-ins at threshold 5 lock the account once
// and lose no count), a sign-in racing a lock never answered 200, and timed locks lifted by the clock, by a sign-in or
// by the sweep, which also deletes history past its retention.
import { tokenContext } from '../../../helpers/request-context';
import { interleavingStore } from '../../../helpers/interleaving-store';
import { LIFECYCLE, manualClock, MINUTE, servicesOn, type ManualClock } from '../../../helpers/lifecycle';
import type { Services } from '../../../../src/services';
import type { Store } from '../../../../src/store/tenant-store';
import { STORES } from './stores';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PASSWORD = 'Right-password-1';
const CONTEXT = tokenContext('t1', { clientAddress: '198.51.100.4' });
const DAY = 24 * 60 * MINUTE;

describe.each(STORES)('lockout on %s', (_name, makeStore) => {
  let store: Store;
  let clock: ManualClock;
  let services: Services;
  beforeEach(async () => {
    store = await makeStore();
    await store.tenants.createTenant({ id: 't1', name: 't1', profile: 'standard', created: '2026-01-01T00:00:00.000Z' });
    clock = manualClock('2026-06-01T12:00:00.000Z');
    services = servicesOn(store, clock);
  });
  afterEach(() => store.close());

  const createUser = async (userName: string, on = services) => (await on.resources.create(CONTEXT, on.resources.resourceType('User'), { schemas: [USER], userName, password: PASSWORD })).id;
  const verify = (userName: string, password: string, on = services) =>
    on.lifecycle.verifyCredentials(CONTEXT, { userName, password }).then(
      () => 200,
      (error: { status: number }) => error.status,
    );
  const stored = async (id: string) => (await store.resources.get('t1', 'User', id))!;
  const lifecycleOf = async (id: string) => {
    const user = await stored(id);
    return { ...(user.attributes[LIFECYCLE] as object), ...((user.unversioned.values.attributes as Record<string, object> | undefined)?.[LIFECYCLE] ?? {}), version: user.version };
  };

  it('50 parallel failed sign-ins at threshold 5 lock the account exactly once and lose no count', async () => {
    const id = await createUser('target');
    const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => verify('target', `wrong-${n}`)));
    expect(answers.filter((status) => status === 401)).toHaveLength(5);
    expect(answers.filter((status) => status === 423)).toHaveLength(45);
    // One lock (one versioned write), and exactly the five failures that were answered 401 counted.
    expect(await lifecycleOf(id)).toMatchObject({ state: 'locked', failedSignIns: 5, version: 2, lockedUntil: '2026-06-01T12:15:00.000Z' });
    const history = await store.signIns.list('t1', id, { limit: 100 });
    expect(history.entries.map((entry) => entry.reason).sort()).toEqual([...Array(45).fill('locked'), ...Array(5).fill('wrongPassword')].sort());
    expect(history.entries.every((entry) => entry.clientAddress === '198.51.100.4' && entry.outcome === 'failure')).toBe(true);
  });

  it('50 parallel failures at threshold 100 all count', async () => {
    await store.settings.update('t1', { set: { 'lockout.threshold': '100' }, at: clock.now().toISOString() });
    const id = await createUser('target');
    const answers = await Promise.all(Array.from({ length: 50 }, () => verify('target', 'wrong')));
    expect(answers.every((status) => status === 401)).toBe(true);
    expect(await lifecycleOf(id)).toMatchObject({ state: 'active', failedSignIns: 50, version: 1 });
    expect((await stored(id)).unversioned.revision).toBe(50);
  });

  it('a sign-in racing a lock is never answered 200 for the locked account: the lock landing before its write wins', async () => {
    const racing = interleavingStore(store);
    const raced = servicesOn(racing.store, clock);
    const id = await createUser('target', raced);
    // The sign-in reads the account (active), checks the password, and is about to record its success when an
    // administrator's lock lands.
    racing.beforeNextWrite(() => services.lifecycle.lock(CONTEXT, id, { reason: 'Incident' }));
    expect(await verify('target', PASSWORD, raced)).toBe(423);
    expect(racing.landed).toBe(1);
    expect(await lifecycleOf(id)).toMatchObject({ state: 'locked', stateReason: 'Incident' });
    expect((await stored(id)).unversioned.values).toEqual({});
    // A sign-in on a locked account decides on its read and writes nothing but its history: racing an unlock, it
    // answers 423 (read before the unlock) or 200 (after it), never anything else; after the unlock, 200.
    const [raceAnswer] = await Promise.all([verify('target', PASSWORD, raced), services.lifecycle.unlock(CONTEXT, id, {})]);
    expect([200, 423]).toContain(raceAnswer);
    expect(await verify('target', PASSWORD, raced)).toBe(200);
    expect(await lifecycleOf(id)).toMatchObject({ state: 'active', lastSignIn: '2026-06-01T12:00:00.000Z' });
  });

  it('a sign-in racing an unlock is never answered 200 while the account is still locked', async () => {
    const racing = interleavingStore(store);
    const raced = servicesOn(racing.store, clock);
    const id = await createUser('target');
    for (let attempt = 1; attempt <= 5; attempt++) await verify('target', 'wrong');
    expect(await lifecycleOf(id)).toMatchObject({ state: 'locked', failedSignIns: 5 });
    // The unlock writes twice: the failure count first (the account still locked), then the state. Sign-ins with the
    // right and a wrong password land between the two writes.
    const between: Array<number> = [];
    racing.beforeNextWrite(async () => {
      racing.beforeNextWrite(async () => {
        between.push(await verify('target', PASSWORD), await verify('target', 'wrong'));
        between.push((await lifecycleOf(id) as { failedSignIns?: number }).failedSignIns ?? -1);
      });
    });
    await raced.lifecycle.unlock(CONTEXT, id, {});
    expect(racing.landed).toBe(2);
    // Locked at that moment: 423 whatever the password, and the wrong one not counted.
    expect(between).toEqual([423, 423, 0]);
    expect(await lifecycleOf(id)).toMatchObject({ state: 'active', failedSignIns: 0 });
    expect(await verify('target', PASSWORD)).toBe(200);
  });

  it('many sign-ins with the right password racing a lock: each answer matches a state the account was in', async () => {
    const id = await createUser('target');
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, () => verify('target', PASSWORD)),
      services.lifecycle.lock(CONTEXT, id, {}).then(() => 'locked'),
      ...Array.from({ length: 20 }, () => verify('target', PASSWORD)),
    ]);
    expect(answers.filter((answer) => answer !== 200 && answer !== 423 && answer !== 'locked')).toEqual([]);
    expect(await lifecycleOf(id)).toMatchObject({ state: 'locked', version: 2 });
    // Every success was recorded before the lock's write: none after it.
    const history = (await store.signIns.list('t1', id, { limit: 100 })).entries;
    expect(history.filter((entry) => entry.outcome === 'success')).toHaveLength(answers.filter((answer) => answer === 200).length);
    expect(await verify('target', PASSWORD)).toBe(423);
  });

  it('a timed lock lifts by itself with the clock: at the next sign-in, or by the sweep', async () => {
    const first = await createUser('first');
    const second = await createUser('second');
    for (const userName of ['first', 'second']) for (let n = 0; n < 5; n++) await verify(userName, 'wrong');
    expect(await lifecycleOf(first)).toMatchObject({ state: 'locked', lockedUntil: '2026-06-01T12:15:00.000Z', version: 2 });
    clock.advance(14 * MINUTE + 59_000);
    expect(await verify('first', PASSWORD)).toBe(423);
    expect(await services.lifecycle.sweep(CONTEXT)).toEqual({ unlocked: 0, signInsDeleted: 0 });
    clock.advance(1000);
    expect(await verify('first', PASSWORD)).toBe(200);
    expect(await lifecycleOf(first)).toMatchObject({ state: 'active', failedSignIns: 0, version: 3, stateChangedAt: '2026-06-01T12:15:00.000Z' });
    expect(await services.lifecycle.sweep(CONTEXT)).toEqual({ unlocked: 1, signInsDeleted: 0 });
    expect(await lifecycleOf(second)).toMatchObject({ state: 'active', failedSignIns: 0, version: 3 });
    expect((await lifecycleOf(second) as Record<string, unknown>).lockedUntil).toBeUndefined();
    // A lock until an unlock is left alone by the sweep, however late.
    await services.lifecycle.lock(CONTEXT, second, {});
    clock.advance(400 * DAY);
    expect((await services.lifecycle.sweep(CONTEXT)).unlocked).toBe(0);
    expect(await lifecycleOf(second)).toMatchObject({ state: 'locked' });
  });

  it('the sweep deletes sign-ins past the tenant\'s retention, and only those', async () => {
    await store.settings.update('t1', { set: { 'signIns.retentionDays': '30' }, at: clock.now().toISOString() });
    const id = await createUser('target');
    await verify('target', PASSWORD);
    clock.advance(20 * DAY);
    await verify('target', 'wrong');
    clock.advance(11 * DAY);
    expect(await services.lifecycle.sweep(CONTEXT)).toEqual({ unlocked: 0, signInsDeleted: 1 });
    expect((await store.signIns.list('t1', id, { limit: 10 })).entries.map((entry) => entry.outcome)).toEqual(['failure']);
  });
});
