// The benchmark directory: N users generated deterministically from their index, so that our server, the peer
// and the load generator agree on ids, userNames and e-mail addresses without passing 100,000 records around.
'use strict';
const { createHash } = require('node:crypto');

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

// Syllables give family names with shared substrings, so that a `co` filter matches a realistic fraction.
const SYLLABLES = ['an', 'ber', 'cas', 'dor', 'el', 'fen', 'gar', 'hol', 'in', 'jor', 'kel', 'lin', 'mor', 'nes', 'ol', 'per', 'quin', 'ros', 'sten', 'tal', 'ul', 'ven', 'wil', 'xan', 'yor', 'zel'];
const GIVEN = ['Ada', 'Barbara', 'Carlos', 'Dana', 'Emeka', 'Fatima', 'Goran', 'Hana', 'Ivan', 'Jun', 'Kofi', 'Lena', 'Mateo', 'Nadia', 'Omar', 'Priya'];

/** A stable UUID-shaped id for user (or group) number `index`. */
function idOf(kind, index) {
  const hex = createHash('sha1').update(`${kind}:${index}`).digest('hex');
  // Version 4 / variant 10 bits set, so that it is a well-formed UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const userId = (index) => idOf('user', index);
const groupId = (index) => idOf('group', index);

function familyNameOf(index) {
  const a = SYLLABLES[index % SYLLABLES.length];
  const b = SYLLABLES[Math.floor(index / SYLLABLES.length) % SYLLABLES.length];
  const c = SYLLABLES[Math.floor(index / (SYLLABLES.length * SYLLABLES.length)) % SYLLABLES.length];
  const name = `${a}${b}${c}`;
  return name[0].toUpperCase() + name.slice(1);
}

function givenNameOf(index) {
  return GIVEN[(index * 7) % GIVEN.length];
}

function userNameOf(index) {
  return `${givenNameOf(index)}.${familyNameOf(index)}.${index}@Example.com`;
}

function emailOf(index) {
  return `${givenNameOf(index).toLowerCase()}.${familyNameOf(index).toLowerCase()}${index}@mail.example.org`;
}

/** The SCIM body of user `index` (what a client would POST). */
function userBody(index, overrides = {}) {
  const givenName = givenNameOf(index);
  const familyName = familyNameOf(index);
  return {
    schemas: [USER_SCHEMA],
    userName: userNameOf(index),
    externalId: `ext-${index}`,
    name: { givenName, familyName, formatted: `${givenName} ${familyName}` },
    displayName: `${givenName} ${familyName}`,
    title: 'Engineer',
    active: true,
    emails: [{ value: emailOf(index), type: 'work', primary: true }],
    ...overrides,
  };
}

/** The same user body with the case of every letter scrambled (the filter must match case-insensitively). */
function mixCase(text, seed) {
  let out = '';
  for (let i = 0; i < text.length; i++) out += (seed + i) % 3 === 0 ? text[i].toUpperCase() : text[i].toLowerCase();
  return out;
}

module.exports = {
  USER_SCHEMA,
  GROUP_SCHEMA,
  PATCH_SCHEMA,
  BULK_SCHEMA,
  userId,
  groupId,
  userNameOf,
  emailOf,
  familyNameOf,
  userBody,
  mixCase,
};
