// The names a write's SUCCESS event lists: core attributes by name, extension attributes under their URN, writeOnly
// attributes the request set or removed; never a value.
import { changedAttributeNames } from '../../../../src/extensions/audit/changed-attributes';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('changedAttributeNames', () => {
  it('names every attribute a create stored, and the writeOnly ones it set', () => {
    expect(changedAttributeNames(undefined, { userName: 'a', name: { givenName: 'B' }, [ENTERPRISE]: { department: 'D', manager: { value: 'm' } } }, { password: 'secret' })).toEqual([
      'name',
      'password',
      `${ENTERPRISE}:department`,
      `${ENTERPRISE}:manager`,
      'userName',
    ]);
  });

  it('names for a create exactly what a comparison with no attributes at all finds', () => {
    const creates = [
      { userName: 'a', name: { givenName: 'B' }, [ENTERPRISE]: { department: 'D', manager: { value: 'm' } } },
      { userName: 'a', title: null, emails: [], active: false, nickName: '', [ENTERPRISE]: {} },
      { displayName: 'g', members: [{ value: 'u1' }], 'urn:x:2.0:Y': 'not an object', 'urn:x:2.0:Z': { a: null, b: 0, c: undefined } },
      {},
    ];
    for (const after of creates) {
      expect(changedAttributeNames(undefined, after, { password: 'p' })).toEqual(changedAttributeNames({}, after, { password: 'p' }));
      expect(changedAttributeNames(undefined, after)).toEqual(changedAttributeNames({}, after));
    }
    expect(changedAttributeNames(undefined, creates[2])).toEqual(['displayName', 'members', 'urn:x:2.0:Z:a', 'urn:x:2.0:Z:b']);
  });

  it('names what a replace changed, added or removed, whatever the key order', () => {
    const before = { userName: 'a', title: 'T', emails: [{ value: 'x', type: 'work' }], name: { givenName: 'B', familyName: 'C' }, [ENTERPRISE]: { department: 'D', costCenter: '1' } };
    const after = { userName: 'a', nickName: 'n', emails: [{ type: 'work', value: 'x' }], name: { familyName: 'C', givenName: 'Z' }, [ENTERPRISE]: { department: 'D' } };
    expect(changedAttributeNames(before, after)).toEqual(['name', 'nickName', 'title', `${ENTERPRISE}:costCenter`]);
    expect(changedAttributeNames(before, before)).toEqual([]);
    // A removed password is named too (writeOnly null).
    expect(changedAttributeNames(before, before, { password: null })).toEqual(['password']);
  });

  it('holds no value, however the attributes look', () => {
    const names = changedAttributeNames({ userName: 'before-value' }, { userName: 'after-value', 'urn:x:2.0:Y': { secret: 'hidden' } }, { password: 'p4ss' });
    expect(JSON.stringify(names)).not.toMatch(/before-value|after-value|hidden|p4ss/);
  });
});
