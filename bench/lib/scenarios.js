// The benchmark scenarios. Each one turns a target (a base URL, a token, the directory size...) into autocannon
// options; the load process (load-process.js) builds them on its side, since functions cannot cross processes.
'use strict';
const { URLSearchParams } = require('node:url');
const { BULK_SCHEMA, PATCH_SCHEMA, USER_SCHEMA, emailOf, familyNameOf, mixCase, userBody, userId, userNameOf } = require('./directory');

const PAGE = 100;

/** Spreads consecutive numbers over 0..size-1 (a stride coprime with size), so concurrent writers rarely meet. */
function scatter(size) {
  let stride = Math.max(1, Math.floor(size * 0.618));
  while (gcd(stride, size) !== 1) stride++;
  let next = Math.floor(Math.random() * size);
  return () => {
    next = (next + stride) % size;
    return next;
  };
}

function gcd(a, b) {
  return b === 0 ? a : gcd(b, a % b);
}

const randomIndex = (n) => Math.floor(Math.random() * n);
const query = (params) => new URLSearchParams(params).toString();
const json = (value) => JSON.stringify(value);

/** Per-process unique names for created users (several runs share one database only within a run). */
let created = 0;
const uniqueName = (target) => `bench-${target.runTag}-${process.pid}-${++created}@example.net`;

function headers(target, body) {
  const base = { authorization: `Bearer ${target.token}`, accept: 'application/scim+json' };
  return body ? { ...base, 'content-type': 'application/scim+json' } : base;
}

const get = (target, path) => ({ method: 'GET', path: `${target.basePath}${path}`, headers: headers(target) });
const send = (target, method, path, body) => ({ method, path: `${target.basePath}${path}`, headers: headers(target, true), body: json(body) });

/** A ListResponse with exactly one resource: the user the filter names, found case-insensitively. */
const exactlyOne = (body) => /"totalResults"\s*:\s*1\b/.test(body);
/** A ListResponse with a full page. */
const fullPage = (body) => /"itemsPerPage"\s*:\s*100\b/.test(body);

/** Each cycle takes one member out of the big group and puts it back (two PATCH requests). */
function groupMemberRequests(target, query) {
  const next = scatter(target.groupMembers);
  const path = `${target.basePath}/Groups/${target.groupId}${query}`;
  return [
    {
      ...send(target, 'PATCH', `/Groups/${target.groupId}`, {}),
      setupRequest: (req, context) => {
        context.member = userId(next());
        return { ...req, path, body: json({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'remove', path: `members[value eq "${context.member}"]` }] }) };
      },
    },
    {
      ...send(target, 'PATCH', `/Groups/${target.groupId}`, {}),
      setupRequest: (req, context) => ({ ...req, path, body: json({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value: [{ value: context.member }] }] }) }),
    },
  ];
}

/**
 * name: the row label; ceiling: which ceiling endpoint it is compared with; needs: the capability it depends on
 * (checked by the orchestrator before running); requests(target): autocannon `requests`; verify: body check.
 */
const SCENARIOS = [
  {
    name: 'get-by-id',
    ceiling: 'get',
    requests: (target) => [{ ...get(target, '/Users/x'), setupRequest: (req) => ({ ...req, path: `${target.basePath}/Users/${userId(randomIndex(target.n))}` }) }],
  },
  {
    name: 'filter userName eq',
    ceiling: 'get',
    scaling: true,
    verify: exactlyOne,
    requests: (target) => [
      {
        ...get(target, '/Users'),
        setupRequest: (req) => {
          const index = randomIndex(target.n);
          return { ...req, path: `${target.basePath}/Users?${query({ filter: `userName eq "${mixCase(userNameOf(index), index)}"` })}` };
        },
      },
    ],
  },
  {
    name: 'filter emails.value eq',
    ceiling: 'get',
    scaling: true,
    verify: exactlyOne,
    requests: (target) => [
      {
        ...get(target, '/Users'),
        setupRequest: (req) => {
          const index = randomIndex(target.n);
          return { ...req, path: `${target.basePath}/Users?${query({ filter: `emails.value eq "${mixCase(emailOf(index), index + 1)}"` })}` };
        },
      },
    ],
  },
  {
    name: 'filter familyName co',
    ceiling: 'get',
    requests: (target) => [
      {
        ...get(target, '/Users'),
        setupRequest: (req) => {
          // Three letters from inside a random user's family name: matches a few percent of the directory.
          const family = familyNameOf(randomIndex(target.n));
          const at = 1 + randomIndex(Math.max(1, family.length - 3));
          return { ...req, path: `${target.basePath}/Users?${query({ filter: `name.familyName co "${family.slice(at, at + 3)}"`, count: PAGE })}` };
        },
      },
    ],
  },
  {
    name: 'filter emails.value co',
    ceiling: 'get',
    verify: exactlyOne,
    requests: (target) => [
      {
        ...get(target, '/Users'),
        setupRequest: (req) => {
          // The end of a random user's family name, its number and the "@": a selective substring, in mixed case,
          // that the trigram index serves (README "Querying"); exactly one user holds it.
          const index = randomIndex(target.n);
          const email = emailOf(index);
          const at = email.indexOf('@');
          const start = Math.max(0, email.lastIndexOf('.', at) + 1, at - String(index).length - 3);
          return { ...req, path: `${target.basePath}/Users?${query({ filter: `emails.value co "${mixCase(email.slice(start, at + 5), index)}"`, count: PAGE })}` };
        },
      },
    ],
  },
  {
    name: 'list startIndex (deep)',
    ceiling: 'get',
    verify: fullPage,
    requests: (target) => [
      {
        ...get(target, '/Users'),
        setupRequest: (req) => ({ ...req, path: `${target.basePath}/Users?${query({ startIndex: 1 + randomIndex(Math.max(1, target.n - PAGE)), count: PAGE })}` }),
      },
    ],
  },
  {
    name: 'list cursor page 1',
    ceiling: 'get',
    needs: 'cursor',
    verify: fullPage,
    requests: (target) => [get(target, `/Users?cursor=&count=${PAGE}`)],
  },
  {
    name: 'list cursor deep',
    ceiling: 'get',
    needs: 'cursor',
    verify: fullPage,
    // target.deepCursor: the cursor of the page at depth min(1,000, N/100 - 1), fetched by walking before the run.
    requests: (target) => [get(target, `/Users?${query({ cursor: target.deepCursor, count: PAGE })}`)],
  },
  {
    name: 'list cursor walk',
    ceiling: 'get',
    needs: 'cursor',
    scaling: true,
    verify: fullPage,
    requests: (target) => {
      // Each connection follows nextCursor from page 1 for up to 50 pages, then starts again.
      const follow = {
        ...get(target, '/Users'),
        setupRequest: (req, context) => (context.next ? { ...req, path: `${target.basePath}/Users?${query({ cursor: context.next, count: PAGE })}` } : null),
        onResponse: (_status, body, context) => {
          context.next = /"nextCursor"\s*:\s*"([^"]+)"/.exec(body)?.[1];
        },
      };
      const first = { ...get(target, `/Users?cursor=&count=${PAGE}`), onResponse: follow.onResponse };
      return [first, ...Array.from({ length: Math.max(0, Math.min(49, Math.floor(target.n / PAGE) - 1)) }, () => follow)];
    },
  },
  {
    name: 'create',
    ceiling: 'post',
    requests: (target) => [
      {
        ...send(target, 'POST', '/Users', {}),
        setupRequest: (req) => {
          const userName = uniqueName(target);
          return { ...req, body: json({ schemas: [USER_SCHEMA], userName, name: { givenName: 'Bench', familyName: 'Created' }, emails: [{ value: userName, type: 'work', primary: true }] }) };
        },
      },
    ],
  },
  {
    name: 'PUT',
    ceiling: 'post',
    requests: (target) => {
      const next = scatter(target.n);
      let version = 0;
      return [
        {
          ...send(target, 'PUT', '/Users/x', {}),
          setupRequest: (req) => {
            const index = next();
            return { ...req, path: `${target.basePath}/Users/${userId(index)}`, body: json(userBody(index, { title: `Engineer ${++version}` })) };
          },
        },
      ];
    },
  },
  {
    name: 'PATCH replace',
    ceiling: 'post',
    needs: 'patch',
    requests: (target) => {
      const next = scatter(target.n);
      let version = 0;
      return [
        {
          ...send(target, 'PATCH', '/Users/x', {}),
          setupRequest: (req) => ({
            ...req,
            path: `${target.basePath}/Users/${userId(next())}`,
            body: json({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'title', value: `Lead ${++version}` }] }),
          }),
        },
      ];
    },
  },
  {
    // README "Roles": each cycle grants one catalogue role to a user and takes it back (two versioned writes, each the
    // PATCH it stands for, with the catalogue lookup of the granted name).
    name: 'roles add+remove',
    ceiling: 'post',
    needs: 'roles',
    requests: (target) => {
      const next = scatter(target.n);
      return [
        {
          ...send(target, 'POST', '/Users/x/roles', {}),
          setupRequest: (req, context) => {
            context.user = userId(next());
            context.role = target.roleNames[randomIndex(target.roleNames.length)];
            return { ...req, path: `${target.basePath}/Users/${context.user}/roles?attributes=roles`, body: json({ roles: [context.role] }) };
          },
        },
        {
          ...get(target, '/Users/x/roles/y'),
          method: 'DELETE',
          setupRequest: (req, context) => ({ ...req, path: `${target.basePath}/Users/${context.user}/roles/${encodeURIComponent(context.role)}?attributes=roles` }),
        },
      ];
    },
  },
  {
    // One role granted to 1,000 users by one Bulk request of PATCH operations, then taken back by the next: every
    // operation is one user's delta (a versioned write), whatever the number of holders.
    name: 'Bulk 1,000 role grants',
    ceiling: 'post',
    needs: 'roles',
    connections: 1,
    unit: 'users',
    perRequest: (target) => target.bulkOperations,
    verify: (body) => !/"status"\s*:\s*"?[45]\d\d/.test(body),
    requests: (target) => {
      const blocks = Math.max(1, Math.floor(target.n / target.bulkOperations));
      let request = 0;
      return [
        {
          ...send(target, 'POST', '/Bulk', {}),
          setupRequest: (req) => {
            // Requests 2k and 2k+1 grant and take back the role on the same block of users.
            const grant = request % 2 === 0;
            const block = Math.floor(request / 2) % blocks;
            request += 1;
            const role = target.roleNames[0];
            const Operations = [];
            for (let i = 0; i < target.bulkOperations; i++) {
              const id = userId((block * target.bulkOperations + i) % target.n);
              const operation = grant ? { op: 'add', path: 'roles', value: [{ value: role }] } : { op: 'remove', path: `roles[value eq "${role}"]` };
              Operations.push({ method: 'PATCH', path: `/Users/${id}`, data: { schemas: [PATCH_SCHEMA], Operations: [operation] } });
            }
            return { ...req, body: json({ schemas: [BULK_SCHEMA], Operations }) };
          },
        },
      ];
    },
  },
  {
    // One password verification per request: bound by the hash, scrypt N=2^15, r=8, p=3 (README "Passwords"), one hash
    // per core at a time; the sign-in itself is two reads and one write of the unversioned state.
    name: 'verify-credentials',
    ceiling: 'post',
    needs: 'credentials',
    verify: (body) => /"state"\s*:\s*"active"/.test(body),
    requests: (target) => [
      {
        method: 'POST',
        path: `${target.basePath}/Users/.verify-credentials`,
        headers: { authorization: `Bearer ${target.credentialsToken}`, accept: 'application/scim+json', 'content-type': 'application/scim+json' },
        setupRequest: (req) => {
          const index = randomIndex(target.signInUsers);
          return { ...req, body: json({ userName: userNameOf(index), password: `Bench-Sign-In-${index}` }) };
        },
      },
    ],
  },
  {
    // Each cycle locks, unlocks, disables and enables one user: four state changes, each one versioned write, to
    // compare with "PATCH replace" (one versioned write each).
    name: 'lock, unlock, disable, enable',
    ceiling: 'post',
    needs: 'lifecycle',
    requests: (target) => {
      const next = scatter(target.n);
      const action = (name, first) => ({
        ...send(target, 'POST', '/Users/x', {}),
        setupRequest: (req, context) => {
          if (first) context.user = userId(next());
          return { ...req, path: `${target.basePath}/Users/${context.user}/${name}` };
        },
      });
      return [action('lock', true), action('unlock'), action('disable'), action('enable')];
    },
  },
  {
    name: 'group member remove+add',
    ceiling: 'post',
    needs: 'groups',
    requests: (target) => groupMemberRequests(target, ''),
  },
  {
    // The same, asking for no members in the answer (RFC 7644 §3.9 excludedAttributes): the cost of the change alone.
    name: 'group remove+add, no members back',
    ceiling: 'post',
    needs: 'groups',
    oursOnly: 'the peer rebuilds the whole group on every PATCH whatever the response holds',
    requests: (target) => groupMemberRequests(target, '?excludedAttributes=members'),
  },
  {
    name: 'POST x1 sequential',
    ceiling: 'post',
    connections: 1,
    unit: 'users',
    requests: (target) => SCENARIOS_BY_NAME.get('create').requests(target),
  },
  {
    name: 'Bulk 1,000 creates',
    ceiling: 'post',
    needs: 'bulk',
    connections: 1,
    unit: 'users',
    perRequest: (target) => target.bulkOperations,
    // Every operation must have succeeded (RFC 7644 §3.7.3: one status per operation).
    verify: (body) => !/"status"\s*:\s*"?[45]\d\d/.test(body),
    requests: (target) => [
      {
        ...send(target, 'POST', '/Bulk', {}),
        setupRequest: (req) => {
          const Operations = [];
          for (let i = 0; i < target.bulkOperations; i++) {
            const userName = uniqueName(target);
            Operations.push({ method: 'POST', path: '/Users', bulkId: `u${i}`, data: { schemas: [USER_SCHEMA], userName, emails: [{ value: userName, type: 'work' }] } });
          }
          return { ...req, body: json({ schemas: [BULK_SCHEMA], Operations }) };
        },
      },
    ],
  },
];

/** The bare-Express ceiling (bench/ceiling): a fixed 1 KB JSON body for GET, an echo for POST. */
const CEILING_SCENARIOS = [
  { name: 'ceiling get', requests: () => [{ method: 'GET', path: '/ceiling' }] },
  {
    name: 'ceiling post',
    requests: (target) => [
      {
        method: 'POST',
        path: '/ceiling',
        headers: { 'content-type': 'application/scim+json' },
        setupRequest: (req) => {
          const userName = uniqueName(target);
          return { ...req, body: json({ schemas: [USER_SCHEMA], userName, name: { givenName: 'Bench', familyName: 'Created' }, emails: [{ value: userName, type: 'work', primary: true }] }) };
        },
      },
    ],
  },
];

const SCENARIOS_BY_NAME = new Map([...SCENARIOS, ...CEILING_SCENARIOS].map((scenario) => [scenario.name, scenario]));

/** A short, flag-friendly key for each scenario (`--scenarios get,eq-username`). */
const SCENARIO_KEYS = {
  get: 'get-by-id',
  'eq-username': 'filter userName eq',
  'eq-email': 'filter emails.value eq',
  co: 'filter familyName co',
  'co-email': 'filter emails.value co',
  'list-index': 'list startIndex (deep)',
  'cursor-first': 'list cursor page 1',
  'cursor-deep': 'list cursor deep',
  'cursor-walk': 'list cursor walk',
  create: 'create',
  put: 'PUT',
  patch: 'PATCH replace',
  group: 'group member remove+add',
  'group-lean': 'group remove+add, no members back',
  sequential: 'POST x1 sequential',
  bulk: 'Bulk 1,000 creates',
  roles: 'roles add+remove',
  'bulk-roles': 'Bulk 1,000 role grants',
  verify: 'verify-credentials',
  lifecycle: 'lock, unlock, disable, enable',
  // Not a load scenario: one export of every user and one import of the file (bench/lib/transfer.js); only when named.
  transfer: 'export and import of every user',
};

module.exports = { SCENARIOS, SCENARIOS_BY_NAME, SCENARIO_KEYS, PAGE };
