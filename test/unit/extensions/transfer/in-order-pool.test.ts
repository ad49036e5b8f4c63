// The pool an import runs its records in (src/extensions/transfer/in-order-pool.ts): a few at a time, settled strictly
// in order, stopped cleanly.
import { runInOrder } from '../../../../src/extensions/transfer/in-order-pool';

/** A promise resolved from outside. */
function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

it('works on at most `concurrency` items at once and settles them in order, whatever order they finish in', async () => {
  const gates = [0, 1, 2, 3, 4, 5].map(() => deferred<void>());
  const started: number[] = [];
  const settled: number[] = [];
  let running = 0;
  let most = 0;
  const run = runInOrder([0, 1, 2, 3, 4, 5], {
    concurrency: 3,
    work: async (item) => {
      started.push(item);
      most = Math.max(most, ++running);
      await gates[item].promise;
      running -= 1;
      return item * 10;
    },
    settle: (outcome, item) => {
      expect(outcome).toBe(item * 10);
      settled.push(item);
    },
  });
  await tick();
  expect(started).toEqual([0, 1, 2]);
  // The later ones finish first: nothing is settled before item 0, and no fourth item starts while three run.
  gates[2].resolve();
  gates[1].resolve();
  await tick();
  expect(settled).toEqual([]);
  expect(started).toEqual([0, 1, 2]);
  gates[0].resolve();
  await tick();
  // 0, 1 and 2 settle at once; 3, 4 and 5 start, and 3 is awaited.
  expect(settled).toEqual([0, 1, 2]);
  expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  for (const gate of gates) gate.resolve();
  await run;
  expect(settled).toEqual([0, 1, 2, 3, 4, 5]);
  expect(most).toBe(3);
});

it('once stopped, starts nothing more, and still settles in order what it started', async () => {
  const settled: number[] = [];
  const started: number[] = [];
  let stop = false;
  await runInOrder([0, 1, 2, 3, 4, 5, 6], {
    concurrency: 3,
    work: async (item) => {
      started.push(item);
      await tick();
      return item;
    },
    settle: (item) => {
      settled.push(item);
      if (item === 1) stop = true;
    },
    stopped: () => stop,
  });
  // 0, 1, 2 started; 3 started when 0 was settled; 1 settled stops the reading: 2 and 3 are settled, 4 never starts.
  expect(started).toEqual([0, 1, 2, 3]);
  expect(settled).toEqual([0, 1, 2, 3]);
});

it('when settling fails, waits for the work already started before it rejects, and starts nothing more', async () => {
  const late = deferred<void>();
  let lateDone = false;
  const started: number[] = [];
  const run = runInOrder([0, 1, 2, 3], {
    concurrency: 2,
    work: async (item) => {
      started.push(item);
      if (item === 1) {
        await late.promise;
        lateDone = true;
      }
      return item;
    },
    settle: (item) => {
      if (item === 0) throw new Error('the checkpoint could not be written');
    },
  });
  let rejected = false;
  run.catch(() => (rejected = true));
  await tick();
  expect(rejected).toBe(false);
  late.resolve();
  await expect(run).rejects.toThrow('the checkpoint could not be written');
  expect(lateDone).toBe(true);
  expect(started).toEqual([0, 1]);
});
