import { ScimError } from '../../../src/scim/errors';
import { DEFAULT_RETRY_POLICY, requestMemo, retryDelay, writeWithRetry, type RetryPolicy } from '../../../src/resources/write-with-retry';
import { StoreError, StoreErrorCode } from '../../../src/store/store-error';

const lostRace = () => new StoreError(StoreErrorCode.versionMismatch, 'version moved');

/** A policy whose pauses are recorded instead of waited for; `random` walks through the given values. */
function recordingPolicy(randoms: number[] = [0.5]): RetryPolicy & { readonly pauses: number[] } {
  const pauses: number[] = [];
  let next = 0;
  return {
    ...DEFAULT_RETRY_POLICY,
    random: () => randoms[next++ % randoms.length],
    sleep: async (ms) => void pauses.push(ms),
    pauses,
  };
}

describe('writeWithRetry', () => {
  it('retries a lost compare-and-set when the client sent no If-Match, pausing before each new attempt', async () => {
    const policy = recordingPolicy();
    let calls = 0;
    const result = await writeWithRetry(undefined, async () => {
      calls += 1;
      if (calls < 3) throw lostRace();
      return 'written';
    }, 'User 1', policy);
    expect(result).toBe('written');
    expect(calls).toBe(3);
    expect(policy.pauses).toHaveLength(2);
  });

  it('answers 412 at once when the client sent If-Match', async () => {
    const policy = recordingPolicy();
    let calls = 0;
    const error = await writeWithRetry({ ifMatch: 'W/"1"' }, async () => {
      calls += 1;
      throw lostRace();
    }, 'User 1', policy).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(policy.pauses).toEqual([]);
    expect(error).toBeInstanceOf(ScimError);
    expect((error as ScimError).status).toBe(412);
  });

  it('gives up with 409 and a retry hint, not 412, when the races never end', async () => {
    const policy = recordingPolicy();
    let calls = 0;
    const error = await writeWithRetry(undefined, async () => {
      calls += 1;
      throw lostRace();
    }, 'User 1', policy).catch((e: unknown) => e);
    expect(calls).toBe(DEFAULT_RETRY_POLICY.attempts);
    expect(policy.pauses).toHaveLength(DEFAULT_RETRY_POLICY.attempts - 1);
    expect((error as ScimError).status).toBe(409);
    expect((error as ScimError).detail).toMatch(/retry the request/);
    expect((error as ScimError).detail).not.toMatch(/If-Match/);
  });

  it('does not retry other errors', async () => {
    const policy = recordingPolicy();
    let calls = 0;
    const error = await writeWithRetry(undefined, async () => {
      calls += 1;
      throw new StoreError(StoreErrorCode.unavailable, 'down');
    }, 'User 1', policy).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect((error as ScimError).status).toBe(503);
  });
});

describe('retryDelay: exponential bounds with full jitter', () => {
  it('doubles the bound each round up to the maximum, and draws the pause below it', () => {
    const at = (random: number) => ({ ...DEFAULT_RETRY_POLICY, baseDelayMs: 5, maxDelayMs: 250, random: () => random });
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((round) => retryDelay(at(0.999999), round))).toEqual([4, 9, 19, 39, 79, 159, 249, 249]);
    expect([1, 4, 8].map((round) => retryDelay(at(0.5), round))).toEqual([2, 20, 125]);
    expect(retryDelay(at(0), 8)).toBe(0);
  });

  it('spreads writers that collided: their pauses differ when their draws do', async () => {
    const pausesOf = async (randoms: number[]) => {
      const policy = recordingPolicy(randoms);
      let calls = 0;
      await writeWithRetry(undefined, async () => {
        if (++calls < 4) throw lostRace();
      }, 'Group g', policy);
      return policy.pauses;
    };
    expect(await pausesOf([0.1])).toEqual([0, 1, 2]);
    expect(await pausesOf([0.9])).toEqual([4, 9, 18]);
  });
});

describe('requestMemo', () => {
  it('runs the work of a key once and answers the same result to every later call', async () => {
    const once = requestMemo();
    let runs = 0;
    const work = async () => `hash-${++runs}`;
    expect(await once('password:x', work)).toBe('hash-1');
    expect(await once('password:x', work)).toBe('hash-1');
    expect(await once('password:y', work)).toBe('hash-2');
    expect(runs).toBe(2);
  });
});
