import { eTagListMatches, eTagToVersion, parseETagList, versionToETag } from '../../../src/scim/etag';

describe('etag', () => {
  it('round-trips versions as weak tags', () => {
    expect(versionToETag(3)).toBe('W/"3"');
    expect(eTagToVersion('W/"3"')).toBe(3);
    expect(eTagToVersion('"3"')).toBe(3);
    expect(eTagToVersion('W/"abc"')).toBeUndefined();
  });

  it('parses header lists and matches weakly (RFC 7232 §2.3.2)', () => {
    expect(parseETagList('W/"1", "2" ,*')).toEqual(['W/"1"', '"2"', '*']);
    expect(eTagListMatches('W/"1", W/"2"', 2)).toBe(true);
    expect(eTagListMatches('"2"', 2)).toBe(true);
    expect(eTagListMatches('W/"1"', 2)).toBe(false);
    expect(eTagListMatches('*', 9)).toBe(true);
    expect(eTagListMatches('garbage', 1)).toBe(false);
  });
});
