// Read-check-write with compare-and-set, retried when another writer got in between. When the client gave If-Match,
// a concurrent change is its 412. Without If-Match the client asked for its change whatever the version, so the
// write is re-read and tried again, after a pause: writers that lost a race to each other and retried at once would
// meet again (20 parallel PATCHes of one user, or 50 member adds to one group, gave up with 409s that way). The pause
// grows exponentially and is drawn at random below its bound ("full jitter"), which spreads the retries of the
// writers that collided, so that each round lets most of them through.
import { scimErrors } from '../scim/errors';
import { isStoreError, StoreErrorCode } from '../store/store-error';
import { storeErrorToScim } from './store-errors';

/** Preconditions of a write, from If-Match (RFC 7644 §3.14). */
export interface WriteConditions {
  readonly ifMatch?: string;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** The bound of the first pause; each later bound doubles, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A number in [0, 1): where the pause falls below its bound. */
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** About 1.2 s of pauses in the worst case, 0.6 s on average; a race lost ten times in a row means real contention. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 10,
  baseDelayMs: 5,
  maxDelayMs: 250,
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function writeWithRetry<T>(
  conditions: WriteConditions | undefined,
  attempt: () => Promise<T>,
  subject: string,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await attempt();
    } catch (error) {
      const lostRace = conditions?.ifMatch === undefined && isStoreError(error, StoreErrorCode.versionMismatch);
      if (!lostRace) throw storeErrorToScim(error, subject);
      if (round >= policy.attempts) {
        // The client sent no If-Match, so a 412 would blame a precondition it never gave: ask it to retry instead.
        throw scimErrors.conflict(`${subject} is being changed by other requests at the same time; retry the request`);
      }
      await policy.sleep(retryDelay(policy, round));
    }
  }
}

/** The pause after the `round`-th lost race: uniform in [0, min(max, base · 2^(round-1))). */
export function retryDelay(policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>, round: number): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (round - 1));
  return Math.floor(policy.random() * bound);
}

/**
 * A memo that lives as long as one request: `once(key, work)` runs `work` the first time a key is asked for and
 * answers the same promise afterwards, so that costly work a write prepares (hashing a password) is not done again
 * when the compare-and-set is retried.
 */
export function requestMemo(): <T>(key: string, work: () => Promise<T>) => Promise<T> {
  const done = new Map<string, Promise<unknown>>();
  return <T>(key: string, work: () => Promise<T>): Promise<T> => {
    let result = done.get(key) as Promise<T> | undefined;
    if (!result) {
      result = work();
      done.set(key, result);
    }
    return result;
  };
}
