// The stored document: field names MongoDB can address, the folded search document, presence lists and the unique
// values, and an exact round trip of what was written.
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { deriveFields, fieldName, fromResourceDocument, toResourceDocument } from '../../../../src/store/mongo/resource-document';
import { createStoreModel } from '../../../../src/store/model/resource-model';

const registry = loadBuiltinRegistry();
const model = createStoreModel(registry);
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('fieldName', () => {
  it('keeps plain attribute names and never yields ".", "$" or an empty name', () => {
    expect(fieldName('userName')).toBe('userName');
    expect(fieldName('x509-certs')).toBe('x509-certs');
    for (const key of [`${ENTERPRISE}:department`, '$where', 'a.b', 'é', '']) {
      expect(fieldName(key)).not.toMatch(/[.$]/);
    }
    expect(fieldName(`${ENTERPRISE}:department`)).toBe(
      'urn_003aietf_003aparams_003ascim_003aschemas_003aextension_003aenterprise_003a2_002e0_003aUser_003adepartment',
    );
  });

  it('is injective: names that differ stay different, including ones that look encoded', () => {
    const keys = ['a_b', 'a.b', 'a_002eb', 'a:b', 'A:b', 'ab', 'a__b'];
    expect(new Set(keys.map(fieldName)).size).toBe(keys.length);
  });
});

describe('deriveFields', () => {
  it('folds, lists, puts the primary first, and records what is present', () => {
    const derived = deriveFields(model.modelOf('User'), {
      userName: 'BJensen',
      displayName: '',
      emails: [{ value: 'Home@Example.com', type: 'home' }, { value: 'B@Example.com', type: 'Work', primary: true }, { type: '' }],
      name: { givenName: 'Barbara', familyName: '' },
      [ENTERPRISE]: { department: 'Tour Operations' },
    }, 'u-1');
    expect(derived.s.userName).toEqual(['bjensen']);
    expect(derived.s.displayName).toEqual(['']);
    expect(derived.s.emails).toEqual([
      { value: ['b@example.com'], type: ['work'], primary: [true], '?': ['value', 'type', 'primary', '!'] },
      { value: ['home@example.com'], type: ['home'], '?': ['value', 'type', '!'] },
      { type: [''] },
    ]);
    expect(derived.s[fieldName(`${ENTERPRISE}:department`)]).toEqual(['tour operations']);
    expect(derived.p.sort()).toEqual(
      ['userName', 'emails', 'emails.value', 'emails.type', 'emails.primary', 'name', 'name.givenName', `${ENTERPRISE}:department`].sort(),
    );
    expect(derived.u).toEqual({ userName: ['bjensen'] });
    // Sort keys (sort-keys.ts): the folded value then the id; "" is missing and sorts after every present value.
    expect(derived.o).toEqual({ userName: '0bjensen\u0000\u0000u-1', [fieldName('name.familyName')]: '1\u0000\u0000u-1' });
  });

  it('stores client-chosen keys that MongoDB cannot address in encoded form, keeping their presence', () => {
    const derived = deriveFields(model.modelOf('User'), {
      userName: 'x',
      title: { 'a.b': 'c', $where: '1' },
      name: { 'odd.key': 'v' },
      emails: [{ value: 'a@b', $bad: 1 }],
    }, 'u-1');
    const keys = (value: unknown): string[] =>
      Array.isArray(value) ? value.flatMap(keys) : typeof value === 'object' && value !== null ? Object.entries(value).flatMap(([key, inner]) => [key, ...keys(inner)]) : [];
    for (const key of keys(derived.s)) expect(key).not.toMatch(/^\$|\./);
    expect(derived.s.title).toEqual([{ _a_002eb: 'c', __0024where: '1' }]);
    expect(derived.p).toEqual(expect.arrayContaining(['title', 'name', 'emails', 'emails.value']));
  });

  it('never takes "" as a unique value (RFC 7643 §2.5: empty is unassigned)', () => {
    expect(deriveFields(model.modelOf('Group'), { displayName: '' }, 'g-1').u).toEqual({});
    expect(deriveFields(model.modelOf('Group'), { displayName: 'Admins' }, 'g-1').u).toEqual({ displayName: ['admins'] });
  });
});

describe('toResourceDocument / fromResourceDocument', () => {
  it('gives back exactly the attributes and internal state it was given, keys with dots included', () => {
    const attributes = { userName: 'a', [ENTERPRISE]: { 'odd.key': 1, $dollar: [null, { x: -1.5 }] }, unicode: 'Zoë \u{1F600}' };
    const document = toResourceDocument('t1', model.modelOf('User'), {
      resourceType: 'User',
      id: 'u-1',
      version: 3,
      created: '2024-01-01T00:00:00.000Z',
      lastModified: '2024-02-01T00:00:00.000Z',
      attributes,
      internal: { passwordHash: 'h' },
    });
    expect(document).toMatchObject({ tenantId: 't1', resourceType: 'User', id: 'u-1', version: 3 });
    expect(fromResourceDocument(JSON.parse(JSON.stringify(document)))).toEqual({
      resourceType: 'User',
      id: 'u-1',
      version: 3,
      created: '2024-01-01T00:00:00.000Z',
      lastModified: '2024-02-01T00:00:00.000Z',
      attributes,
      internal: { passwordHash: 'h' },
      unversioned: { revision: 0, values: {} },
    });
  });
});
