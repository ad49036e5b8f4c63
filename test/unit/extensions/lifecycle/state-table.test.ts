// The account state machine, every state × every action, on both stores: each action either applies, giving the
// state in the table (the version moves by exactly one when something changed, not at all when nothing did), or is
// refused with 409 naming the current state and nothing written. The table is written out here, independently of
// src/extensions/lifecycle/state-machine.ts, as README "Account lifecycle" states it.
import { tokenContext } from '../../../helpers/request-context';
import { LIFECYCLE, manualClock, MINUTE, servicesOn } from '../../../helpers/lifecycle';
import type { Services } from '../../../../src/services';
import type { Store } from '../../../../src/store/tenant-store';
import { STORES } from './stores';

const STATES = ['active', 'disabled', 'locked', 'expired', 'pending'] as const;
type State = (typeof STATES)[number];
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const CONTEXT = tokenContext('t1');

/** What each action does from each state: the resulting state, or 409. */
const TABLE: Record<string, Record<State, State | 409>> = {
  lock: { active: 'locked', disabled: 409, locked: 'locked', expired: 409, pending: 409 },
  unlock: { active: 409, disabled: 409, locked: 'active', expired: 409, pending: 409 },
  disable: { active: 'disabled', disabled: 409, locked: 'disabled', expired: 'disabled', pending: 'disabled' },
  enable: { active: 409, disabled: 'active', locked: 409, expired: 409, pending: 409 },
  'state active': { active: 'active', disabled: 'active', locked: 'active', expired: 'active', pending: 'active' },
  'state locked': { active: 'locked', disabled: 'locked', locked: 'locked', expired: 'locked', pending: 'locked' },
  'state disabled': { active: 'disabled', disabled: 'disabled', locked: 'disabled', expired: 'disabled', pending: 'disabled' },
  'state expired': { active: 'expired', disabled: 'expired', locked: 'expired', expired: 'expired', pending: 'expired' },
  'password expire': { active: 'active', disabled: 'disabled', locked: 'locked', expired: 'expired', pending: 'pending' },
  'new password': { active: 'active', disabled: 'disabled', locked: 'locked', expired: 'expired', pending: 'pending' },
  'PATCH active false': { active: 'disabled', disabled: 'disabled', locked: 'disabled', expired: 'disabled', pending: 'disabled' },
  'PATCH active true': { active: 'active', disabled: 'active', locked: 'locked', expired: 'expired', pending: 'pending' },
};

/** Actions that change something besides the state even when the state stays (a reason, a flag, a hash). */
const ALWAYS_WRITES = new Set(['lock', 'password expire', 'new password']);

type Run = (services: Services, id: string) => Promise<unknown>;
const ACTIONS: Record<string, Run> = {
  lock: (s, id) => s.lifecycle.lock(CONTEXT, id, { reason: 'Table test' }),
  unlock: (s, id) => s.lifecycle.unlock(CONTEXT, id, {}),
  disable: (s, id) => s.lifecycle.disable(CONTEXT, id, {}),
  enable: (s, id) => s.lifecycle.enable(CONTEXT, id, {}),
  'state active': (s, id) => s.lifecycle.setState(CONTEXT, id, { state: 'None' }),
  'state locked': (s, id) => s.lifecycle.setState(CONTEXT, id, { state: 'Locked' }),
  'state disabled': (s, id) => s.lifecycle.setState(CONTEXT, id, { state: 'disabled' }),
  'state expired': (s, id) => s.lifecycle.setState(CONTEXT, id, { state: 'EXPIRED' }),
  'password expire': (s, id) => s.lifecycle.expirePassword(CONTEXT, id, undefined),
  'new password': (s, id) => s.lifecycle.setPassword(CONTEXT, id, { password: 'A-new-password-1' }),
  'PATCH active false': (s, id) => s.resources.patch(CONTEXT, s.resources.resourceType('User'), id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] }),
  'PATCH active true': (s, id) => s.resources.patch(CONTEXT, s.resources.resourceType('User'), id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] }),
};

describe.each(STORES)('account state machine on %s', (_name, makeStore) => {
  let store: Store;
  let services: Services;
  beforeAll(async () => {
    store = await makeStore();
    services = servicesOn(store, manualClock());
  });
  afterAll(() => store.close());

  const cells = STATES.flatMap((from) => Object.keys(TABLE).map((action) => [from, action] as const));
  let n = 0;

  it.each(cells)('from %s, %s', async (from, action) => {
    const type = services.resources.resourceType('User');
    const created = await services.resources.create(CONTEXT, type, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', LIFECYCLE],
      userName: `user-${++n}`,
      password: 'First-password-1',
      [LIFECYCLE]: { state: from },
    });
    const expected = TABLE[action][from];
    const outcome = await ACTIONS[action](services, created.id).then(
      () => 'done',
      (error: { status?: number; fields?: Record<string, string> }) => error,
    );
    const stored = (await store.resources.get('t1', 'User', created.id))!;
    const lifecycle = stored.attributes[LIFECYCLE] as Record<string, unknown>;
    if (expected === 409) {
      expect(outcome).toMatchObject({ status: 409, fields: { state: from } });
      expect(stored.version).toBe(1);
      expect(lifecycle.state).toBe(from);
      return;
    }
    expect(outcome).toBe('done');
    expect({ state: lifecycle.state, active: stored.attributes.active }).toEqual({ state: expected, active: expected === 'active' });
    expect(stored.version).toBe(expected !== from || ALWAYS_WRITES.has(action) ? 2 : 1);
    if (action === 'password expire') expect(lifecycle.passwordExpired).toBe(true);
    if (expected !== 'locked') expect(lifecycle.lockedUntil).toBeUndefined();
    if (expected === 'active') expect(lifecycle.stateReason).toBeUndefined();
  });

  it('stamps stateChangedAt on a change of state only, and lockedUntil while a timed lock holds', async () => {
    const clock = manualClock('2026-05-01T00:00:00.000Z');
    const timed = servicesOn(store, clock);
    const type = timed.resources.resourceType('User');
    const created = await timed.resources.create(CONTEXT, type, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'stamped' });
    clock.advance(MINUTE);
    const locked = await timed.lifecycle.lock(CONTEXT, created.id, { until: '2026-05-02T00:00:00Z', reason: 'First' });
    expect(locked.attributes[LIFECYCLE]).toMatchObject({ state: 'locked', stateChangedAt: '2026-05-01T00:01:00.000Z', lockedUntil: '2026-05-02T00:00:00.000Z', stateReason: 'First' });
    clock.advance(MINUTE);
    const relocked = await timed.lifecycle.lock(CONTEXT, created.id, { reason: 'Second' });
    expect(relocked.attributes[LIFECYCLE]).toMatchObject({ state: 'locked', stateChangedAt: '2026-05-01T00:01:00.000Z', stateReason: 'Second' });
    expect((relocked.attributes[LIFECYCLE] as Record<string, unknown>).lockedUntil).toBeUndefined();
  });
});
