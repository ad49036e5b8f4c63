// The peer's storage adapter: a plain in-memory store (a Map per resource type) behind SCIMMY's ingress, egress and
// degress handlers. It gives the peer its best case while staying a plain in-memory store:
// - reads by id are Map lookups;
// - lists are paged here, before SCIMMY turns records into schema instances (SCIMMY would otherwise build one for
//   every match and slice afterwards), with totalResults handed over through the resource's constraints;
// - filters run through SCIMMY's own Filter.match (a scan, as any store without indexes does). Filter.match compares
//   values case-sensitively, which RFC 7643 §2.2 (caseExact false on userName, emails.value, name.familyName) does
//   not allow, so the scan runs over a lower-cased copy of each record with a lower-cased filter: without it the
//   mixed-case lookups of the benchmark would answer zero results.
'use strict';
const { randomUUID } = require('node:crypto');

/**
 * One resource type's records and a case-insensitive index of its unique attribute; with `caseless`, also the
 * lower-cased shadows that filters scan (users; a group's shadow would copy its whole member list on each write).
 */
function createTable(SCIMMY, uniqueAttribute, { caseless = false } = {}) {
  const records = new Map();
  const shadows = new Map();
  const unique = new Map();
  const lower = (record) => JSON.parse(JSON.stringify(record).toLowerCase());
  return {
    records,
    get: (id) => records.get(id),
    put(record) {
      const previous = records.get(record.id);
      const key = String(record[uniqueAttribute] ?? '').toLowerCase();
      const holder = unique.get(key);
      if (holder !== undefined && holder !== record.id) {
        throw new SCIMMY.Types.Error(409, 'uniqueness', `${uniqueAttribute} '${record[uniqueAttribute]}' is already in use`);
      }
      if (previous) unique.delete(String(previous[uniqueAttribute] ?? '').toLowerCase());
      unique.set(key, record.id);
      records.set(record.id, record);
      if (caseless) shadows.set(record.id, lower(record));
      return record;
    },
    delete(id) {
      const previous = records.get(id);
      if (!previous) return false;
      unique.delete(String(previous[uniqueAttribute] ?? '').toLowerCase());
      records.delete(id);
      shadows.delete(id);
      return true;
    },
    /** Every record that matches (compared through the lower-cased copies when the table is caseless). */
    match(filter) {
      if (!caseless) return filter.match([...records.values()]);
      const caselessFilter = new SCIMMY.Types.Filter(filter.expression.toLowerCase());
      return caselessFilter.match([...shadows.values()]).map((shadow) => records.get(shadow.id));
    },
  };
}

/** Pages a list in the adapter; SCIMMY slices again unless totalResults says the page is already cut. */
function page(resource, matches) {
  const { startIndex = 1, count = 20 } = resource.constraints ?? {};
  const from = Math.max(startIndex, 1) - 1;
  const totalResults = matches.length;
  const rows = matches.slice(from, from + count);
  // SCIMMY's ListResponse slices at startIndex when the rows could still include the skipped ones; give it those
  // rows in that case (a page near the start), so that it cuts the same page.
  if (rows.length >= startIndex) {
    const withSkipped = matches.slice(0, from + count);
    if (totalResults !== withSkipped.length + startIndex - 1) {
      resource.constraints = { ...resource.constraints, totalResults };
      return withSkipped;
    }
    return matches;
  }
  resource.constraints = { ...resource.constraints, totalResults };
  return rows;
}

/** Connects one SCIMMY resource class (User, Group) to a table. */
function declareResource(SCIMMY, Resource, table, resourceType) {
  Resource.egress((resource) => {
    if (resource.id) {
      const record = table.get(resource.id);
      if (!record) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
      return record;
    }
    const matches = resource.filter ? table.match(resource.filter) : [...table.records.values()];
    return page(resource, matches);
  });
  Resource.ingress((resource, instance) => {
    const now = new Date().toISOString();
    const existing = resource.id ? table.get(resource.id) : undefined;
    if (resource.id && !existing) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
    const { schemas: _schemas, meta: _meta, ...attributes } = JSON.parse(JSON.stringify(instance));
    const id = existing?.id ?? randomUUID();
    const created = existing?.meta.created ?? now;
    return table.put({ ...attributes, id, meta: { resourceType, created, lastModified: now } });
  });
  Resource.degress((resource) => {
    if (!table.delete(resource.id)) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
  });
}

module.exports = { createTable, declareResource, page };
