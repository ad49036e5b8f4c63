// Shares a small pool of expensive work (password hashing: a scrypt keeps one core busy for a few hundred ms) fairly
// between tenants, and within a tenant between requests. Without it, a Bulk of 100 creates with passwords started 100
// scrypts at once in the libuv thread pool, and another tenant's single password POST waited behind all of them
// (6.9 s instead of 128 ms, issue 14). Here at most `concurrency` tasks run at a time (one per core: more would only
// share the cores); when a slot frees, it goes to the tenant with the fewest tasks running and, among equals, the one
// served least recently (a newcomer first); within that tenant, to its request chosen by the same rule. So one
// tenant's queue, however long, delays another tenant's task by at most the tasks already running, and one request's
// batch delays another request of the same tenant just as little.
//
// The order is decided here, without timers, so that a test can assert it with tasks it completes by hand.

export interface FairQueueKey {
  /** The first level of fairness (a tenant id). */
  readonly group: string;
  /** The second level, inside the group (a request id). */
  readonly member: string;
}

export interface FairQueue {
  /** Runs `task` when a slot is free and its turn comes; the tasks of one member start in the order given. */
  run<T>(key: FairQueueKey, task: () => Promise<T>): Promise<T>;
  /** Tasks running and waiting, for tests and metrics. */
  readonly load: () => { readonly running: number; readonly waiting: number };
}

type Start = () => void;

/** A tenant, or a request inside it: how many of its tasks run, and when it last started one. */
interface Party {
  running: number;
  /** Sequence number of the last task it started; -1 for one that has started nothing yet. */
  lastStarted: number;
}

interface Member extends Party {
  /** Its waiting tasks, in the order given. */
  readonly waiting: Start[];
}

interface Group extends Party {
  readonly members: Map<string, Member>;
}

/**
 * The party whose turn it is among those with work waiting: the one with the fewest tasks running, and among those
 * the one that started a task least recently (a newcomer first). Linear in the number of parties with work waiting,
 * which is the number of tenants (or requests) hashing at this moment: a handful.
 */
function inTurn<P extends Party>(parties: Iterable<P>, hasWork: (party: P) => boolean): P | undefined {
  let chosen: P | undefined;
  for (const party of parties) {
    if (!hasWork(party)) continue;
    if (!chosen || party.running < chosen.running || (party.running === chosen.running && party.lastStarted < chosen.lastStarted)) chosen = party;
  }
  return chosen;
}

export function createFairQueue(options: { readonly concurrency: number }): FairQueue {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new Error(`concurrency must be a whole number of at least 1, got ${options.concurrency}`);
  const groups = new Map<string, Group>();
  let running = 0;
  let waiting = 0;
  let sequence = 0;

  const hasWaitingMember = (group: Group) => [...group.members.values()].some((member) => member.waiting.length > 0);

  const startWhileFree = () => {
    while (running < options.concurrency) {
      const group = inTurn(groups.values(), hasWaitingMember);
      const member = group && inTurn(group.members.values(), (party) => party.waiting.length > 0);
      if (!group || !member) return;
      const start = member.waiting.shift() as Start;
      sequence += 1;
      group.lastStarted = member.lastStarted = sequence;
      group.running += 1;
      member.running += 1;
      waiting -= 1;
      running += 1;
      start();
    }
  };

  /** A task of `member` in `group` ended: free its slot, forget parties with nothing left, start the next. */
  const ended = (groupKey: string, group: Group, memberKey: string, member: Member) => {
    running -= 1;
    group.running -= 1;
    member.running -= 1;
    if (member.running === 0 && member.waiting.length === 0) group.members.delete(memberKey);
    if (group.members.size === 0) groups.delete(groupKey);
    startWhileFree();
  };

  return {
    run<T>(key: FairQueueKey, task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        let group = groups.get(key.group);
        if (!group) {
          group = { running: 0, lastStarted: -1, members: new Map() };
          groups.set(key.group, group);
        }
        let member = group.members.get(key.member);
        if (!member) {
          member = { running: 0, lastStarted: -1, waiting: [] };
          group.members.set(key.member, member);
        }
        const [mine, mineIn] = [member, group];
        member.waiting.push(() => {
          let outcome: Promise<T>;
          try {
            outcome = task();
          } catch (error) {
            outcome = Promise.reject(error);
          }
          outcome.then(resolve, reject).finally(() => ended(key.group, mineIn, key.member, mine));
        });
        waiting += 1;
        startWhileFree();
      });
    },
    load: () => ({ running, waiting }),
  };
}
