// InvitationStore on MongoDB: collection `invitations` (one document per invited address, `_id` = `<tenant>/<id>`) and
// `invitation_tokens` (`_id` = the SHA-256 of a link). No multi-document transaction: each state change is one
// findOneAndUpdate conditional on {status: 'pending', send}; a new invitation is written before its link's hash (a
// crash between leaves an invitation whose link nobody received: resend it), and a renewed link's hash is written after
// the compare-and-set that made it current (a crash between leaves a link that answers 404, never one that works).
import type { Collection, Filter } from 'mongodb';
import type { InvitationQuery, InvitationRecord, InvitationStore } from '../invitation-store';
import { StoreError } from '../store-error';
import { isDuplicateKey, whenReady } from './mongo-errors';

export interface InvitationDocument extends Omit<InvitationRecord, 'roles' | 'groups'> {
  readonly _id: string;
  readonly roles: string[];
  readonly groups: string[];
}

export interface InvitationTokenDocument {
  readonly _id: string;
  readonly tenantId: string;
  readonly invitationId: string;
  readonly send: number;
}

const keyOf = (tenantId: string, id: string) => `${tenantId}/${id}`;
const OLDEST_FIRST = { created: 1, id: 1 } as const;

function filterOf(tenantId: string, query: InvitationQuery): Filter<InvitationDocument> {
  const created: Record<string, string> = {};
  for (const op of ['gt', 'ge', 'lt', 'le'] as const) {
    const bound = query.created?.[op];
    if (bound !== undefined) created[op === 'ge' ? '$gte' : op === 'le' ? '$lte' : `$${op}`] = bound;
  }
  return {
    tenantId,
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.emailKey === undefined ? {} : { emailKey: query.emailKey }),
    ...(Object.keys(created).length === 0 ? {} : { created }),
  };
}

export function createMongoInvitationStore(deps: {
  readonly invitations: Collection<InvitationDocument>;
  readonly tokens: Collection<InvitationTokenDocument>;
  readonly ready: () => Promise<void>;
}): InvitationStore {
  const { invitations, tokens } = deps;
  const run = whenReady(deps.ready);

  return {
    async create(invitation, tokenHash) {
      await run(async () => {
        try {
          await invitations.insertOne({ ...invitation, _id: keyOf(invitation.tenantId, invitation.id), roles: [...invitation.roles], groups: [...invitation.groups] });
        } catch (error) {
          if (isDuplicateKey(error)) throw new StoreError('conflict', 'A pending invitation for this address exists already', { attribute: 'email', cause: error });
          throw error;
        }
        await tokens.insertOne({ _id: tokenHash, tenantId: invitation.tenantId, invitationId: invitation.id, send: invitation.send });
      });
    },

    async get(tenantId, id) {
      return run(async () => toRecord(await invitations.findOne({ _id: keyOf(tenantId, id) })));
    },

    async findByTokenHash(tokenHash) {
      return run(async () => {
        const link = await tokens.findOne({ _id: tokenHash });
        if (!link) return null;
        const invitation = toRecord(await invitations.findOne({ _id: keyOf(link.tenantId, link.invitationId) }));
        return invitation ? { invitation, send: link.send } : null;
      });
    },

    async list(tenantId, query, { after, limit }) {
      const wanted = Math.max(0, Math.trunc(limit));
      return run(async () => {
        const filter = filterOf(tenantId, query);
        const match: Filter<InvitationDocument> = after
          ? { $and: [filter, { $or: [{ created: { $gt: after.created } }, { created: after.created, id: { $gt: after.id } }] }] }
          : filter;
        // One document more than asked: its presence says another page follows.
        const documents = await invitations.find(match, { sort: OLDEST_FIRST, limit: wanted + 1 }).toArray();
        const found = documents.slice(0, wanted).map((document) => toRecord(document)!);
        const last = found[found.length - 1];
        return documents.length > wanted && last ? { invitations: found, next: { created: last.created, id: last.id } } : { invitations: found };
      });
    },

    async count(tenantId, query) {
      return run(() => invitations.countDocuments(filterOf(tenantId, query)));
    },

    async finish(tenantId, id, { send, to, at }) {
      return run(async () =>
        toRecord(
          await invitations.findOneAndUpdate(
            { _id: keyOf(tenantId, id), status: 'pending', send },
            { $set: { status: to, updated: at, statusChanged: at } },
            { returnDocument: 'after' },
          ),
        ),
      );
    },

    async renew(tenantId, id, { send, tokenHash, expires, at }) {
      return run(async () => {
        const renewed = toRecord(
          await invitations.findOneAndUpdate(
            { _id: keyOf(tenantId, id), status: 'pending', send },
            { $set: { expires, updated: at }, $inc: { send: 1 } },
            { returnDocument: 'after' },
          ),
        );
        if (renewed) await tokens.insertOne({ _id: tokenHash, tenantId, invitationId: id, send: renewed.send });
        return renewed;
      });
    },

    async recordDelivery(tenantId, id, { send, at }) {
      await run(() =>
        invitations.updateOne(
          { _id: keyOf(tenantId, id), $or: [{ 'delivered.send': { $exists: false } }, { 'delivered.send': { $lt: send } }] },
          { $set: { delivered: { send, at } } },
        ),
      );
    },

    async due(tenantId, now, limit) {
      return run(async () =>
        (await invitations.find({ tenantId, status: 'pending', expires: { $lte: now } }, { sort: { expires: 1 }, limit: Math.max(0, Math.trunc(limit)) }).toArray()).map(
          (document) => toRecord(document)!,
        ),
      );
    },
  };
}

function toRecord(document: InvitationDocument | null): InvitationRecord | null {
  if (!document) return null;
  return {
    id: document.id,
    tenantId: document.tenantId,
    email: document.email,
    emailKey: document.emailKey,
    status: document.status,
    userId: document.userId,
    userCreated: document.userCreated,
    roles: document.roles,
    groups: document.groups,
    ...(document.message !== undefined ? { message: document.message } : {}),
    invitedBy: document.invitedBy,
    created: document.created,
    updated: document.updated,
    expires: document.expires,
    send: document.send,
    ...(document.statusChanged !== undefined ? { statusChanged: document.statusChanged } : {}),
    ...(document.delivered !== undefined ? { delivered: document.delivered } : {}),
  };
}
