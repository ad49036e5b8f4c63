// The one case-insensitive lookup of a name among a JSON object's keys (RFC 7643 §2.1).
import { createKeyLookup, findKeyIgnoringCase, getIgnoringCase } from '../../../../src/scim/paths/case-insensitive-key';

describe('findKeyIgnoringCase / getIgnoringCase', () => {
  it('prefers the exact key, else the first key equal ignoring case, in key order', () => {
    const object = { USERNAME: 'first', userName: 'exact', UserName: 'third' };
    expect(findKeyIgnoringCase(object, 'userName')).toBe('userName');
    expect(findKeyIgnoringCase(object, 'username')).toBe('USERNAME');
    expect(getIgnoringCase(object, 'USERname')).toBe('first');
    expect(findKeyIgnoringCase(object, 'title')).toBeUndefined();
  });

  it('reads own keys only, and nothing from values that are not objects', () => {
    expect(findKeyIgnoringCase({}, 'constructor')).toBeUndefined();
    expect(getIgnoringCase({}, 'toString')).toBeUndefined();
    for (const container of [null, undefined, 'text', 3, ['a']]) expect(getIgnoringCase(container, 'a')).toBeUndefined();
  });
});

describe('createKeyLookup', () => {
  it('answers exactly as the plain lookups do', () => {
    const keys = createKeyLookup();
    const object = { Emails: [1], emails: [2], NAME: { GivenName: 'B' } };
    for (const name of ['emails', 'EMAILS', 'name', 'missing']) {
      expect(keys.findKey(object, name)).toBe(findKeyIgnoringCase(object, name));
      expect(keys.get(object, name)).toBe(getIgnoringCase(object, name));
    }
    expect(keys.get(keys.get(object, 'name'), 'givenname')).toBe('B');
    expect(keys.get('not an object', 'a')).toBeUndefined();
  });

  it('keeps no state between lookups it did not make: a new lookup sees an object as it is now', () => {
    const object: Record<string, unknown> = { Title: 'a' };
    expect(createKeyLookup().get(object, 'title')).toBe('a');
    delete object.Title;
    object.TITLE = 'b';
    expect(createKeyLookup().get(object, 'title')).toBe('b');
  });
});
