// AuditEventStore on MongoDB (collection `audit_events`). One document per event: the fields a filter may name as
// fields of their own (each with a tenant-first index ending in time and _id), the event itself as JSON text. Appends
// are one unordered bulk of inserts; a duplicate _id is an event already stored (a redelivered outbox message).
import type { Collection, Filter } from 'mongodb';
import type { AuditEventRecord, AuditEventStore, AuditFilter, AuditFilterField, AuditPosition } from '../audit-event-store';
import { escapeRegex } from './filter-to-mongo';
import { insertNewDocuments, whenReady } from './mongo-errors';

export interface AuditEventDocument {
  readonly _id: string;
  readonly tenantId: string;
  readonly time: string;
  readonly type: string;
  readonly outcome: string;
  readonly tokenId?: string;
  readonly resourceId?: string;
  readonly data: string;
}

const FIELD: Readonly<Record<AuditFilterField, keyof AuditEventDocument>> = {
  type: 'type',
  outcome: 'outcome',
  time: 'time',
  'actor.tokenId': 'tokenId',
  'resource.id': 'resourceId',
};

const NEWEST_FIRST = { time: -1, _id: -1 } as const;

/** A filter as a MongoDB query; values are only ever operands (escaped in regular expressions), never field names. */
export function auditFilterToMongo(filter: AuditFilter): Filter<AuditEventDocument> {
  switch (filter.kind) {
    case 'and':
      return { $and: filter.filters.map(auditFilterToMongo) };
    case 'or':
      return { $or: filter.filters.map(auditFilterToMongo) };
    case 'not':
      return { $nor: [auditFilterToMongo(filter.filter)] };
    case 'present':
      return { [FIELD[filter.field]]: { $exists: true, $ne: null } };
    case 'compare': {
      const field = FIELD[filter.field];
      const value = filter.value;
      switch (filter.op) {
        case 'eq':
          return { [field]: value };
        case 'ne':
          return { $nor: [{ [field]: value }] };
        case 'gt':
        case 'ge':
        case 'lt':
        case 'le':
          // Strings compare by code point in both MongoDB's default (binary) comparison and mingo.
          return { [field]: { [`$${filter.op === 'ge' ? 'gte' : filter.op === 'le' ? 'lte' : filter.op}`]: value } };
        case 'sw':
          return { [field]: { $regex: `^${escapeRegex(value)}` } };
        case 'ew':
          return { [field]: { $regex: `${escapeRegex(value)}$` } };
        case 'co':
          return { [field]: { $regex: escapeRegex(value) } };
      }
    }
  }
}

function toDocument(event: AuditEventRecord): AuditEventDocument {
  return {
    _id: event.id,
    tenantId: event.tenantId,
    time: event.time,
    type: event.type,
    outcome: event.outcome,
    ...(event.actor.tokenId === null ? {} : { tokenId: event.actor.tokenId }),
    ...(event.resource?.id === undefined ? {} : { resourceId: event.resource.id }),
    data: JSON.stringify(event),
  };
}

export function createMongoAuditEventStore(deps: { events: Collection<AuditEventDocument>; ready: () => Promise<void> }): AuditEventStore {
  const { events } = deps;
  const run = whenReady(deps.ready);

  return {
    async append(records) {
      if (records.length === 0) return 0;
      return run(() => insertNewDocuments(events, records.map(toDocument)));
    },

    async list(tenantId, query) {
      return run(async () => {
        const match: Filter<AuditEventDocument> = query.filter ? { $and: [{ tenantId }, auditFilterToMongo(query.filter)] } : { tenantId };
        const totalResults = await events.countDocuments(match);
        if (query.count <= 0) return { events: [], totalResults };
        const after = query.after;
        const page: Filter<AuditEventDocument> = after
          ? { $and: [match, { $or: [{ time: { $lt: after.time } }, { time: after.time, _id: { $lt: after.id } }] }] }
          : match;
        // One document more than asked: its presence says another page follows.
        const documents = await events.find(page, { sort: NEWEST_FIRST, limit: query.count + 1, projection: { data: 1 } }).toArray();
        const found = documents.slice(0, query.count).map((document) => JSON.parse(document.data) as AuditEventRecord);
        const last = found[found.length - 1];
        const next: AuditPosition | undefined = documents.length > query.count && last ? { time: last.time, id: last.id } : undefined;
        return { events: found, totalResults, ...(next ? { next } : {}) };
      });
    },

    async get(tenantId, id) {
      return run(async () => {
        const document = await events.findOne({ _id: id, tenantId }, { projection: { data: 1 } });
        return document ? (JSON.parse(document.data) as AuditEventRecord) : null;
      });
    },

    async purge(tenantId, before, limit) {
      return run(async () => {
        const ids = (await events.find({ tenantId, time: { $lt: before } }, { projection: { _id: 1 }, sort: { time: 1 }, limit }).toArray()).map((document) => document._id);
        if (ids.length === 0) return 0;
        return (await events.deleteMany({ _id: { $in: ids }, tenantId })).deletedCount;
      });
    },
  };
}
