// The order in which a BulkRequest's operations run (RFC 7644 §3.7.2): the order of the request, except that the
// POST that defines a bulkId runs before the first operation that refers to it. Circular references (§3.7.1) are
// resolved as the RFC describes: the POST that closes a cycle is created without its references into the cycle,
// and a later `complete` step writes them in, once every resource of the cycle exists. A reference to a bulkId
// that no POST defines, or that two POSTs define, fails only the operations that use it.
import { scimErrors, type ScimError } from '../../scim/errors';
import { BulkMethod, isInvalid, type BulkOperation } from './bulk-operation';

export type BulkStep =
  /** Run the operation, leaving out its references to `deferred` bulkIds (those closing a cycle). */
  | { readonly kind: 'run'; readonly index: number; readonly deferred: ReadonlySet<string> }
  /** Write the references that the `run` of this POST left out. */
  | { readonly kind: 'complete'; readonly index: number }
  /** The operation cannot run: answer `error` in its turn. */
  | { readonly kind: 'fail'; readonly index: number; readonly error: ScimError };

export interface BulkPlan {
  readonly steps: readonly BulkStep[];
  /** The operation index of the POST that defines each bulkId (bulkIds defined more than once are absent). */
  readonly definitions: ReadonlyMap<string, number>;
}

const NO_DEFERRED: ReadonlySet<string> = new Set();

export function planBulk(operations: readonly BulkOperation[]): BulkPlan {
  const definers = new Map<string, number[]>();
  for (const operation of operations) {
    if (operation.method !== BulkMethod.post || operation.bulkId === undefined) continue;
    const list = definers.get(operation.bulkId) ?? [];
    list.push(operation.index);
    definers.set(operation.bulkId, list);
  }
  const definitions = new Map<string, number>();
  for (const [bulkId, list] of definers) if (list.length === 1) definitions.set(bulkId, list[0]);

  /** Why the operation cannot run before anything happens, or the POSTs it depends on. */
  const dependencies = (operation: BulkOperation): ScimError | number[] => {
    if (isInvalid(operation)) return operation.error;
    const needed: number[] = [];
    for (const bulkId of operation.references) {
      const list = definers.get(bulkId);
      if (!list) {
        return scimErrors.conflict(`Operation ${operation.index} refers to bulkId:${bulkId}, but no POST operation in this request has bulkId "${bulkId}"`);
      }
      if (list.length > 1) {
        return scimErrors.conflict(
          `Operation ${operation.index} refers to bulkId:${bulkId}, which is ambiguous: operations ${list.join(' and ')} both have bulkId "${bulkId}" (a bulkId must be unique within a request)`,
        );
      }
      needed.push(list[0]);
    }
    return needed;
  };

  const steps: BulkStep[] = [];
  const NEW = 0;
  const ACTIVE = 1;
  const DONE = 2;
  const state = new Uint8Array(operations.length);
  const deferred = new Map<number, Set<string>>();

  // Depth-first over "refers to", iteratively (a chain of 10,000 references must not exhaust the call stack). An
  // edge to an operation still ACTIVE closes a cycle: that reference is deferred.
  for (const root of operations) {
    if (state[root.index] !== NEW) continue;
    const toComplete: number[] = [];
    const stack: { index: number; needs: ScimError | number[]; next: number }[] = [];
    const enter = (index: number) => {
      state[index] = ACTIVE;
      stack.push({ index, needs: dependencies(operations[index]), next: 0 });
    };
    enter(root.index);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (Array.isArray(frame.needs) && frame.next < frame.needs.length) {
        const needed = frame.needs[frame.next++];
        if (state[needed] === NEW) enter(needed);
        else if (state[needed] === ACTIVE) {
          const bulkId = operations[needed].bulkId as string;
          const set = deferred.get(frame.index) ?? new Set<string>();
          set.add(bulkId);
          deferred.set(frame.index, set);
        }
        continue;
      }
      stack.pop();
      state[frame.index] = DONE;
      if (!Array.isArray(frame.needs)) {
        steps.push({ kind: 'fail', index: frame.index, error: frame.needs });
        continue;
      }
      const left = deferred.get(frame.index);
      steps.push({ kind: 'run', index: frame.index, deferred: left ?? NO_DEFERRED });
      if (left) toComplete.push(frame.index);
    }
    // Every operation of a cycle is DONE once its root is: the deferred references can all be resolved now.
    for (const index of toComplete) steps.push({ kind: 'complete', index });
  }
  return { steps, definitions };
}
