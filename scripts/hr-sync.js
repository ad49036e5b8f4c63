#!/usr/bin/env node
// HR connector: makes the Users of a SCIM tenant match a CSV export from an HR system, through POST /Bulk.
//
//   SCIM_TOKEN=scim_… node scripts/hr-sync.js --csv people.csv --url https://scim.example.com/scim/v2 [--dry-run]
//                                             [--deactivate-missing]
//
// Matching is by `externalId` = the CSV's employeeId (RFC 7643 §3.1: the identifier the provisioning client owns), so
// a run is idempotent: a person already there with the same values is left alone (no write, no new version), a
// changed one is updated in place, a new one is created, and running the same file twice changes nothing the second
// time. A userName is never used to match (people change names; see docs/hr-csv-connector.md). With
// --deactivate-missing, users that carry an externalId which is no longer in the file are set `active: false`
// (never deleted: HR exports are sometimes partial). The token comes from the environment, not the command line,
// so that it stays out of shell history and process lists.
'use strict';
/* global fetch, URLSearchParams -- Node 20+ provides both */
const fs = require('node:fs');
const { parse } = require('csv-parse/sync');

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const COLUMNS = ['employeeId', 'userName', 'givenName', 'familyName', 'email', 'title', 'department', 'active'];
const REQUIRED = ['employeeId', 'userName'];
const PAGE = 500;

const USAGE = `Usage: SCIM_TOKEN=<token> node scripts/hr-sync.js --csv <file> --url <SCIM base URL> [--dry-run] [--deactivate-missing]
       [--token-env <NAME>]   read the token from this variable instead of SCIM_TOKEN

CSV columns (header row, any order): ${COLUMNS.join(', ')}; ${REQUIRED.join(' and ')} are required.
active: true/false/yes/no/1/0 (empty: true).`;

function parseArgs(argv) {
  const options = { dryRun: false, deactivateMissing: false, tokenEnv: 'SCIM_TOKEN' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--csv') options.csv = value();
    else if (arg === '--url') options.url = value().replace(/\/+$/, '');
    else if (arg === '--token-env') options.tokenEnv = value();
    else if (arg === '--dry-run') options.dryRun = true;
    else if (arg === '--deactivate-missing') options.deactivateMissing = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else throw new Error(`Unknown argument ${arg}`);
  }
  if (options.help) return options;
  if (!options.csv) throw new Error('--csv <file> is required');
  if (!options.url) throw new Error('--url <SCIM base URL> is required, e.g. https://scim.example.com/scim/v2');
  return options;
}

const truthy = (text, line) => {
  const value = String(text ?? '').trim().toLowerCase();
  if (['', 'true', 'yes', '1'].includes(value)) return true;
  if (['false', 'no', '0'].includes(value)) return false;
  throw new Error(`line ${line}: active must be true or false, got "${text}"`);
};

/** The CSV as people: one SCIM User body per row, keyed by employeeId (= externalId). */
function readPeople(text) {
  const rows = parse(text, { columns: (header) => header.map((name) => name.trim()), skip_empty_lines: true, trim: true, bom: true });
  const people = new Map();
  rows.forEach((row, index) => {
    const line = index + 2;
    for (const column of REQUIRED) if (!row[column]) throw new Error(`line ${line}: ${column} is empty`);
    if (people.has(row.employeeId)) throw new Error(`line ${line}: employeeId ${row.employeeId} appears twice`);
    const user = { schemas: [USER], externalId: row.employeeId, userName: row.userName, active: truthy(row.active, line) };
    if (row.givenName || row.familyName) user.name = { ...(row.givenName ? { givenName: row.givenName } : {}), ...(row.familyName ? { familyName: row.familyName } : {}) };
    if (row.email) user.emails = [{ value: row.email, type: 'work', primary: true }];
    if (row.title) user.title = row.title;
    if (row.department) {
      user.schemas = [USER, ENTERPRISE];
      user[ENTERPRISE] = { employeeNumber: row.employeeId, department: row.department };
    }
    people.set(row.employeeId, user);
  });
  return people;
}

/** What the connector manages of a user, in a form that compares equal when nothing changed. */
function managed(user) {
  const email = (user.emails ?? []).find((entry) => entry.primary) ?? (user.emails ?? [])[0];
  const enterprise = user[ENTERPRISE] ?? {};
  return JSON.stringify([
    user.userName ?? '',
    user.name?.givenName ?? '',
    user.name?.familyName ?? '',
    email?.value ?? '',
    user.title ?? '',
    enterprise.department ?? '',
    user.active !== false,
  ]);
}

function client(base, token) {
  return async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/scim+json', 'User-Agent': 'scim-server hr-sync', ...(body ? { 'Content-Type': 'application/scim+json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${json?.detail ?? text}`);
    return json;
  };
}

/** Every user that has an externalId, by externalId (cursor paging, RFC 9865: the walk is stable under writes). */
async function existingUsers(call) {
  const users = new Map();
  let cursor = '';
  for (;;) {
    const query = new URLSearchParams({ filter: 'externalId pr', count: String(PAGE), cursor });
    const page = await call('GET', `/Users?${query}`);
    for (const user of page.Resources ?? []) users.set(user.externalId, user);
    if (!page.nextCursor) return users;
    cursor = page.nextCursor;
  }
}

/**
 * The whole user for a PUT (which replaces everything): the attributes the file manages come from the file (one left
 * empty there is removed), every other attribute (phone numbers, roles, other extension fields…) is kept as stored.
 */
function replacement(current, person) {
  const { id: _id, meta: _meta, groups: _groups, schemas: _schemas, name: _name, emails: _emails, title: _title, [ENTERPRISE]: stored, ...kept } = current;
  const { [ENTERPRISE]: wanted, schemas: _personSchemas, ...fromFile } = person;
  const { department: _department, employeeNumber: _employeeNumber, ...otherEnterprise } = stored ?? {};
  const enterprise = { ...otherEnterprise, ...(wanted ?? {}) };
  const hasEnterprise = Object.keys(enterprise).length > 0;
  // Other extensions kept as stored (an operator's, the server's own lifecycle) keep their URN in `schemas`.
  const keptExtensions = (current.schemas ?? []).filter((urn) => urn !== USER && urn !== ENTERPRISE && urn in kept);
  const schemas = [USER, ...(hasEnterprise ? [ENTERPRISE] : []), ...keptExtensions];
  return { ...kept, ...fromFile, schemas, ...(hasEnterprise ? { [ENTERPRISE]: enterprise } : {}) };
}

/** The Bulk operations that make the tenant match the file, and what they are. */
function plan(people, existing, { deactivateMissing }) {
  const operations = [];
  const counts = { create: 0, update: 0, deactivate: 0, unchanged: 0 };
  for (const [employeeId, person] of people) {
    const current = existing.get(employeeId);
    if (!current) {
      counts.create++;
      operations.push({ method: 'POST', path: '/Users', bulkId: `employee-${employeeId}`, data: person });
    } else if (managed(current) !== managed(person)) {
      counts.update++;
      // PUT with the version read: a concurrent change by someone else makes this one fail (412) rather than lose it.
      operations.push({ method: 'PUT', path: `/Users/${current.id}`, version: current.meta?.version, data: replacement(current, person) });
    } else counts.unchanged++;
  }
  if (deactivateMissing) {
    for (const [externalId, user] of existing) {
      if (people.has(externalId) || user.active === false) continue;
      counts.deactivate++;
      operations.push({ method: 'PATCH', path: `/Users/${user.id}`, version: user.meta?.version, data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] } });
    }
  }
  return { operations, counts };
}

async function sync(options, env, log) {
  const token = env[options.tokenEnv];
  if (!token) throw new Error(`Set the bearer token in the environment variable ${options.tokenEnv} (a token with scim:read and scim:write)`);
  const people = readPeople(fs.readFileSync(options.csv, 'utf8'));
  const call = client(options.url, token);
  const config = await call('GET', '/ServiceProviderConfig');
  if (config.bulk?.supported !== true) throw new Error('The server does not support Bulk');
  const batchSize = Math.max(1, Math.min(Number(config.bulk.maxOperations) || 100, 500));
  const existing = await existingUsers(call);
  const { operations, counts } = plan(people, existing, options);
  const failures = [];
  const KIND = { POST: 'create', PUT: 'update', PATCH: 'deactivate' };
  if (!options.dryRun) {
    for (let from = 0; from < operations.length; from += batchSize) {
      const batch = operations.slice(from, from + batchSize);
      const response = await call('POST', '/Bulk', { schemas: [BULK_REQUEST], Operations: batch });
      (response.Operations ?? []).forEach((result, index) => {
        if (Number(result.status) < 400) return;
        counts[KIND[batch[index].method]]--;
        failures.push(`${batch[index].method} ${batch[index].bulkId ?? batch[index].path}: ${result.status} ${result.response?.detail ?? ''}`.trim());
      });
    }
  }
  const verb = options.dryRun ? 'would' : 'did';
  log(`${people.size} people in ${options.csv}: ${verb} create ${counts.create}, update ${counts.update}, deactivate ${counts.deactivate}; ${counts.unchanged} unchanged; ${failures.length} failed`);
  for (const failure of failures) log(`  failed: ${failure}`);
  return failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  sync(options, process.env, (line) => process.stdout.write(`${line}\n`)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`hr-sync: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}

module.exports = { readPeople, plan, managed, parseArgs };
