// The PATCH table (issue 4): operation(s), starting user, expected resource or error, run through the HTTP layer on
// the embedded store. Every success is checked against a fresh GET (what was stored); every failure is checked to
// have left the stored user untouched (same body, same version).
import request from 'supertest';
import { createTestApp, ENTERPRISE_SCHEMA as ENT, ERROR_SCHEMA, SCIM, steppingClock, USER_SCHEMA, type TestApp, type TestTenant } from '../helpers/test-app';
import { LIFECYCLE } from '../helpers/lifecycle';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const BASE: Record<string, unknown> = {
  userName: 'bjensen',
  externalId: 'ext-1',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  displayName: 'Babs',
  title: 'Tour Guide',
  active: true,
  emails: [
    { value: 'bj@work.example', type: 'work', primary: true },
    { value: 'bj@home.example', type: 'home' },
  ],
  phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
  addresses: [{ type: 'work', locality: 'Hollywood', country: 'US' }],
  roles: [{ value: 'guide' }],
  [ENT]: { employeeNumber: '701984', department: 'Tours', manager: { value: 'boss-1' } },
};

interface Case {
  readonly name: string;
  readonly ops: readonly unknown[];
  /** Starting attributes merged over BASE (a key set to undefined is left out). */
  readonly start?: Record<string, unknown>;
  /** Expected (partial) resource after the PATCH. */
  readonly after?: Record<string, unknown>;
  /** Top-level keys (or `urn:…:attr`) that must be absent afterwards. */
  readonly absent?: readonly string[];
  /** Expected error: scimType (status 400), and the operation index its detail must name. */
  readonly error?: { readonly scimType: string; readonly index?: number };
  /** Replace the whole body (message-level errors). */
  readonly body?: unknown;
  /** true: the PATCH must not change the version. */
  readonly unchanged?: boolean;
}

const op = (o: string, path: string | undefined, value?: unknown) => (path === undefined ? { op: o, value } : value === undefined ? { op: o, path } : { op: o, path, value });
const work = { value: 'bj@work.example', type: 'work', primary: true };
const home = { value: 'bj@home.example', type: 'home' };

const SIMPLE = ['displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone', 'externalId'];

const CASES: Case[] = [
  // Simple attributes: replace, add (Entra capitalised), remove.
  ...SIMPLE.map((attr): Case => ({ name: `replace ${attr}`, ops: [op('replace', attr, 'X1')], after: { [attr]: 'X1' } })),
  ...SIMPLE.map((attr): Case => ({ name: `Add ${attr} (capitalised op)`, ops: [op('Add', attr, 'X2')], after: { [attr]: 'X2' } })),
  ...SIMPLE.map((attr): Case => ({ name: `Remove ${attr}`, ops: [op('Remove', attr)], absent: [attr], unchanged: !(attr in BASE) })),
  ...SIMPLE.map((attr): Case => ({ name: `replace ${attr} in upper case path`, ops: [op('replace', attr.toUpperCase(), 'X3')], after: { [attr]: 'X3' } })),
  { name: 'replace userName', ops: [op('replace', 'userName', 'ryan3')], after: { userName: 'ryan3' } },
  { name: 'Replace userName (Microsoft collection)', ops: [op('Replace', 'userName', 'newusername')], after: { userName: 'newusername' } },
  { name: 'replace userName via core URN', ops: [op('replace', `${USER_SCHEMA}:userName`, 'urnuser')], after: { userName: 'urnuser' } },
  { name: 'replace displayName with the same value is no change', ops: [op('replace', 'displayName', 'Babs')], unchanged: true },

  // active and boolean strings (Entra ID, Okta).
  { name: 'replace active false', ops: [op('replace', 'active', false)], after: { active: false } },
  { name: 'Replace active "False" (Entra ID)', ops: [op('Replace', 'active', 'False')], after: { active: false } },
  { name: 'Replace active "false" lower case', ops: [op('Replace', 'active', 'false')], after: { active: false } },
  { name: 'Replace active "True" on an inactive user', start: { active: false }, ops: [op('Replace', 'active', 'True')], after: { active: true } },
  { name: 'Add active "TRUE"', start: { active: false }, ops: [op('Add', 'active', 'TRUE')], after: { active: true } },
  { name: 'Okta deprovision: path-less replace {active:false}', ops: [op('replace', undefined, { active: false })], after: { active: false } },
  { name: 'Okta re-enable: path-less replace {active:true}', start: { active: false }, ops: [op('replace', undefined, { active: true })], after: { active: true } },
  { name: 'replace active "True" when already true is no change', ops: [op('Replace', 'active', 'True')], unchanged: true },
  // `active` follows the account state (README "Account lifecycle"): removing it changes nothing.
  { name: 'remove active', ops: [op('remove', 'active')], unchanged: true, after: { active: true } },

  // name (singular complex).
  { name: 'replace name.givenName', ops: [op('replace', 'name.givenName', 'Barb')], after: { name: { givenName: 'Barb', familyName: 'Jensen' } } },
  { name: 'add name.middleName', ops: [op('add', 'name.middleName', 'Q')], after: { name: { givenName: 'Barbara', familyName: 'Jensen', middleName: 'Q' } } },
  { name: 'remove name.familyName', ops: [op('remove', 'name.familyName')], after: { name: { givenName: 'Barbara' } } },
  { name: 'replace name merges sub-attributes', ops: [op('replace', 'name', { familyName: 'Doe' })], after: { name: { givenName: 'Barbara', familyName: 'Doe' } } },
  { name: 'add name merges sub-attributes', ops: [op('add', 'name', { formatted: 'Ms. B J' })], after: { name: { givenName: 'Barbara', familyName: 'Jensen', formatted: 'Ms. B J' } } },
  { name: 'path-less Replace with "name.givenName" keys (Entra ID)', ops: [op('Replace', undefined, { 'name.givenName': 'Bee', 'name.familyName': 'J' })], after: { name: { givenName: 'Bee', familyName: 'J' } } },
  { name: 'path-less replace with a name object', ops: [op('replace', undefined, { name: { givenName: 'Bee' } })], after: { name: { givenName: 'Bee', familyName: 'Jensen' } } },
  { name: 'replace name.familyName via core URN', ops: [op('replace', `${USER_SCHEMA}:name.familyName`, 'Urn')], after: { name: { givenName: 'Barbara', familyName: 'Urn' } } },
  { name: 'remove name', ops: [op('remove', 'name')], absent: ['name'] },
  { name: 'remove the last name sub-attribute leaves name unassigned', start: { name: { givenName: 'B' } }, ops: [op('remove', 'name.givenName')], absent: ['name'] },
  { name: 'NAME.GIVENNAME in any case', ops: [op('replace', 'NAME.GIVENNAME', 'Caps')], after: { name: { givenName: 'Caps', familyName: 'Jensen' } } },

  // emails (multi-valued complex).
  { name: 'add an email appends', ops: [op('add', 'emails', [{ value: 'bj@other.example', type: 'other' }])], after: { emails: [work, home, { value: 'bj@other.example', type: 'other' }] } },
  { name: 'add an email that is already there is no change', ops: [op('add', 'emails', [{ value: 'bj@home.example', type: 'home' }])], unchanged: true },
  { name: 'add a single email object (not an array)', ops: [op('add', 'emails', { value: 'x@y.example' })], after: { emails: [work, home, { value: 'x@y.example' }] } },
  { name: 'replace all emails', ops: [op('replace', 'emails', [{ value: 'only@x.example', type: 'work' }])], after: { emails: [{ value: 'only@x.example', type: 'work' }] } },
  { name: 'replace emails[type eq "work"]', ops: [op('replace', 'emails[type eq "work"]', { value: 'new@work.example', type: 'work' })], after: { emails: [{ value: 'new@work.example', type: 'work' }, home] } },
  { name: 'Replace emails[type eq "work"].value (Entra ID)', ops: [op('Replace', 'emails[type eq "work"].value', 'new@work.example')], after: { emails: [{ ...work, value: 'new@work.example' }, home] } },
  { name: 'replace emails[type eq "WORK"].value matches case-insensitively', ops: [op('replace', 'emails[type eq "WORK"].value', 'ci@work.example')], after: { emails: [{ ...work, value: 'ci@work.example' }, home] } },
  { name: 'Add emails[type eq "work"].value with no work email creates it (Entra ID)', start: { emails: [home] }, ops: [op('Add', 'emails[type eq "work"].value', 'created@work.example')], after: { emails: [home, { type: 'work', value: 'created@work.example' }] } },
  { name: 'add emails[type eq "work"].value on a user without emails', start: { emails: undefined }, ops: [op('add', 'emails[type eq "work"].value', 'first@work.example')], after: { emails: [{ type: 'work', value: 'first@work.example' }] } },
  { name: 'replace emails[type eq "other"].value matching nothing is noTarget', ops: [op('replace', 'emails[type eq "other"].value', 'x@x.example')], error: { scimType: 'noTarget', index: 0 } },
  { name: 'replace emails[type eq "other"] matching nothing is noTarget', ops: [op('replace', 'emails[type eq "other"]', { value: 'x@x.example' })], error: { scimType: 'noTarget', index: 0 } },
  { name: 'add through a co filter matching nothing is noTarget', ops: [op('add', 'emails[value co "nomatch"].display', 'x')], error: { scimType: 'noTarget', index: 0 } },
  { name: 'remove emails[type eq "home"]', ops: [op('remove', 'emails[type eq "home"]')], after: { emails: [work] } },
  { name: 'remove emails[value ew "home.example"]', ops: [op('remove', 'emails[value ew "home.example"]')], after: { emails: [work] } },
  { name: 'remove emails[type eq "other"] matching nothing is no change', ops: [op('remove', 'emails[type eq "other"]')], unchanged: true },
  { name: 'remove emails[type eq "work"].primary', ops: [op('remove', 'emails[type eq "work"].primary')], after: { emails: [{ value: 'bj@work.example', type: 'work' }, home] } },
  { name: 'remove all emails', ops: [op('remove', 'emails')], absent: ['emails'] },
  { name: 'remove emails with a value list removes exactly those', ops: [op('remove', 'emails', [{ value: 'bj@home.example' }])], after: { emails: [work] } },
  { name: 'remove emails with a value list naming nothing stored is no change', ops: [op('remove', 'emails', [{ value: 'nobody@x.example' }])], unchanged: true },
  { name: 'add a primary email clears primary on the others', ops: [op('add', 'emails', [{ value: 'p@x.example', type: 'other', primary: true }])], after: { emails: [{ value: 'bj@work.example', type: 'work' }, home, { value: 'p@x.example', type: 'other', primary: true }] } },
  { name: 'Replace emails[type eq "home"].primary "True" moves primary', ops: [op('Replace', 'emails[type eq "home"].primary', 'True')], after: { emails: [{ value: 'bj@work.example', type: 'work' }, { ...home, primary: true }] } },
  { name: 'replace emails with two primaries is invalidValue', ops: [op('replace', 'emails', [{ value: 'a@x.example', primary: true }, { value: 'b@x.example', primary: true }])], error: { scimType: 'invalidValue', index: 0 } },
  { name: 'add emails[type eq "work"].display updates the work email', ops: [op('add', 'emails[type eq "work"].display', 'Work')], after: { emails: [{ ...work, display: 'Work' }, home] } },
  { name: 'replace emails.type without a filter sets every value', ops: [op('replace', 'emails.type', 'other')], after: { emails: [{ ...work, type: 'other' }, { ...home, type: 'other' }] } },
  { name: 'remove the last email by filter leaves emails unassigned', start: { emails: [home] }, ops: [op('remove', 'emails[type eq "home"]')], absent: ['emails'] },
  { name: 'emails filter with and', ops: [op('replace', 'emails[type eq "work" and primary eq true].value', 'and@x.example')], after: { emails: [{ ...work, value: 'and@x.example' }, home] } },
  { name: 'Add emails[type eq "work"].value when it is already that value is no change', ops: [op('Add', 'emails[type eq "work"].value', 'bj@work.example')], unchanged: true },

  // phoneNumbers, addresses, roles and the other multi-valued attributes.
  { name: 'Add phoneNumbers[type eq "mobile"].value creates a mobile number (Entra ID)', ops: [op('Add', 'phoneNumbers[type eq "mobile"].value', '+1 555 0199')], after: { phoneNumbers: [{ value: '+1 555 0100', type: 'work' }, { type: 'mobile', value: '+1 555 0199' }] } },
  { name: 'Replace phoneNumbers[type eq "work"].value', ops: [op('Replace', 'phoneNumbers[type eq "work"].value', '+1 555 0111')], after: { phoneNumbers: [{ value: '+1 555 0111', type: 'work' }] } },
  { name: 'remove phoneNumbers[type eq "work"]', ops: [op('remove', 'phoneNumbers[type eq "work"]')], absent: ['phoneNumbers'] },
  { name: 'add phoneNumbers as a bare string', ops: [op('add', 'phoneNumbers', '+1 555 0122')], after: { phoneNumbers: [{ value: '+1 555 0100', type: 'work' }, { value: '+1 555 0122' }] } },
  { name: 'Add addresses[type eq "work"].streetAddress (Entra ID)', ops: [op('Add', 'addresses[type eq "work"].streetAddress', '100 Universal City Plaza')], after: { addresses: [{ type: 'work', locality: 'Hollywood', country: 'US', streetAddress: '100 Universal City Plaza' }] } },
  { name: 'Add addresses[type eq "home"].locality creates a home address', ops: [op('Add', 'addresses[type eq "home"].locality', 'Burbank')], after: { addresses: [{ type: 'work', locality: 'Hollywood', country: 'US' }, { type: 'home', locality: 'Burbank' }] } },
  { name: 'replace addresses[type eq "work"].country', ops: [op('replace', 'addresses[type eq "work"].country', 'NL')], after: { addresses: [{ type: 'work', locality: 'Hollywood', country: 'NL' }] } },
  { name: 'remove addresses[type eq "work"].locality', ops: [op('remove', 'addresses[type eq "work"].locality')], after: { addresses: [{ type: 'work', country: 'US' }] } },
  { name: 'add roles', ops: [op('add', 'roles', [{ value: 'admin', display: 'Admin' }])], after: { roles: [{ value: 'guide' }, { value: 'admin', display: 'Admin' }] } },
  { name: 'remove roles[value eq "guide"]', ops: [op('remove', 'roles[value eq "guide"]')], absent: ['roles'] },
  { name: 'add entitlements', ops: [op('add', 'entitlements', [{ value: 'e1' }])], after: { entitlements: [{ value: 'e1' }] } },
  { name: 'add ims', ops: [op('add', 'ims', [{ value: 'bj', type: 'xmpp' }])], after: { ims: [{ value: 'bj', type: 'xmpp' }] } },
  { name: 'add photos', ops: [op('add', 'photos', [{ value: 'https://photos.example/bj.jpg', type: 'photo' }])], after: { photos: [{ value: 'https://photos.example/bj.jpg', type: 'photo' }] } },
  { name: 'add x509Certificates', ops: [op('add', 'x509Certificates', [{ value: 'TUlJRG9qQ0NBbw==' }])], after: { x509Certificates: [{ value: 'TUlJRG9qQ0NBbw==' }] } },

  // Enterprise extension.
  { name: 'replace enterprise department', ops: [op('replace', `${ENT}:department`, 'Sales')], after: { [ENT]: { employeeNumber: '701984', department: 'Sales', manager: { value: 'boss-1' } } } },
  { name: 'Add enterprise costCenter', ops: [op('Add', `${ENT}:costCenter`, '4130')], after: { [ENT]: { costCenter: '4130', department: 'Tours' } } },
  { name: 'remove enterprise department', ops: [op('remove', `${ENT}:department`)], after: { [ENT]: { employeeNumber: '701984', manager: { value: 'boss-1' } } } },
  { name: 'Replace manager with a bare string id (Entra ID)', ops: [op('Replace', `${ENT}:manager`, 'boss-2')], after: { [ENT]: { manager: { value: 'boss-2' } } } },
  { name: 'Add manager as a bare string on a user without one', start: { [ENT]: { department: 'Tours' } }, ops: [op('Add', `${ENT}:manager`, 'boss-3')], after: { [ENT]: { department: 'Tours', manager: { value: 'boss-3' } } } },
  { name: 'replace manager with an object', ops: [op('replace', `${ENT}:manager`, { value: 'boss-4' })], after: { [ENT]: { manager: { value: 'boss-4' } } } },
  { name: 'replace manager.value', ops: [op('replace', `${ENT}:manager.value`, 'boss-5')], after: { [ENT]: { manager: { value: 'boss-5' } } } },
  { name: 'remove manager', ops: [op('remove', `${ENT}:manager`)], after: { [ENT]: { employeeNumber: '701984', department: 'Tours' } } },
  { name: 'Remove manager with its value (Entra ID)', ops: [op('Remove', `${ENT}:manager`, [{ value: 'boss-1' }])], after: { [ENT]: { employeeNumber: '701984', department: 'Tours' } } },
  { name: 'Remove manager naming another manager is no change', ops: [op('Remove', `${ENT}:manager`, [{ value: 'someone-else' }])], unchanged: true },
  { name: 'path-less Replace with URN-qualified keys (Entra ID)', ops: [op('Replace', undefined, { [`${ENT}:department`]: 'Ops', [`${ENT}:employeeNumber`]: '42' })], after: { [ENT]: { department: 'Ops', employeeNumber: '42' } } },
  { name: 'path-less replace with the extension as an object', ops: [op('replace', undefined, { [ENT]: { division: 'West' } })], after: { [ENT]: { division: 'West', department: 'Tours' } } },
  { name: 'replace with the extension URN as path', ops: [op('replace', ENT, { organization: 'Universal' })], after: { [ENT]: { organization: 'Universal', department: 'Tours' } } },
  { name: 'remove the whole extension', ops: [op('remove', ENT)], absent: [ENT] },
  { name: 'add the extension to a user without one', start: { [ENT]: undefined }, ops: [op('add', `${ENT}:department`, 'New')], after: { schemas: [USER_SCHEMA, ENT, LIFECYCLE], [ENT]: { department: 'New' } } },
  { name: 'removing the last extension attribute drops it from schemas', start: { [ENT]: { department: 'Tours' } }, ops: [op('remove', `${ENT}:department`)], absent: [ENT], after: { schemas: [USER_SCHEMA, LIFECYCLE] } },
  { name: 'unqualified extension attribute name (tolerance)', ops: [op('replace', 'department', 'Unq')], after: { [ENT]: { department: 'Unq' } } },
  { name: 'extension URN in other case', ops: [op('replace', `${ENT.toUpperCase()}:DEPARTMENT`, 'Loud')], after: { [ENT]: { department: 'Loud' } } },

  // Several operations in one request.
  { name: 'Entra update: several Replace ops', ops: [op('Replace', 'displayName', 'B J'), op('Replace', 'title', 'Lead'), op('Replace', 'emails[type eq "work"].value', 'lead@work.example')], after: { displayName: 'B J', title: 'Lead', emails: [{ ...work, value: 'lead@work.example' }, home] } },
  { name: 'add then replace through a filter sees the added value', start: { emails: undefined }, ops: [op('add', 'emails', [{ value: 'a@x.example', type: 'work' }]), op('replace', 'emails[type eq "work"].value', 'b@x.example')], after: { emails: [{ value: 'b@x.example', type: 'work' }] } },
  // RFC 7644 §3.5.2.2 judges each operation: removing a required attribute is refused even if a later one sets it.
  { name: 'remove then add userName is mutability at the remove', ops: [op('remove', 'userName'), op('add', 'userName', 'again')], error: { scimType: 'mutability', index: 0 } },
  { name: 'changes that cancel out are no change', ops: [op('replace', 'title', 'Other'), op('replace', 'title', 'Tour Guide')], unchanged: true },
  { name: 'path-less add with several attributes', ops: [op('add', undefined, { nickName: 'BJ', emails: [{ value: 'n@x.example' }] })], after: { nickName: 'BJ', emails: [work, home, { value: 'n@x.example' }] } },
  { name: 'extra "name" key inside an operation is ignored (Microsoft collection)', ops: [{ name: 'setTitle', op: 'replace', path: 'title', value: 'Named' }], after: { title: 'Named' } },
  { name: 'password can be set by PATCH and is never returned', ops: [op('replace', 'password', 'n3w-Passw0rd!')], absent: ['password'] },

  // Errors: the stored user stays as it was.
  { name: 'replace id is mutability', ops: [op('replace', 'id', 'mine')], error: { scimType: 'mutability', index: 0 } },
  { name: 'replace meta.created is mutability', ops: [op('replace', 'meta.created', '2020-01-01T00:00:00Z')], error: { scimType: 'mutability', index: 0 } },
  { name: 'add groups is mutability', ops: [op('add', 'groups', [{ value: 'g1' }])], error: { scimType: 'mutability', index: 0 } },
  { name: 'replace manager.displayName is mutability', ops: [op('replace', `${ENT}:manager.displayName`, 'Boss')], error: { scimType: 'mutability', index: 0 } },
  { name: 'path-less value with readOnly keys ignores them, as PUT does (Okta sends id)', ops: [op('replace', undefined, { id: 'x', meta: { version: '9' }, displayName: 'Okta' })], after: { displayName: 'Okta' } },
  { name: 'Add manager as a list of one (Entra ID)', ops: [op('Add', `${ENT}:manager`, [{ $ref: null, value: 'boss-9' }])], after: { [ENT]: { manager: { value: 'boss-9' } } } },
  // RFC 7644 §3.5.2.2: a required attribute that is removed or becomes unassigned is 400 mutability.
  { name: 'remove userName (required) is mutability', ops: [op('remove', 'userName')], error: { scimType: 'mutability', index: 0 } },
  { name: 'Remove userName via the core URN (required) is mutability', ops: [op('Remove', `${USER_SCHEMA}:userName`)], error: { scimType: 'mutability', index: 0 } },
  { name: 'replace userName with null (required) is mutability', ops: [op('replace', 'title', 'x'), op('replace', 'userName', null)], error: { scimType: 'mutability', index: 1 } },
  { name: 'replace userName with "" (required) is mutability', ops: [op('replace', 'userName', '')], error: { scimType: 'mutability', index: 0 } },
  { name: 'path-less replace with userName null (required) is mutability', ops: [op('replace', undefined, { title: 'x', userName: null })], error: { scimType: 'mutability', index: 0 } },
  { name: 'active "maybe" is invalidValue', ops: [op('replace', 'active', 'maybe')], error: { scimType: 'invalidValue', index: 0 } },
  { name: 'displayName as a number is invalidValue', ops: [op('replace', 'displayName', 42)], error: { scimType: 'invalidValue', index: 0 } },
  { name: 'title as an object is invalidValue', ops: [op('replace', 'title', { x: 1 })], error: { scimType: 'invalidValue', index: 0 } },
  { name: 'name as a string is invalidValue', ops: [op('replace', 'name', 'Barbara Jensen')], error: { scimType: 'invalidValue', index: 0 } },
  { name: 'emails value as a number is invalidValue', ops: [op('add', 'emails', [{ value: 7 }])], error: { scimType: 'invalidValue', index: 0 } },
  { name: 'the failing operation is named by index; earlier ones are not applied', ops: [op('replace', 'title', 'x'), op('replace', 'nickName', 'y'), op('replace', 'active', 'perhaps')], error: { scimType: 'invalidValue', index: 2 } },
  { name: 'unknown attribute path is invalidPath', ops: [op('replace', 'favouriteColour', 'blue')], error: { scimType: 'invalidPath', index: 0 } },
  { name: 'unknown sub-attribute is invalidPath', ops: [op('replace', 'name.nickname', 'x')], error: { scimType: 'invalidPath', index: 0 } },
  // RFC 7644 §3.12 lists invalidFilter for a PATCH path filter; the path around it is invalidPath.
  { name: 'malformed value filter is invalidFilter', ops: [op('replace', 'emails[type eq ].value', 'x')], error: { scimType: 'invalidFilter', index: 0 } },
  { name: 'unclosed value filter is invalidPath', ops: [op('replace', 'emails[type eq "work".value', 'x')], error: { scimType: 'invalidPath', index: 0 } },
  { name: 'value filter on a singular attribute is invalidPath', ops: [op('replace', 'name[givenName eq "x"]', 'x')], error: { scimType: 'invalidPath', index: 0 } },
  { name: 'unknown key in a path-less value is invalidPath', ops: [op('replace', undefined, { favouriteColour: 'blue' })], error: { scimType: 'invalidPath', index: 0 } },
  { name: 'remove without path is noTarget', ops: [{ op: 'remove' }], error: { scimType: 'noTarget', index: 0 } },
  { name: 'Remove without path (capitalised) is noTarget', ops: [op('replace', 'title', 'x'), { op: 'Remove' }], error: { scimType: 'noTarget', index: 1 } },
  { name: 'add without value is invalidValue', ops: [{ op: 'add', path: 'title' }], error: { scimType: 'invalidValue', index: 0 } },
  { name: 'unknown op is invalidSyntax', ops: [op('copy', 'title', 'x')], error: { scimType: 'invalidSyntax', index: 0 } },
  { name: 'operation that is not an object is invalidSyntax', ops: ['replace'], error: { scimType: 'invalidSyntax', index: 0 } },
  { name: 'missing schemas is invalidSyntax', ops: [], body: { Operations: [op('replace', 'title', 'x')] }, error: { scimType: 'invalidSyntax' } },
  { name: 'wrong schemas is invalidSyntax', ops: [], body: { schemas: [USER_SCHEMA], Operations: [op('replace', 'title', 'x')] }, error: { scimType: 'invalidSyntax' } },
  { name: 'empty Operations is invalidSyntax', ops: [], body: { schemas: [PATCH_OP], Operations: [] }, error: { scimType: 'invalidSyntax' } },
  { name: 'a resource body instead of a PatchOp is invalidSyntax', ops: [], body: { schemas: [USER_SCHEMA], userName: 'x' }, error: { scimType: 'invalidSyntax' } },
];

let t: TestApp;
let a: TestTenant;

beforeAll(async () => {
  // Every write gets a later instant, so that a PATCH that writes when it should not shows in lastModified.
  t = await createTestApp({}, { clock: steppingClock() });
  a = await t.tenant({ name: 'patch-table' });
  // User.roles names roles of the tenant's catalogue (README "Roles").
  for (const name of ['guide', 'admin']) {
    const role = await request(t.app).post(`${SCIM}/Roles`).set(a.auth).send({ schemas: ['urn:scim-server:params:scim:schemas:roles:2.0:Role'], name });
    expect(role.status).toBe(201);
  }
});
afterAll(() => t.close());

function startingUser(overrides: Record<string, unknown> = {}, index: number): Record<string, unknown> {
  const merged: Record<string, unknown> = { schemas: [USER_SCHEMA, ENT], ...BASE, userName: `bjensen-${index}` };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

describe('the PATCH table', () => {
  it('has at least 120 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(120);
  });

  it.each(CASES.map((c, index) => [c.name, c, index] as const))('%s', async (_name, c, index) => {
    const created = await request(t.app).post(`${SCIM}/Users`).set(a.auth).send(startingUser(c.start, index));
    expect(created.status).toBe(201);
    const url = `${SCIM}/Users/${created.body.id}`;
    // userName is per-case unique; expectations about it use the case's own value.
    const res = await request(t.app).patch(url).set(a.auth).send((c.body ?? { schemas: [PATCH_OP], Operations: c.ops }) as object);
    const stored = await request(t.app).get(url).set(a.auth);

    if (c.error) {
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: c.error.scimType });
      if (c.error.index !== undefined) expect(res.body.detail).toMatch(new RegExp(`^Operation ${c.error.index}\\b`));
      expect(stored.body).toEqual(created.body);
      return;
    }
    expect(res.status).toBe(200);
    expect(res.body).toEqual(stored.body);
    if (c.unchanged) {
      expect(stored.body.meta.version).toBe(created.body.meta.version);
      expect(stored.body.meta.lastModified).toBe(created.body.meta.lastModified);
      expect(stored.body).toEqual(created.body);
    } else {
      expect(stored.body.meta.version).not.toBe(created.body.meta.version);
      expect(Date.parse(stored.body.meta.lastModified)).toBeGreaterThan(Date.parse(created.body.meta.lastModified));
    }
    if (c.after) expect(stored.body).toMatchObject(c.after);
    for (const key of c.absent ?? []) expect(stored.body).not.toHaveProperty([key]);
  });
});
