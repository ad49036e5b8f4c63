// Joins of one group done in batches (src/extensions/transfer/keyed-batches.ts): one batch at a time per key, the items
// that came while it ran in the next one, each item with its own outcome, and nothing kept once a key is idle.
import { createKeyedBatches } from '../../../../src/extensions/transfer/keyed-batches';

/** A promise resolved from outside. */
function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

it('runs one batch at a time per key, and puts what came meanwhile into the next one', async () => {
  const batches: string[][] = [];
  const gates: ReturnType<typeof deferred>[] = [];
  const running = new Map<string, number>();
  let most = 0;
  const add = createKeyedBatches<string>(async (key, items) => {
    running.set(key, (running.get(key) ?? 0) + 1);
    most = Math.max(most, running.get(key)!);
    batches.push([key, ...items]);
    const gate = deferred();
    gates.push(gate);
    await gate.promise;
    running.set(key, running.get(key)! - 1);
    return items.map(() => undefined);
  });
  // Added in one turn: one batch.
  const first = [add('a', 'a1'), add('a', 'a2'), add('b', 'b1')];
  await tick();
  expect(batches).toEqual([
    ['a', 'a1', 'a2'],
    ['b', 'b1'],
  ]);
  // Added while a's batch runs: they wait for it, and go together.
  const later = [add('a', 'a3'), add('a', 'a4')];
  await tick();
  expect(batches).toHaveLength(2);
  expect(add.size).toBe(2);
  gates[0].resolve();
  await Promise.all(first.slice(0, 2));
  await tick();
  expect(batches[2]).toEqual(['a', 'a3', 'a4']);
  gates[1].resolve();
  gates[2].resolve();
  await Promise.all([...first, ...later]);
  expect(most).toBe(1);
  // An idle key takes no memory.
  expect(add.size).toBe(0);
});

it('settles each item with its own outcome, and fails every item of a batch that throws', async () => {
  let calls = 0;
  const add = createKeyedBatches<number>(async (_key, items) => {
    calls += 1;
    if (calls === 2) throw new Error('the store went away');
    return items.map((item) => (item % 2 === 0 ? undefined : new Error(`item ${item} failed`)));
  });
  const outcomes = await Promise.allSettled([add('k', 0), add('k', 1), add('k', 2)]);
  expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('item 1 failed');
  const thrown = await Promise.allSettled([add('k', 4), add('k', 6)]);
  expect(thrown.map((outcome) => outcome.status === 'rejected' && outcome.reason.message)).toEqual(['the store went away', 'the store went away']);
  // The key works on after a failed batch.
  await expect(add('k', 8)).resolves.toBeUndefined();
  expect(add.size).toBe(0);
});
