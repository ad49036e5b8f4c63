// Timers a test fires by hand: the worker host's waits and heartbeats happen when the test says, never by sleeping.
export interface ManualTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  /** The pending timeouts' delays, in the order they were set. */
  pendingTimeouts(): number[];
  /** Fires the oldest pending timeout. */
  fireNextTimeout(): void;
  /** Fires every interval once (a heartbeat round). */
  fireIntervals(): void;
  intervalCount(): number;
}

export function manualTimers(): ManualTimers {
  let next = 0;
  const timeouts = new Map<number, { callback: () => void; ms: number }>();
  const intervals = new Map<number, () => void>();
  return {
    setTimeout(callback, ms) {
      timeouts.set(++next, { callback, ms });
      return next;
    },
    clearTimeout(handle) {
      timeouts.delete(handle as number);
    },
    setInterval(callback) {
      intervals.set(++next, callback);
      return next;
    },
    clearInterval(handle) {
      intervals.delete(handle as number);
    },
    pendingTimeouts: () => [...timeouts.values()].map((timeout) => timeout.ms),
    fireNextTimeout() {
      const [first] = timeouts.entries();
      if (!first) throw new Error('no timeout is pending');
      timeouts.delete(first[0]);
      first[1].callback();
    },
    fireIntervals() {
      for (const callback of [...intervals.values()]) callback();
    },
    intervalCount: () => intervals.size,
  };
}

/** Resolves after pending promise callbacks (and the I/O they start on an in-memory store) have run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
