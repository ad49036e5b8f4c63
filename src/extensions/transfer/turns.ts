// Turns per key, handed out in the order they were asked for: the records of an import that name the same user or the
// same group go one after the other at it, in file order, while records about different ones run side by side
// (README "Export and import").

export interface Turn {
  /** Resolves when every turn asked for earlier on the same key has been released. */
  readonly ready: Promise<void>;
  /** Ends the turn (again: nothing). */
  release(): void;
}

export interface Turns {
  /** Asks for a turn at `key`. */
  (key: string): Turn;
  /** Keys someone holds or waits for: an import of a million records must not keep one per record it ran. */
  readonly size: number;
}

/**
 * `take(key)` asks for a turn at once (synchronously), so callers that ask in order are served in that order, even if
 * they come to wait for it later. A key nobody holds or waits for takes no memory.
 */
export function createTurns(): Turns {
  const tails = new Map<string, Promise<void>>();
  const take = (key: string): Turn => {
    const ready = tails.get(key) ?? Promise.resolve();
    let end: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const tail = ready.then(() => ended);
    tails.set(key, tail);
    let released = false;
    return {
      ready,
      release() {
        if (released) return;
        released = true;
        end();
        if (tails.get(key) === tail) tails.delete(key);
      },
    };
  };
  return Object.defineProperty(take, 'size', { get: () => tails.size }) as Turns;
}
