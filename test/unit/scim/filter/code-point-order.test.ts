import { compareCodePoints } from '../../../../src/scim/filter/code-point-order';

describe('compareCodePoints', () => {
  it.each([
    ['a', 'b', -1],
    ['b', 'a', 1],
    ['abc', 'abc', 0],
    ['', '', 0],
    ['', 'a', -1],
    ['a', '', 1],
    ['ab', 'abc', -1],
    ['abd', 'abc', 1],
    ['Z', 'a', -1],
    ['z', 'å', -1],
    ['å', 'ü', -1],
    // Above U+FFFF: code point order, which is UTF-8 byte order (unlike JavaScript's UTF-16 `<`).
    ['\u{1F600}', '\uFFFD', 1],
    ['\uFFFD', '\u{1F600}', -1],
    ['\u{1F600}', '\u{1F601}', -1],
    ['a\u{1F600}', 'a\u{1F600}', 0],
    ['a\u{1F600}b', 'a\u{1F600}a', 1],
  ])('%p vs %p -> %p', (a, b, expected) => {
    expect(Math.sign(compareCodePoints(a, b))).toBe(expected);
  });

  it('agrees with the UTF-8 byte order', () => {
    const words = ['zoë', 'Zoë', 'åsa', 'ümit', 'abc', '\u{1F600}', '\uFFFD', '\uE000', 'a', ''];
    const byCodePoint = [...words].sort(compareCodePoints);
    const byBytes = [...words].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
    expect(byCodePoint).toEqual(byBytes);
  });
});
