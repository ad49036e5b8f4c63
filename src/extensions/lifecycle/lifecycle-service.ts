// The account lifecycle service: the actions of the lifecycle routes, the credential check applications ask before a
// sign-in proceeds, the sign-in history, and the sweep of timed locks and old history. Store ports only, no HTTP.
//
// How it writes (the convention of every vendor extension, README "Extensions"):
//   - a state change is ONE versioned write through ResourceService.update, the generic write path of a SCIM PATCH:
//     compare-and-set on the version, a fresh decision (state-machine.ts) after a lost race, If-Match honoured, the ETag
//     of the answer moving on. So POST /Users/{id}/disable and PATCH `active: false` store the same resource.
//   - sign-in counters and the last sign-in are unversioned state (updateInternal): counting never moves the ETag or
//     meta.lastModified of the user. Decisions taken on the state read (count this failure; let this sign-in succeed)
//     are written only if the version did not move meanwhile, so a lock landing between the read and the write makes
//     the attempt read and decide again: a sign-in is never answered 200 for an account locked before its write.
import { randomBytes, randomUUID } from 'node:crypto';
import type { RequestContext } from '../../auth/request-context';
import type { ResourceService, WriteConditions } from '../../resources/resource-service';
import { mapStoreErrors } from '../../resources/store-errors';
import { type InternalChange, updateInternalWithRetry } from '../../resources/update-internal';
import type { Passwords } from '../../resources/users/password';
import { ScimError, scimErrors } from '../../scim/errors';
import { eTagListMatches } from '../../scim/etag';
import type { FilterAst } from '../../scim/filter/filter-ast';
import type { CursorBinding, CursorCodec } from '../../scim/list/cursor-codec';
import { resolveAttributePath } from '../../scim/paths/attribute-path';
import type { ResourceTypeDefinition } from '../../scim/schema/attribute';
import type { SchemaRegistry } from '../../scim/schema/registry';
import type { SettingsReader } from '../../settings/settings-reader';
import type { ResourceStore, StoredResource } from '../../store/resource-store';
import type { SignInEntry, SignInStore } from '../../store/sign-in-store';
import { ProductUrn } from '../product-urns';
import { AccountState, readCounters, readLifecycle, writeCounters, writeLifecycle, type Lifecycle } from './lifecycle-attributes';
import {
  parseCredentialsRequest,
  parseEmptyRequest,
  parseLockRequest,
  parsePasswordRequest,
  parseReasonRequest,
  parseStateRequest,
} from './lifecycle-requests';
import { afterFailure, afterSuccess, afterUnlock, lockEnd, lockoutPolicyOf, lockoutReached, type LockoutPolicy } from './lockout';
import { transition, type LifecycleAction } from './state-machine';

/** What POST /Users/.verify-credentials answers when the sign-in may proceed. */
export interface VerifiedSignIn {
  readonly id: string;
  readonly userName: string;
  readonly state: AccountState;
}

/** One page of a user's sign-in history, entries as the list shows them. */
export interface SignInHistoryPage {
  readonly resources: Record<string, unknown>[];
  readonly totalResults: number;
  readonly nextCursor?: string;
}

export interface LifecycleService {
  lock(context: RequestContext, id: string, body: unknown, conditions?: WriteConditions): Promise<StoredResource>;
  unlock(context: RequestContext, id: string, body: unknown, conditions?: WriteConditions): Promise<StoredResource>;
  disable(context: RequestContext, id: string, body: unknown, conditions?: WriteConditions): Promise<StoredResource>;
  enable(context: RequestContext, id: string, body: unknown, conditions?: WriteConditions): Promise<StoredResource>;
  setState(context: RequestContext, id: string, body: unknown, conditions?: WriteConditions): Promise<StoredResource>;
  setPassword(context: RequestContext, id: string, body: unknown, conditions?: WriteConditions): Promise<StoredResource>;
  expirePassword(context: RequestContext, id: string, body: unknown, conditions?: WriteConditions): Promise<StoredResource>;
  /** 200 (the result), or throws 401 / 423 / 403 as README "Account lifecycle" lists them. */
  verifyCredentials(context: RequestContext, body: unknown): Promise<VerifiedSignIn>;
  signIns(context: RequestContext, id: string, page: { readonly cursor?: string; readonly count: number }): Promise<SignInHistoryPage>;
  /** The sweep of one tenant: timed locks whose end has passed are lifted, history older than its retention goes. */
  sweep(context: RequestContext): Promise<{ readonly unlocked: number; readonly signInsDeleted: number }>;
}

export interface LifecycleServiceDeps {
  readonly resources: Pick<ResourceService, 'update'>;
  readonly store: Pick<ResourceStore, 'get' | 'list' | 'updateInternal'>;
  readonly signIns: SignInStore;
  readonly passwords: Pick<Passwords, 'hash' | 'verify'>;
  readonly settings: Pick<SettingsReader, 'forTenant'>;
  readonly registry: SchemaRegistry;
  /** Seals the RFC 9865 cursors of the sign-in history. */
  readonly cursors: CursorCodec;
  readonly clock?: () => Date;
  readonly newId?: () => string;
}

const OUTCOME = { success: 'success', failure: 'failure' } as const;
/** Why a sign-in was refused: the `reason` of the error body and of the history entry. */
const Reason = {
  wrongPassword: 'wrongPassword',
  locked: 'locked',
  disabled: 'disabled',
  expired: 'expired',
  pending: 'pending',
  passwordExpired: 'passwordExpired',
  mustChangePassword: 'mustChangePassword',
} as const;
type Reason = (typeof Reason)[keyof typeof Reason];

/** The one answer for an unknown user and a wrong password: the same status, detail and header. */
const invalidCredentials = () => scimErrors.unauthorized('The user name or password is incorrect');
const SWEEP_BATCH = 200;
const PURGE_BATCH = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

export function createLifecycleService(deps: LifecycleServiceDeps): LifecycleService {
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const userType = requireUserType(deps.registry);
  const path = (name: string) => {
    const resolved = resolveAttributePath(deps.registry, userType, name);
    if (!resolved) throw new Error(`The User schemas have no attribute ${name}`);
    return resolved;
  };
  const userNamePath = path('userName');
  const dueLocks = (now: string): FilterAst => ({
    kind: 'and',
    filters: [
      { kind: 'compare', op: 'eq', path: path(`${ProductUrn.user}:state`), value: AccountState.locked },
      { kind: 'compare', op: 'le', path: path(`${ProductUrn.user}:lockedUntil`), value: now },
    ],
  });

  /**
   * A hash of a random password at today's parameters, made once: an unknown user (or one without a password) is
   * checked against it, so that the answer costs one verification whether the user exists or not.
   */
  let dummy: Promise<string> | undefined;
  const dummyHash = (context: RequestContext) => {
    dummy ??= deps.passwords.hash(context, randomBytes(24).toString('base64url')).catch((error: unknown) => {
      dummy = undefined;
      throw error;
    });
    return dummy;
  };

  /** One versioned state change through the generic write path; 409 naming the state when the action does not apply. */
  const act = async (context: RequestContext, id: string, action: LifecycleAction, conditions?: WriteConditions): Promise<StoredResource> => {
    const { resource } = await deps.resources.update(
      context,
      userType,
      id,
      (current) => {
        const lifecycle = readLifecycle(current.attributes);
        const outcome = transition(lifecycle, action, clock().toISOString());
        if (!outcome.allowed) throw scimErrors.conflict(`User ${id}: ${outcome.detail}`, { state: lifecycle.state });
        return outcome.changed ? { attributes: writeLifecycle(current.attributes, outcome.next) } : undefined;
      },
      conditions,
    );
    return resource;
  };

  /**
   * The sign-in counters live outside the SCIM version (updateInternal); each write of them is conditional on the
   * version the decision read, so that a state change landing meanwhile makes it decide again.
   */
  const writeCountersOf = (context: RequestContext, id: string, change: InternalChange) =>
    updateInternalWithRetry(deps.store, context, userType.name, id, change, { sameVersion: true });

  /** Writes the counters an unlock leaves (no failures), while the account is still locked (else nothing). */
  const resetCountersOfLocked = async (context: RequestContext, id: string, due?: string): Promise<void> => {
    await writeCountersOf(context, id, (current) => {
      const lifecycle = readLifecycle(current.attributes);
      if (lifecycle.state !== AccountState.locked) return undefined;
      if (due !== undefined && (lifecycle.lockedUntil === undefined || lifecycle.lockedUntil > due)) return undefined;
      const counters = readCounters(current.unversioned.values);
      return counters.failedSignIns === 0 && counters.failuresSince === undefined ? undefined : writeCounters(current.unversioned.values, afterUnlock(counters));
    });
  };

  /**
   * Lifts a timed lock whose end has passed: the counters first (so that the unlocked account does not count as
   * locked out), then the state, each a no-op when someone else did it meanwhile.
   */
  const liftIfDue = async (context: RequestContext, user: StoredResource, now: Date): Promise<StoredResource> => {
    const lifecycle = readLifecycle(user.attributes);
    if (lifecycle.state !== AccountState.locked || lifecycle.lockedUntil === undefined || lifecycle.lockedUntil > now.toISOString()) return user;
    await resetCountersOfLocked(context, user.id, now.toISOString());
    return act(context, user.id, { kind: 'lockExpired' });
  };

  /** The automatic lock after too many failures: from active only, at most once (the version's compare-and-set). */
  const lockOut = (context: RequestContext, id: string, policy: LockoutPolicy, now: Date) =>
    act(context, id, { kind: 'lockout', reason: `Locked after ${policy.threshold} failed sign-ins`, until: lockEnd(policy, now) });

  const record = async (context: RequestContext, userId: string, now: Date, reason?: Reason) => {
    const entry: SignInEntry = {
      id: newId(),
      tenantId: context.tenantId,
      userId,
      time: now.toISOString(),
      outcome: reason === undefined ? OUTCOME.success : OUTCOME.failure,
      ...(reason === undefined ? {} : { reason }),
      ...(context.clientAddress ? { clientAddress: context.clientAddress } : {}),
    };
    await mapStoreErrors('Sign-in history', () => deps.signIns.append(entry));
  };

  const lockedError = (lifecycle: Lifecycle) =>
    scimErrors.locked(
      lifecycle.lockedUntil === undefined
        ? 'The account is locked until an administrator unlocks it'
        : `The account is locked until ${lifecycle.lockedUntil}`,
      { reason: Reason.locked, ...(lifecycle.lockedUntil === undefined ? {} : { lockedUntil: lifecycle.lockedUntil }) },
    );

  /** Why a correct password may still not sign in, or undefined when it may. */
  const refusalOf = (lifecycle: Lifecycle): { reason: Reason; error: ScimError } | undefined => {
    const refuse = (reason: Reason, detail: string) => ({ reason, error: scimErrors.forbidden(detail, { reason }) });
    switch (lifecycle.state) {
      case AccountState.locked:
        return { reason: Reason.locked, error: lockedError(lifecycle) };
      case AccountState.disabled:
        return refuse(Reason.disabled, 'The account is disabled');
      case AccountState.expired:
        return refuse(Reason.expired, 'The account has expired');
      case AccountState.pending:
        return refuse(Reason.pending, 'The account is not activated yet');
      default:
        if (lifecycle.passwordExpired) return refuse(Reason.passwordExpired, 'The password has expired; a new one must be set');
        if (lifecycle.mustChangePassword) return refuse(Reason.mustChangePassword, 'The password is temporary; a new one must be set');
        return undefined;
    }
  };

  /**
   * Counts a failed sign-in, unless the account is locked (or locked out) by the time it is written: then it is not a
   * failure but a 423, as for any attempt on a locked account. Returns the account as written, and whether it counted.
   */
  const countFailure = async (context: RequestContext, id: string, policy: LockoutPolicy, now: Date) => {
    let counted = false;
    const { resource } = await writeCountersOf(context, id, (current) => {
      const lifecycle = readLifecycle(current.attributes);
      const counters = readCounters(current.unversioned.values);
      counted = !(lifecycle.state === AccountState.locked || (lifecycle.state === AccountState.active && lockoutReached(counters, policy, now)));
      return counted ? writeCounters(current.unversioned.values, afterFailure(counters, policy, now)) : undefined;
    });
    return { resource, counted };
  };

  /** Records the success, if the account may still sign in when it is written; else what refuses it now. */
  const recordSuccess = async (context: RequestContext, id: string, now: Date) => {
    let refusal: ReturnType<typeof refusalOf>;
    await writeCountersOf(context, id, (current) => {
      refusal = refusalOf(readLifecycle(current.attributes));
      return refusal ? undefined : writeCounters(current.unversioned.values, afterSuccess(now));
    });
    return refusal;
  };

  /** Stores the re-hash of a password verified against an outdated hash, if the hash is still that one. */
  const upgradeHash = async (context: RequestContext, id: string, verified: string, upgraded: string) => {
    await deps.resources.update(context, userType, id, (current) =>
      current.internal.passwordHash === verified ? { attributes: current.attributes, internal: { ...current.internal, passwordHash: upgraded } } : undefined,
    );
  };

  const findUser = async (context: RequestContext, userName: string): Promise<StoredResource | undefined> => {
    const filter: FilterAst = { kind: 'compare', op: 'eq', path: userNamePath, value: userName };
    const found = await mapStoreErrors('User', () =>
      deps.store.list(context.tenantId, { resourceType: userType.name, filter, page: { kind: 'index', startIndex: 1, count: 1 } }),
    );
    return found.resources[0];
  };

  const requireUser = async (context: RequestContext, id: string, conditions?: WriteConditions) => {
    const found = await mapStoreErrors(`User ${id}`, () => deps.store.get(context.tenantId, userType.name, id));
    if (!found) throw scimErrors.notFound(`User ${id} not found`);
    if (conditions?.ifMatch !== undefined && !eTagListMatches(conditions.ifMatch, found.version)) {
      throw scimErrors.preconditionFailed(`User ${id} is at version W/"${found.version}", which does not match If-Match ${conditions.ifMatch}`);
    }
    return found;
  };

  return {
    lock(context, id, body, conditions) {
      const request = parseLockRequest(body, clock());
      return act(context, id, { kind: 'lock', ...request }, conditions);
    },

    async unlock(context, id, body, conditions) {
      parseEmptyRequest(body, 'POST /Users/{id}/unlock');
      // The failure count goes first, while the account is still locked: between the two writes it is locked either
      // way. A stale If-Match is refused before either.
      await requireUser(context, id, conditions);
      await resetCountersOfLocked(context, id);
      return act(context, id, { kind: 'unlock' }, conditions);
    },

    disable(context, id, body, conditions) {
      return act(context, id, { kind: 'disable', ...parseReasonRequest(body, 'POST /Users/{id}/disable') }, conditions);
    },

    enable(context, id, body, conditions) {
      parseEmptyRequest(body, 'POST /Users/{id}/enable');
      return act(context, id, { kind: 'enable' }, conditions);
    },

    async setState(context, id, body, conditions) {
      const request = parseStateRequest(body);
      const current = readLifecycle((await requireUser(context, id, conditions)).attributes);
      // Setting `active` on a locked account is an unlock: its failure count goes too.
      if (current.state === AccountState.locked && request.state !== AccountState.locked) await resetCountersOfLocked(context, id);
      return act(context, id, { kind: 'setState', ...request }, conditions);
    },

    async setPassword(context, id, body, conditions) {
      const request = parsePasswordRequest(body);
      // The same write as PATCH `password` (hashed by the User behaviour, under the tenant's password policy), with
      // mustChangePassword set as `temporary` says.
      const { resource } = await deps.resources.update(
        context,
        userType,
        id,
        (current) => {
          const outcome = transition(readLifecycle(current.attributes), { kind: 'passwordSet', temporary: request.temporary }, clock().toISOString());
          const lifecycle = outcome.allowed ? outcome.next : readLifecycle(current.attributes);
          return { attributes: writeLifecycle(current.attributes, lifecycle), writeOnly: { password: request.password } };
        },
        conditions,
      );
      return resource;
    },

    expirePassword(context, id, body, conditions) {
      parseEmptyRequest(body, 'POST /Users/{id}/password/expire');
      return act(context, id, { kind: 'expirePassword' }, conditions);
    },

    async verifyCredentials(context, body) {
      const request = parseCredentialsRequest(body);
      // The writes a check makes on the way (a lock lifted when due, the lock after too many failures, a re-hashed
      // password) are part of the check, whose outcome is its answer: they must not record the check's SUCCESS with
      // them (a 401 that locks the account is a FAIL). The audit trail records the check from the answer it gave.
      const inner: RequestContext = { ...context, operation: undefined };
      const dummyPassword = await dummyHash(context);
      const found = await findUser(context, request.userName);
      if (!found) {
        // The same work as a wrong password (one verification at today's parameters), and the same answer.
        await deps.passwords.verify(context, request.password, dummyPassword);
        throw invalidCredentials();
      }
      const policy = lockoutPolicyOf(await deps.settings.forTenant(context.tenantId));
      const now = clock();
      let user = await liftIfDue(inner, found, now);
      let lifecycle = readLifecycle(user.attributes);
      if (lifecycle.state === AccountState.active && lockoutReached(readCounters(user.unversioned.values), policy, now)) {
        // The failures that reached the threshold are counted; finish their lock (a no-op if it landed meanwhile).
        user = await lockOut(inner, user.id, policy, now);
        lifecycle = readLifecycle(user.attributes);
      }
      // Before the password is checked: a locked account answers 423 whatever the password, and no guess is tested.
      if (lifecycle.state === AccountState.locked) {
        await record(context, user.id, now, Reason.locked);
        throw lockedError(lifecycle);
      }

      const stored = user.internal.passwordHash;
      const check = await deps.passwords.verify(context, request.password, typeof stored === 'string' ? stored : dummyPassword);
      if (typeof stored !== 'string' || check.outcome !== 'match') {
        const failure = await countFailure(context, user.id, policy, now);
        const after = readLifecycle(failure.resource.attributes);
        if (!failure.counted) {
          const locked = after.state === AccountState.locked ? after : readLifecycle((await lockOut(inner, user.id, policy, now)).attributes);
          await record(context, user.id, now, Reason.locked);
          throw lockedError(locked);
        }
        if (after.state === AccountState.active && lockoutReached(readCounters(failure.resource.unversioned.values), policy, now)) {
          await lockOut(inner, user.id, policy, now);
        }
        await record(context, user.id, now, Reason.wrongPassword);
        // A wrong password is 401 in every state: the state is told only to whoever knows the password.
        throw invalidCredentials();
      }

      const refusal = refusalOf(lifecycle) ?? (await recordSuccess(context, user.id, now));
      if (refusal) {
        await record(context, user.id, now, refusal.reason);
        throw refusal.error;
      }
      if (check.outcome === 'match' && check.upgraded !== undefined) await upgradeHash(inner, user.id, stored, check.upgraded);
      await record(context, user.id, now);
      return { id: user.id, userName: String(user.attributes.userName), state: AccountState.active };
    },

    async signIns(context, id, page) {
      await requireUser(context, id);
      const binding: CursorBinding = { tenantId: context.tenantId, scope: `Users/${id}/sign-ins` };
      // RFC 9865: an absent or empty cursor asks for the first page.
      const position = page.cursor === undefined || page.cursor === '' ? {} : deps.cursors.open(binding, page.cursor);
      const after = position.after && typeof position.after.sortValue === 'string' ? { time: position.after.sortValue, id: position.after.id } : undefined;
      const [found, totalResults] = await mapStoreErrors('Sign-in history', () =>
        Promise.all([deps.signIns.list(context.tenantId, id, { after, limit: page.count }), deps.signIns.count(context.tenantId, id)]),
      );
      const nextCursor = found.next && page.count > 0 ? deps.cursors.seal(binding, { after: { sortValue: found.next.time, id: found.next.id } }) : undefined;
      return { resources: found.entries.map(signInRepresentation), totalResults, ...(nextCursor ? { nextCursor } : {}) };
    },

    async sweep(context) {
      const now = clock();
      let unlocked = 0;
      for (;;) {
        // Locked users whose lock has ended: the state index narrows it to the locked ones of this tenant.
        const { resources } = await mapStoreErrors('User', () =>
          deps.store.list(context.tenantId, { resourceType: userType.name, filter: dueLocks(now.toISOString()), page: { kind: 'index', startIndex: 1, count: SWEEP_BATCH } }),
        );
        let liftedNow = 0;
        for (const user of resources) {
          const lifted = await liftIfDue(context, user, now);
          if (readLifecycle(lifted.attributes).state !== AccountState.locked) liftedNow += 1;
        }
        unlocked += liftedNow;
        // A full batch of which none could be lifted would come back the same: stop rather than loop.
        if (resources.length < SWEEP_BATCH || liftedNow === 0) break;
      }
      const retentionDays = (await deps.settings.forTenant(context.tenantId))['signIns.retentionDays'];
      const before = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
      let signInsDeleted = 0;
      for (;;) {
        const deleted = await mapStoreErrors('Sign-in history', () => deps.signIns.purgeBefore(context.tenantId, before, PURGE_BATCH));
        signInsDeleted += deleted;
        if (deleted < PURGE_BATCH) break;
      }
      return { unlocked, signInsDeleted };
    },
  };
}

/** One entry of GET /Users/{id}/sign-ins. */
function signInRepresentation(entry: SignInEntry): Record<string, unknown> {
  return {
    schemas: [ProductUrn.signIn],
    id: entry.id,
    time: entry.time,
    outcome: entry.outcome,
    ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    ...(entry.clientAddress === undefined ? {} : { clientAddress: entry.clientAddress }),
  };
}

function requireUserType(registry: SchemaRegistry): ResourceTypeDefinition {
  const type = registry.resourceType('User');
  if (!type) throw new Error('The lifecycle extension needs the User resource type');
  return type;
}

