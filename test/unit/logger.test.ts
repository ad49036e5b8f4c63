import { scrubSecrets, serializeError } from '../../src/logger';


describe('serializeError', () => {
  it('keeps type, message, code, stack and the whole cause chain', () => {
    const root = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const error = new Error('query failed', { cause: new TypeError('bad reply', { cause: root }) });
    const logged = serializeError(error);
    expect(logged).toMatchObject({
      type: 'Error',
      message: 'query failed',
      stack: expect.stringContaining('logger.test.ts'),
      cause: { type: 'TypeError', message: 'bad reply', cause: { type: 'Error', message: 'socket hang up', code: 'ECONNRESET', stack: expect.any(String) } },
    });
  });

  it('stops at a cycle and at a long chain, and lists the errors of an AggregateError', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(serializeError(a).cause).toMatchObject({ message: 'b', cause: { truncated: expect.stringContaining('refers back') } });

    let deep: Error = new Error('0');
    for (let i = 1; i < 20; i++) deep = new Error(String(i), { cause: deep });
    let depth = 0;
    for (let level: { cause?: unknown } | undefined = serializeError(deep); level?.cause; level = level.cause as { cause?: unknown }) depth += 1;
    expect(depth).toBe(8);

    const many = new AggregateError([1, 2, 3, 4, 5, 6, 7].map((n) => new Error(`e${n}`)), 'all failed');
    expect(serializeError(many)).toMatchObject({ type: 'AggregateError', errors: expect.arrayContaining([expect.objectContaining({ message: 'e1' })]), moreErrors: 2 });
    expect(serializeError('plain text')).toEqual({ type: 'string', message: 'plain text' });
  });
});

describe('scrubSecrets', () => {
  it.each([
    ['Authorization: Bearer abc.DEF-123_xyz=', 'Authorization: Bearer [redacted]'],
    ['token scim_5b0e-11_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA rejected', 'token scim_5b0e-11_[redacted] rejected'],
    ['mongodb+srv://scim:p%40ss@cluster0.example.net/scim', 'mongodb+srv://[redacted]@cluster0.example.net/scim'],
    ['mongodb://db1:27017,db2:27017/scim', 'mongodb://db1:27017,db2:27017/scim'],
  ])('%s', (text, scrubbed) => {
    expect(scrubSecrets(text)).toBe(scrubbed);
  });
});
