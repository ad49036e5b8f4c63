// One user on its way between servers (README "Export and import"):
//
//   {"user": <SCIM User with groups and roles>, "originalId": <its id on the exporting server>,
//    "passwordHash"?: <sealed-hash.ts>, "lifecycle": {"state", "stateChangedAt"?, "stateReason"?, "lockedUntil"?,
//                                                   "passwordExpired", "mustChangePassword"}}
//
// An import reads a record as input from anywhere: every field is checked here, before anything is written, and a
// problem is a ScimError naming the field, for that record's result.
import { scimErrors } from '../../scim/errors';
import { AccountState, isAccountState, type Lifecycle } from '../lifecycle/lifecycle-attributes';
import { ProductUrn } from '../product-urns';

export interface TransferRecord {
  readonly user: Record<string, unknown>;
  readonly originalId: string;
  readonly passwordHash?: unknown;
  readonly lifecycle: Lifecycle;
}

/** A record read for import: the user's body for the resource service, and what the server sets beside it. */
export interface ImportedRecord {
  readonly originalId: string;
  /** The User body with what only the server sets taken out (id, meta, groups, the lifecycle's own attributes). */
  readonly body: Record<string, unknown>;
  readonly userName?: string;
  readonly sealedHash?: unknown;
  readonly lifecycle: Lifecycle;
  /** displayNames of the groups the user was a direct member of, each once. */
  readonly groups: readonly string[];
}

/** The longest originalId kept: ids of this server are UUIDs, of others rarely longer than a few dozen characters. */
const MAX_ORIGINAL_ID = 255;
/** The longest group displayName an import creates a group for. */
const MAX_GROUP_NAME = 1024;

/** The lifecycle attributes an import sets from the record's `lifecycle`, never from the user's body. */
const LIFECYCLE_OWNED = ['state', 'stateChangedAt', 'stateReason', 'lockedUntil', 'passwordExpired', 'mustChangePassword', 'failedSignIns', 'lastSignIn', 'originalId'];

/** Reads record `index` of an import; throws a ScimError (invalidValue / invalidSyntax) naming the field at fault. */
export function readRecord(value: unknown, index: number): ImportedRecord {
  const at = `records[${index}]`;
  if (!isObject(value)) throw scimErrors.invalidSyntax(`${at} must be an object {"user", "originalId", "passwordHash"?, "lifecycle"?}`);
  const { user, originalId, passwordHash, lifecycle } = value;
  if (typeof originalId !== 'string' || originalId.trim() === '' || originalId.length > MAX_ORIGINAL_ID) {
    throw scimErrors.invalidValue(`${at}.originalId must be the user's id on the server it was exported from, a non-empty string of at most ${MAX_ORIGINAL_ID} characters`);
  }
  if (!isObject(user)) throw scimErrors.invalidSyntax(`${at}.user must be a SCIM User object`);
  const { id: _id, meta: _meta, groups, password, ...rest } = user;
  if (password !== undefined) throw scimErrors.invalidValue(`${at}.user carries a 'password'; an import takes only the sealed passwordHash of an export`);
  const extension = isObject(rest[ProductUrn.user]) ? (rest[ProductUrn.user] as Record<string, unknown>) : undefined;
  const body: Record<string, unknown> = { ...rest };
  if (extension) {
    const kept = Object.fromEntries(Object.entries(extension).filter(([name]) => !LIFECYCLE_OWNED.some((owned) => owned.toLowerCase() === name.toLowerCase())));
    if (Object.keys(kept).length > 0) body[ProductUrn.user] = kept;
    else delete body[ProductUrn.user];
  }
  return {
    originalId,
    body,
    ...(typeof rest.userName === 'string' ? { userName: rest.userName } : {}),
    ...(passwordHash === undefined || passwordHash === null ? {} : { sealedHash: passwordHash }),
    lifecycle: readLifecycleField(lifecycle ?? extension ?? {}, `${at}.lifecycle`, rest.active),
    groups: readGroups(groups, `${at}.user.groups`),
  };
}

function readLifecycleField(value: unknown, at: string, active: unknown): Lifecycle {
  if (!isObject(value)) throw scimErrors.invalidSyntax(`${at} must be an object {"state", "stateChangedAt"?, "stateReason"?, "lockedUntil"?, "passwordExpired"?, "mustChangePassword"?}`);
  const state = typeof value.state === 'string' ? value.state.trim().toLowerCase() : value.state === undefined ? (active === false ? AccountState.disabled : AccountState.active) : value.state;
  if (!isAccountState(state)) throw scimErrors.invalidValue(`${at}.state must be one of ${Object.values(AccountState).join(', ')}; got ${JSON.stringify(value.state)}`);
  const time = (name: 'stateChangedAt' | 'lockedUntil') => {
    const text = value[name];
    if (text === undefined || text === null) return {};
    if (typeof text !== 'string' || Number.isNaN(Date.parse(text))) throw scimErrors.invalidValue(`${at}.${name} must be an ISO 8601 date-time`);
    return { [name]: new Date(text).toISOString() };
  };
  const flag = (name: 'passwordExpired' | 'mustChangePassword') => {
    const flagValue = value[name];
    if (flagValue !== undefined && typeof flagValue !== 'boolean') throw scimErrors.invalidValue(`${at}.${name} must be true or false`);
    return flagValue === true;
  };
  const reason = value.stateReason;
  if (reason !== undefined && reason !== null && (typeof reason !== 'string' || reason.length > 500)) throw scimErrors.invalidValue(`${at}.stateReason must be a string of at most 500 characters`);
  return {
    state,
    ...time('stateChangedAt'),
    ...(typeof reason === 'string' ? { stateReason: reason } : {}),
    ...time('lockedUntil'),
    passwordExpired: flag('passwordExpired'),
    mustChangePassword: flag('mustChangePassword'),
  };
}

/** The displayNames of the user's direct groups (User.groups `display`, RFC 7643 §4.1.2); indirect ones follow from those. */
function readGroups(value: unknown, at: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw scimErrors.invalidSyntax(`${at} must be an array of {"value", "display", "type"?}`);
  const names = new Map<string, string>();
  value.forEach((group, position) => {
    if (!isObject(group)) throw scimErrors.invalidSyntax(`${at}[${position}] must be an object {"value", "display", "type"?}`);
    if (typeof group.type === 'string' && group.type.toLowerCase() === 'indirect') return;
    const display = group.display;
    if (typeof display !== 'string' || display.trim() === '' || display.length > MAX_GROUP_NAME) {
      throw scimErrors.invalidValue(`${at}[${position}] needs a 'display' (the group's displayName, at most ${MAX_GROUP_NAME} characters): groups are matched by displayName`);
    }
    names.set(display.toLowerCase(), display);
  });
  return [...names.values()];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
