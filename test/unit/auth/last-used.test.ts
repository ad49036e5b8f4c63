import { createLastUsedRecorder } from '../../../src/auth/last-used';

function harness(options: { failWith?: Error } = {}) {
  const writes: [string, string][] = [];
  const errors: string[] = [];
  let clock = new Date('2025-03-01T12:00:00.000Z');
  const record = createLastUsedRecorder({
    tenants: {
      touchToken: async (id, at) => {
        writes.push([id, at]);
        if (options.failWith) throw options.failWith;
      },
    },
    now: () => clock,
    onError: (error, tokenId) => errors.push(`${tokenId}: ${(error as Error).message}`),
  });
  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  return { record, writes, errors, advance };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('last-used recorder', () => {
  it('writes at most once a minute per token, whatever the number of requests', () => {
    const { record, writes, advance } = harness();
    for (let i = 0; i < 100; i++) {
      record({ id: 'k1' });
      advance(500); // 100 requests over 50 s
    }
    record({ id: 'k2' });
    expect(writes).toEqual([
      ['k1', '2025-03-01T12:00:00.000Z'],
      ['k2', '2025-03-01T12:00:50.000Z'],
    ]);
    advance(10_000); // 60 s after the first write of k1
    record({ id: 'k1' });
    expect(writes.at(-1)).toEqual(['k1', '2025-03-01T12:01:00.000Z']);
  });

  it('skips the write when the stored time (another instance) is recent enough', () => {
    const { record, writes } = harness();
    record({ id: 'k1', lastUsed: '2025-03-01T11:59:30.000Z' });
    expect(writes).toEqual([]);
    record({ id: 'k2', lastUsed: '2025-03-01T11:58:59.000Z' });
    expect(writes).toEqual([['k2', '2025-03-01T12:00:00.000Z']]);
  });

  it('reports a failed write and never throws', async () => {
    const { record, errors } = harness({ failWith: new Error('store down') });
    expect(() => record({ id: 'k1' })).not.toThrow();
    await flush();
    expect(errors).toEqual(['k1: store down']);
  });
});
