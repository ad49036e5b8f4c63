// The order in which the fair queue starts work, asserted with tasks the test completes by hand (no timers): at most
// `concurrency` run at once, tenants take turns, and so do the requests of one tenant.
import { createFairQueue } from '../../../src/resources/fair-queue';

/** A task that records when it starts and finishes only when the test says so. */
function manualTasks() {
  const started: string[] = [];
  const finishers = new Map<string, (value: string) => void>();
  const failers = new Map<string, (error: Error) => void>();
  const task = (name: string) => () =>
    new Promise<string>((resolve, reject) => {
      started.push(name);
      finishers.set(name, resolve);
      failers.set(name, reject);
    });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return {
    started,
    task,
    async finish(name: string) {
      finishers.get(name)?.(name);
      await settle();
    },
    async fail(name: string, error: Error) {
      failers.get(name)?.(error);
      await settle();
    },
  };
}

const key = (group: string, member: string) => ({ group, member });

describe('fair queue', () => {
  it('runs at most `concurrency` tasks at once', async () => {
    const queue = createFairQueue({ concurrency: 2 });
    const { started, task, finish } = manualTasks();
    const done = ['a1', 'a2', 'a3', 'a4'].map((name) => queue.run(key('A', 'r1'), task(name)));
    expect(started).toEqual(['a1', 'a2']);
    expect(queue.load()).toEqual({ running: 2, waiting: 2 });
    await finish('a1');
    expect(started).toEqual(['a1', 'a2', 'a3']);
    await finish('a2');
    await finish('a3');
    await finish('a4');
    await expect(Promise.all(done)).resolves.toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(queue.load()).toEqual({ running: 0, waiting: 0 });
  });

  it("starts another tenant's one task next, however many the first tenant queued (issue 14: Bulk vs a single POST)", async () => {
    const queue = createFairQueue({ concurrency: 1 });
    const { started, task, finish } = manualTasks();
    const bulk = Array.from({ length: 100 }, (_, index) => queue.run(key('tenant-a', 'bulk'), task(`a${index}`)));
    const single = queue.run(key('tenant-b', 'post'), task('b0'));
    expect(started).toEqual(['a0']);
    await finish('a0');
    // Tenant B's task is next: it waited for one task of A, not for A's hundred.
    expect(started).toEqual(['a0', 'b0']);
    await finish('b0');
    await expect(single).resolves.toBe('b0');
    for (let index = 1; index < 100; index++) await finish(`a${index}`);
    await expect(Promise.all(bulk)).resolves.toHaveLength(100);
  });

  it('takes tenants in turn, and the requests of one tenant in turn, each request in its own order', async () => {
    const queue = createFairQueue({ concurrency: 1 });
    const { started, task, finish } = manualTasks();
    const all = [
      queue.run(key('A', 'r1'), task('A.r1.1')),
      queue.run(key('A', 'r1'), task('A.r1.2')),
      queue.run(key('A', 'r1'), task('A.r1.3')),
      queue.run(key('A', 'r2'), task('A.r2.1')),
      queue.run(key('B', 'r3'), task('B.r3.1')),
      queue.run(key('B', 'r3'), task('B.r3.2')),
      queue.run(key('C', 'r4'), task('C.r4.1')),
    ];
    while (started.length < all.length) await finish(started[started.length - 1]);
    await finish(started[started.length - 1]);
    // A.r1.1 started at once; then B and C come before A's second task, and A alternates its requests.
    expect(started).toEqual(['A.r1.1', 'B.r3.1', 'C.r4.1', 'A.r2.1', 'B.r3.2', 'A.r1.2', 'A.r1.3']);
    await Promise.all(all);
  });

  it('passes a failure to its caller only, and keeps going', async () => {
    const queue = createFairQueue({ concurrency: 1 });
    const { started, task, finish, fail } = manualTasks();
    const failing = queue.run(key('A', 'r1'), task('x'));
    const thrown = queue.run(key('A', 'r1'), () => {
      throw new Error('synchronous');
    });
    const next = queue.run(key('A', 'r1'), task('y'));
    await fail('x', new Error('boom'));
    await expect(failing).rejects.toThrow('boom');
    await expect(thrown).rejects.toThrow('synchronous');
    expect(started).toEqual(['x', 'y']);
    await finish('y');
    await expect(next).resolves.toBe('y');
  });

  it('refuses a concurrency below 1', () => {
    expect(() => createFairQueue({ concurrency: 0 })).toThrow(/at least 1/);
  });
});
