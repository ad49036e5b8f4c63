// The invitations service (README "Invitations"): invite many addresses with one access, list and read invitations,
// resend and cancel pending ones, accept a link, and expire what is due. Store ports and the resource service only; no
// HTTP.
//
// How it writes:
//   - users are written through the resource service, like any SCIM write: a pending user is a POST /Users (state
//     `pending`), acceptance is one server change of the user (state active, name, password, roles added to those it
//     holds: a delta under the user's compare-and-set), and each group gains the member by a PATCH `add` of one member
//     (a delta of the membership relation). Cancelling deletes the pending user it created, conditional on the version
//     read while it was pending, so a user that changed meanwhile is never deleted.
//   - every state change of an invitation is a compare-and-set in the store (pending at the send number read): of an
//     accept racing a cancel or another accept exactly one wins, and the other is answered 410.
//   - mail goes through the outbox (topic invitation-mail), appended right after the invitation's write and delivered by
//     the worker host with retries; the request never waits for an SMTP server.
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../auth/request-context';
import { inviteeContext } from '../../auth/request-context';
import { Scope } from '../../auth/scopes';
import type { ResourceService } from '../../resources/resource-service';
import { mapStoreErrors } from '../../resources/store-errors';
import type { PasswordRule } from '../../resources/users/user-behaviour';
import { ScimError, scimErrors, ScimType } from '../../scim/errors';
import { versionToETag } from '../../scim/etag';
import type { FilterAst } from '../../scim/filter/filter-ast';
import type { CursorBinding, CursorCodec } from '../../scim/list/cursor-codec';
import { resolveAttributePath } from '../../scim/paths/attribute-path';
import type { ResourceTypeDefinition, ScimAttributes } from '../../scim/schema/attribute';
import { foldCase } from '../../scim/schema/fold-case';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { URN } from '../../scim/urns';
import type { SettingsReader } from '../../settings/settings-reader';
import type { InvitationLink, InvitationRecord, InvitationStatus, InvitationStore } from '../../store/invitation-store';
import type { NewOutboxMessage, OutboxStore } from '../../store/outbox-store';
import type { ResourceReader, StoredResource } from '../../store/resource-store';
import { AccountState, readLifecycle, writeLifecycle } from '../lifecycle/lifecycle-attributes';
import { transition } from '../lifecycle/state-machine';
import { ProductUrn } from '../product-urns';
import { roleKey, type RoleCatalogue } from '../roles/role-catalogue';
import { invitationAuditMessage, InvitationAuditAction } from './invitation-audit';
import { hashInvitationToken, invitationLink, issueInvitationToken } from './invitation-links';
import { INVITATION_MAIL_TOPIC, type InvitationMailPayload } from './invitation-mail-message';
import { deliveryOf, invitationRepresentation, type DeliveryMethod } from './invitation-representation';
import { domainOf, emailProblem, parseAcceptRequest, type AcceptRequest, parseInvitationFilter, parseInviteRequest, parseResendRequest } from './invitation-requests';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Invitations expired per store query of the sweep. */
const SWEEP_BATCH = 200;
/** A change that lost to a resend of the same invitation is tried again at the new send number, this often at most. */
const RESEND_RACE_RETRIES = 3;

export interface InviteResult {
  readonly email: string;
  /** `pending` (invited) or `failed` (see `error`). */
  readonly status: 'pending' | 'failed';
  readonly id?: string;
  readonly error?: Record<string, unknown>;
}

export interface InvitationPage {
  readonly resources: Record<string, unknown>[];
  readonly totalResults: number;
  readonly nextCursor?: string;
}

export interface Acceptance {
  readonly invitation: InvitationRecord;
  readonly user: StoredResource;
}

/** Why a link or an invitation no longer works: the `reason` of a 410 answer. */
export const GoneReason = { accepted: 'accepted', cancelled: 'cancelled', expired: 'expired', superseded: 'superseded' } as const;

export interface InvitationsService {
  invite(context: RequestContext, body: unknown): Promise<{ readonly results: InviteResult[] }>;
  list(context: RequestContext, query: { readonly filter?: string; readonly cursor?: string; readonly count: number }): Promise<InvitationPage>;
  get(context: RequestContext, id: string): Promise<Record<string, unknown>>;
  resend(context: RequestContext, id: string, body: unknown): Promise<Record<string, unknown>>;
  cancel(context: RequestContext, id: string): Promise<void>;
  /** `requestId` and `clientAddress` of the request; the tenant comes from the link. */
  accept(request: { readonly requestId: string; readonly clientAddress: string | null }, body: unknown): Promise<Acceptance>;
  /** Expires the tenant's invitations that are due (the sweep); returns how many. */
  expireDue(context: RequestContext): Promise<number>;
}

export interface InvitationsServiceDeps {
  readonly invitations: InvitationStore;
  readonly outbox: Pick<OutboxStore, 'append' | 'find'>;
  readonly resources: Pick<ResourceService, 'create' | 'update' | 'patch' | 'delete' | 'resourceType'>;
  readonly reader: Pick<ResourceReader, 'get' | 'list'>;
  readonly catalogue: Pick<RoleCatalogue, 'find'>;
  readonly settings: Pick<SettingsReader, 'forTenant'>;
  readonly passwordRule: PasswordRule;
  readonly registry: SchemaRegistry;
  readonly cursors: CursorCodec;
  /** SCIM_INVITATION_LINK: the link template of tenants whose `invitations.link` is `server`. */
  readonly linkTemplate: string;
  readonly deliveryMethod: DeliveryMethod;
  /** SCIM_FILTER_MAX_LENGTH. */
  readonly filterMaxLength?: number;
  readonly clock?: () => Date;
  readonly newId?: () => string;
  /** Wakes this process's worker host, so that the mail is sent at once. */
  readonly wake?: () => void;
}

export function createInvitationsService(deps: InvitationsServiceDeps): InvitationsService {
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const store = deps.invitations;
  const userType = requiredType(deps.resources, 'User');
  const groupType = requiredType(deps.resources, 'Group');
  const path = (name: string) => {
    const resolved = resolveAttributePath(deps.registry, userType, name);
    if (!resolved) throw new Error(`The User schemas have no attribute ${name}`);
    return resolved;
  };
  const userNamePath = path('userName');
  const emailPath = path('emails.value');
  const subject = (id: string) => `Invitation ${id}`;
  /**
   * The context of the user and group writes an invitation step makes: the step is the operation the audit trail
   * records (INVITATION_*), so those writes do not record it as theirs.
   */
  const inner = (context: RequestContext): RequestContext => ({ ...context, operation: undefined });

  const requireInvitation = async (context: RequestContext, id: string): Promise<InvitationRecord> => {
    const found = await mapStoreErrors(subject(id), () => store.get(context.tenantId, id));
    if (!found) throw scimErrors.notFound(`Invitation ${id} not found`);
    return found;
  };

  /** 410 for an invitation that is no longer pending, saying which way it ended. */
  const goneError = (invitation: InvitationRecord, what: string): ScimError => {
    switch (invitation.status) {
      case 'accepted':
        return scimErrors.gone(`${what}: the invitation was accepted already (${invitation.statusChanged}); a link works once`, { reason: GoneReason.accepted });
      case 'cancelled':
        return scimErrors.gone(`${what}: the invitation was cancelled (${invitation.statusChanged}); ask for a new one`, { reason: GoneReason.cancelled });
      default:
        return scimErrors.gone(`${what}: the invitation expired (${invitation.expires}); ask for a new one`, { reason: GoneReason.expired });
    }
  };

  /** The user with this address as userName or e-mail (either matched ignoring case, index-backed), if any. */
  const findUserByEmail = async (context: RequestContext, email: string): Promise<StoredResource | undefined> => {
    const filter: FilterAst = {
      kind: 'or',
      filters: [
        { kind: 'compare', op: 'eq', path: userNamePath, value: email },
        { kind: 'compare', op: 'eq', path: emailPath, value: email },
      ],
    };
    const found = await mapStoreErrors('User', () => deps.reader.list(context.tenantId, { resourceType: userType.name, filter, page: { kind: 'index', startIndex: 1, count: 1 } }));
    return found.resources[0];
  };

  /** The user the invitation is for: the existing one, or a new pending user (created: true). */
  const userFor = async (context: RequestContext, email: string): Promise<{ user: StoredResource; created: boolean }> => {
    const existing = await findUserByEmail(context, email);
    if (existing) return { user: existing, created: false };
    try {
      const user = await deps.resources.create(inner(context), userType, {
        schemas: [URN.core.user, ProductUrn.user],
        userName: email,
        emails: [{ value: email, primary: true }],
        [ProductUrn.user]: { state: AccountState.pending },
      });
      return { user, created: true };
    } catch (error) {
      // Created by another request meanwhile (a SCIM client, another invitation): the invitation is for that user.
      if (error instanceof ScimError && error.scimType === ScimType.uniqueness) {
        const raced = await findUserByEmail(context, email);
        if (raced) return { user: raced, created: false };
      }
      throw error;
    }
  };

  /** Deletes a user an invitation created, if it is still pending; a user that changed meanwhile stays. */
  const removePendingUser = async (context: RequestContext, userId: string): Promise<void> => {
    const user = await mapStoreErrors(`User ${userId}`, () => deps.reader.get(context.tenantId, userType.name, userId));
    if (!user || readLifecycle(user.attributes).state !== AccountState.pending) return;
    try {
      await deps.resources.delete(inner(context), userType, userId, { ifMatch: versionToETag(user.version) });
    } catch (error) {
      // Changed (412) or deleted (404) since the read: it is no longer the untouched pending user.
      if (error instanceof ScimError && (error.status === 412 || error.status === 404)) return;
      throw error;
    }
  };

  const linkTemplateOf = async (tenantId: string) => (await deps.settings.forTenant(tenantId))['invitations.link'] ?? deps.linkTemplate;

  /** Appends the mail of the invitation's current link (idempotent per invitation and send). */
  const queueMail = async (context: RequestContext, invitation: InvitationRecord, link: string, at: string, audit: readonly NewOutboxMessage[] = []) => {
    const payload: InvitationMailPayload = {
      invitationId: invitation.id,
      send: invitation.send,
      email: invitation.email,
      link,
      inviter: invitation.invitedBy.label,
      expires: invitation.expires,
      ...(invitation.message === undefined ? {} : { message: invitation.message }),
    };
    await mapStoreErrors(subject(invitation.id), () =>
      deps.outbox.append([{ id: newId(), tenantId: context.tenantId, topic: INVITATION_MAIL_TOPIC, key: mailKey(invitation), payload: { ...payload }, created: at }, ...audit]),
    );
    deps.wake?.();
  };

  /** pending -> expired, and the pending user it created goes; false when another change came first. */
  const expire = async (context: RequestContext, invitation: InvitationRecord): Promise<boolean> => {
    const started = clock();
    const expired = await mapStoreErrors(subject(invitation.id), () => store.finish(context.tenantId, invitation.id, { send: invitation.send, to: 'expired', at: started.toISOString() }));
    if (!expired) return false;
    if (expired.userCreated) await removePendingUser(context, expired.userId);
    await recordStep({ action: InvitationAuditAction.expire, context, invitationId: invitation.id, started });
    return true;
  };

  /** The audit events of a step no token request records (invitation-audit.ts), appended after its change. */
  const recordStep = async (step: { action: InvitationAuditAction; context: RequestContext; invitationId: string; started: Date; failure?: { status: number; scimType?: string } }) => {
    const message = invitationAuditMessage({ ...step, ended: clock() }, newId);
    await mapStoreErrors('Audit event', () => deps.outbox.append([message]));
  };

  /** The audit messages of a token request's successful change, written right after it (the route's declaration). */
  const effectsOf = (context: RequestContext, id: string): NewOutboxMessage[] => context.operation?.effectsOfSuccess({ resourceType: 'Invitation', resourceId: id }) ?? [];

  /** The invitation as it is now, 410 unless it is pending and not past its expiry (which it then records). */
  const requirePending = async (context: RequestContext, invitation: InvitationRecord, what: string): Promise<InvitationRecord> => {
    if (invitation.status !== 'pending') throw goneError(invitation, what);
    if (invitation.expires <= clock().toISOString()) {
      await expire(context, invitation);
      throw goneError({ ...invitation, status: 'expired' }, what);
    }
    return invitation;
  };

  /**
   * A compare-and-set change of a pending invitation; when it loses, the invitation is read again: ended -> 410, resent
   * meanwhile (still pending at a newer send) -> tried again at that send.
   */
  const changePending = async <T>(context: RequestContext, id: string, what: string, change: (current: InvitationRecord) => Promise<T | null>): Promise<T> => {
    let current = await requirePending(context, await requireInvitation(context, id), what);
    for (let attempt = 0; ; attempt++) {
      const changed = await change(current);
      if (changed !== null) return changed;
      current = await requirePending(context, await requireInvitation(context, id), what);
      if (attempt >= RESEND_RACE_RETRIES) throw scimErrors.conflict(`${what}: the invitation kept changing; try again`);
    }
  };

  const expiryFrom = (now: Date, days: number) => new Date(now.getTime() + days * DAY_MS).toISOString();

  /** Links are shown to those who may invite (scim:write): they could invite the address themselves anyway. */
  const showsLinks = (context: RequestContext) => context.actor.scopes.includes(Scope.write);

  const read = async (context: RequestContext, id: string) => {
    const record = await requireInvitation(context, id);
    const message = await mapStoreErrors(subject(id), () => deps.outbox.find(context.tenantId, INVITATION_MAIL_TOPIC, mailKey(record)));
    return invitationRepresentation(record, deliveryOf(record, deps.deliveryMethod, message, showsLinks(context)));
  };

  return {
    async invite(context, body) {
      const request = parseInviteRequest(body);
      const settings = await deps.settings.forTenant(context.tenantId);

      // The access first, for all addresses alike: every role named must be in the catalogue, every group in the tenant.
      const catalogue = await mapStoreErrors('Role', () => deps.catalogue.find(context.tenantId, request.roles));
      const missingRoles = request.roles.filter((name) => !catalogue.has(roleKey(name)));
      if (missingRoles.length > 0) {
        throw scimErrors.invalidValue(`The role catalogue (/Roles) has no role ${missingRoles.map((name) => JSON.stringify(name)).join(', ')}; nothing was invited`);
      }
      const roles = [...new Map(request.roles.map((name) => [roleKey(name), catalogue.get(roleKey(name))!.name])).values()];
      const groups = [...new Set(request.groups)];
      const missingGroups: string[] = [];
      for (const id of groups) {
        if (!(await mapStoreErrors(`Group ${id}`, () => deps.reader.get(context.tenantId, groupType.name, id)))) missingGroups.push(id);
      }
      if (missingGroups.length > 0) throw scimErrors.invalidValue(`No group ${missingGroups.map((id) => JSON.stringify(id)).join(', ')} in this tenant; nothing was invited`);

      // Then each address, before anything is written: its form, the tenant's domains, repeats, a pending invitation.
      const allowed = settings['invitations.allowedDomains'];
      const seen = new Set<string>();
      const checked: Array<{ email: string; error?: ScimError }> = [];
      for (const email of request.emails) {
        const key = foldCase(email);
        const problem = emailProblem(email);
        let error: ScimError | undefined;
        if (problem !== undefined) error = scimErrors.invalidValue(`"${email}" ${problem}`);
        else if (allowed.length > 0 && !allowed.includes(domainOf(email))) {
          error = scimErrors.invalidValue(`"${email}" is outside the domains this tenant invites (invitations.allowedDomains): ${allowed.join(', ')}`);
        } else if (seen.has(key)) error = scimErrors.invalidValue(`"${email}" is listed more than once; it is invited once`);
        else {
          const pending = await mapStoreErrors('Invitation', () => store.list(context.tenantId, { status: 'pending', emailKey: key }, { limit: 1 }));
          const found = pending.invitations[0];
          if (found) error = scimErrors.uniqueness(`"${email}" has a pending invitation already (${found.id}); resend it with POST /Invitations/${found.id}/resend`);
        }
        seen.add(key);
        checked.push({ email, ...(error ? { error } : {}) });
      }

      const now = clock();
      const template = await linkTemplateOf(context.tenantId);
      const results: InviteResult[] = [];
      for (const { email, error } of checked) {
        if (error) {
          results.push({ email, status: 'failed', error: error.toBody() as unknown as Record<string, unknown> });
          continue;
        }
        try {
          results.push(await inviteOne(context, { email, roles, groups, message: request.message, expires: expiryFrom(now, request.expiresInDays), template }));
        } catch (failure) {
          // What concerns this address alone (a race with another invitation of it) is its result; an outage is the request's.
          if (!(failure instanceof ScimError) || failure.status >= 500) throw failure;
          results.push({ email, status: 'failed', error: failure.toBody() as unknown as Record<string, unknown> });
        }
      }
      return { results };
    },

    async list(context, query) {
      const selection = parseInvitationFilter(query.filter, deps.filterMaxLength ?? 4096);
      const binding: CursorBinding = { tenantId: context.tenantId, scope: `Invitations?${JSON.stringify(selection)}` };
      // RFC 9865: an absent or empty cursor asks for the first page.
      const position = query.cursor === undefined || query.cursor === '' ? {} : deps.cursors.open(binding, query.cursor);
      const after = position.after && typeof position.after.sortValue === 'string' ? { created: position.after.sortValue, id: position.after.id } : undefined;
      const [page, totalResults] = await mapStoreErrors('Invitation', () =>
        Promise.all([store.list(context.tenantId, selection, { after, limit: query.count }), store.count(context.tenantId, selection)]),
      );
      const nextCursor = page.next && query.count > 0 ? deps.cursors.seal(binding, { after: { sortValue: page.next.created, id: page.next.id } }) : undefined;
      return { resources: page.invitations.map((record) => invitationRepresentation(record)), totalResults, ...(nextCursor ? { nextCursor } : {}) };
    },

    get: read,

    async resend(context, id, body) {
      const request = parseResendRequest(body);
      const what = `Invitation ${id} cannot be resent`;
      const { renewed, link, at } = await changePending(context, id, what, async (current) => {
        const issued = issueInvitationToken();
        const now = clock();
        const renewed = await mapStoreErrors(subject(id), () =>
          store.renew(context.tenantId, id, { send: current.send, tokenHash: issued.tokenHash, expires: expiryFrom(now, request.expiresInDays), at: now.toISOString() }),
        );
        return renewed ? { renewed, link: invitationLink(await linkTemplateOf(context.tenantId), issued.token), at: now.toISOString() } : null;
      });
      await queueMail(context, renewed, link, at, effectsOf(context, id));
      context.operation?.committed();
      return read(context, id);
    },

    async cancel(context, id) {
      const cancelled = await changePending(context, id, `Invitation ${id} cannot be cancelled`, (current) =>
        mapStoreErrors(subject(id), () => store.finish(context.tenantId, id, { send: current.send, to: 'cancelled', at: clock().toISOString() })),
      );
      if (cancelled.userCreated) await removePendingUser(context, cancelled.userId);
      const audit = effectsOf(context, id);
      if (audit.length > 0) await mapStoreErrors(subject(id), () => deps.outbox.append(audit));
      context.operation?.committed();
    },

    async accept(request, body) {
      const started = clock();
      const accept = parseAcceptRequest(body);
      const found = await mapStoreErrors('Invitation', () => store.findByTokenHash(hashInvitationToken(accept.token)));
      // An unknown link belongs to no tenant: there is nobody to record it for (like a request with an unknown token).
      if (!found) throw scimErrors.notFound('No invitation has this link; check that the whole link was used');
      const context = inviteeContext(found.invitation.tenantId, request.requestId, request.clientAddress);
      try {
        const acceptance = await acceptLink(context, found, accept);
        await recordStep({ action: InvitationAuditAction.accept, context, invitationId: found.invitation.id, started });
        return acceptance;
      } catch (error) {
        if (error instanceof ScimError && error.status < 500) {
          const failure = { status: error.status, ...(error.scimType ? { scimType: error.scimType } : {}) };
          await recordStep({ action: InvitationAuditAction.accept, context, invitationId: found.invitation.id, started, failure });
        }
        throw error;
      }
    },

    async expireDue(context) {
      let expired = 0;
      for (;;) {
        const due = await mapStoreErrors('Invitation', () => store.due(context.tenantId, clock().toISOString(), SWEEP_BATCH));
        let now = 0;
        for (const invitation of due) if (await expire(context, invitation)) now += 1;
        expired += now;
        // A full batch of which none could be expired would come back the same: stop rather than loop.
        if (due.length < SWEEP_BATCH || now === 0) return expired;
      }
    },
  };

  /** The accept of a link found in the store, for the tenant it belongs to. */
  async function acceptLink(context: RequestContext, found: InvitationLink, accept: AcceptRequest): Promise<Acceptance> {
    const what = 'This invitation link no longer works';
    if (found.send < found.invitation.send) {
      throw scimErrors.gone(`${what}: a newer link was sent for this invitation (${found.invitation.updated}); use the newest one`, { reason: GoneReason.superseded });
    }
    const invitation = await requirePending(context, found.invitation, what);

    // Before the link is used up: what could still refuse the acceptance (the password policy, a deleted user).
    const user = await mapStoreErrors(`User ${invitation.userId}`, () => deps.reader.get(context.tenantId, userType.name, invitation.userId));
    if (!user) throw scimErrors.gone(`${what}: the account it was for has been deleted`, { reason: GoneReason.cancelled });
    if (accept.password !== undefined) {
      const currentHash = typeof user.internal.passwordHash === 'string' ? user.internal.passwordHash : undefined;
      await deps.passwordRule(context, accept.password, currentHash);
    }
    const catalogue = await mapStoreErrors('Role', () => deps.catalogue.find(context.tenantId, invitation.roles));

    const accepted = await mapStoreErrors(subject(invitation.id), () =>
      store.finish(context.tenantId, invitation.id, { send: invitation.send, to: 'accepted', at: clock().toISOString() }),
    );
    if (!accepted) {
      // Another accept, a cancel or a resend came first: this link is used up either way.
      const now = await requireInvitation(context, invitation.id);
      if (now.status === 'pending') throw scimErrors.gone(`${what}: a newer link was sent for this invitation; use the newest one`, { reason: GoneReason.superseded });
      throw goneError(now, what);
    }

    // The access, as deltas: roles added to those the user holds (those still in the catalogue), groups gaining a member.
    const roles = invitation.roles.filter((name) => catalogue.has(roleKey(name))).map((name) => catalogue.get(roleKey(name))!.name);
    const { resource } = await deps.resources.update(inner(context), userType, invitation.userId, (current) => {
      const now = clock().toISOString();
      let attributes: ScimAttributes = { ...current.attributes };
      let lifecycle = readLifecycle(attributes);
      if (lifecycle.state === AccountState.pending) {
        const activated = transition(lifecycle, { kind: 'setState', state: AccountState.active }, now);
        if (activated.allowed) lifecycle = activated.next;
      }
      if (accept.password !== undefined) {
        const set = transition(lifecycle, { kind: 'passwordSet', temporary: false }, now);
        if (set.allowed) lifecycle = set.next;
      }
      attributes = writeLifecycle(attributes, lifecycle);
      const held = Array.isArray(attributes.roles) ? (attributes.roles as Array<Record<string, unknown>>) : [];
      const heldKeys = new Set(held.map((role) => (typeof role.value === 'string' ? roleKey(role.value) : '')));
      const added = roles.filter((name) => !heldKeys.has(roleKey(name))).map((name) => ({ value: name }));
      if (added.length > 0) attributes.roles = [...held, ...added];
      if (accept.name) attributes.name = { ...(typeof attributes.name === 'object' && attributes.name !== null ? (attributes.name as ScimAttributes) : {}), ...accept.name };
      return { attributes, ...(accept.password === undefined ? {} : { writeOnly: { password: accept.password } }) };
    });
    for (const groupId of invitation.groups) {
      try {
        await deps.resources.patch(inner(context), groupType, groupId, { schemas: [URN.message.patchOp], Operations: [{ op: 'add', path: 'members', value: [{ value: invitation.userId }] }] });
      } catch (error) {
        // A group deleted since the invitation was made: there is nothing to join.
        if (!(error instanceof ScimError && error.status === 404)) throw error;
      }
    }
    return { invitation: accepted, user: resource };
  }

  async function inviteOne(
    context: RequestContext,
    invite: { email: string; roles: string[]; groups: string[]; message?: string; expires: string; template: string },
  ): Promise<InviteResult> {
    const { user, created } = await userFor(context, invite.email);
    const issued = issueInvitationToken();
    const at = clock().toISOString();
    const invitation: InvitationRecord = {
      id: newId(),
      tenantId: context.tenantId,
      email: invite.email,
      emailKey: foldCase(invite.email),
      status: 'pending' satisfies InvitationStatus,
      userId: user.id,
      userCreated: created,
      roles: invite.roles,
      groups: invite.groups,
      ...(invite.message === undefined ? {} : { message: invite.message }),
      invitedBy: { tokenId: context.actor.tokenId, label: context.actor.label },
      created: at,
      updated: at,
      expires: invite.expires,
      send: 1,
    };
    try {
      await mapStoreErrors(subject(invitation.id), () => store.create(invitation, issued.tokenHash));
    } catch (error) {
      // Another request invited the address meanwhile: the user made for this one goes again.
      if (created) await removePendingUser(context, user.id);
      if (error instanceof ScimError && error.status === 409) throw scimErrors.uniqueness(`"${invite.email}" has a pending invitation already; resend it instead`);
      throw error;
    }
    await queueMail(context, invitation, invitationLink(invite.template, issued.token), at);
    return { email: invite.email, status: 'pending', id: invitation.id };
  }
}

/** The outbox key of an invitation's mail: one message per link. */
function mailKey(invitation: Pick<InvitationRecord, 'id' | 'send'>): string {
  return `${invitation.id}:${invitation.send}`;
}

function requiredType(resources: Pick<ResourceService, 'resourceType'>, name: string): ResourceTypeDefinition {
  return resources.resourceType(name);
}
