import { BulkMethod, type BulkOperation } from '../../../../src/resources/bulk/bulk-operation';
import { planBulk, type BulkStep } from '../../../../src/resources/bulk/bulk-plan';
import { scimErrors } from '../../../../src/scim/errors';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';

const registry = loadBuiltinRegistry();
const userType = registry.resourceType('User')!;

function post(index: number, bulkId: string | undefined, references: string[] = []): BulkOperation {
  return { index, method: BulkMethod.post, methodText: 'POST', ...(bulkId ? { bulkId } : {}), type: userType, data: {}, references };
}
function put(index: number, references: string[] = []): BulkOperation {
  return { index, method: BulkMethod.put, methodText: 'PUT', type: userType, target: 'x', data: {}, references };
}

/** The plan as short strings: run:2, run:1(-a), complete:1, fail:3. */
function describePlan(steps: readonly BulkStep[]): string[] {
  return steps.map((step) => {
    if (step.kind === 'run') return step.deferred.size > 0 ? `run:${step.index}(-${[...step.deferred].join(',')})` : `run:${step.index}`;
    return `${step.kind}:${step.index}`;
  });
}

describe('planBulk', () => {
  it('keeps the request order when nothing refers forward', () => {
    const plan = planBulk([post(0, 'a'), post(1, 'b', ['a']), put(2, ['b'])]);
    expect(describePlan(plan.steps)).toEqual(['run:0', 'run:1', 'run:2']);
    expect([...plan.definitions]).toEqual([
      ['a', 0],
      ['b', 1],
    ]);
  });

  it('runs a POST before the first operation that refers to it, and only once', () => {
    const plan = planBulk([put(0, ['u']), post(1, 'g', ['u', 'v']), post(2, 'u'), post(3, 'v'), put(4, ['v'])]);
    expect(describePlan(plan.steps)).toEqual(['run:2', 'run:0', 'run:3', 'run:1', 'run:4']);
  });

  it('defers the reference that closes a cycle of two, and completes it after both ran', () => {
    const plan = planBulk([post(0, 'a', ['b']), post(1, 'b', ['a'])]);
    expect(describePlan(plan.steps)).toEqual(['run:1(-a)', 'run:0', 'complete:1']);
  });

  it('handles a self-reference and a longer cycle with a tail', () => {
    expect(describePlan(planBulk([post(0, 'me', ['me'])]).steps)).toEqual(['run:0(-me)', 'complete:0']);
    const plan = planBulk([put(0, ['a']), post(1, 'a', ['b']), post(2, 'b', ['c']), post(3, 'c', ['a'])]);
    expect(describePlan(plan.steps)).toEqual(['run:3(-a)', 'run:2', 'run:1', 'run:0', 'complete:3']);
  });

  it('fails only the operations that use an unknown or a duplicate bulkId', () => {
    const plan = planBulk([post(0, 'dup'), post(1, 'dup'), post(2, 'x', ['dup']), put(3, ['nope']), post(4, 'y', ['x']), post(5, 'z')]);
    expect(describePlan(plan.steps)).toEqual(['run:0', 'run:1', 'fail:2', 'fail:3', 'run:4', 'run:5']);
    const failures = plan.steps.filter((step): step is Extract<BulkStep, { kind: 'fail' }> => step.kind === 'fail');
    expect(failures[0].error.detail).toMatch(/bulkId:dup.*ambiguous.*operations 0 and 1/);
    expect(failures[1].error).toMatchObject({ status: 409, detail: expect.stringMatching(/no POST operation in this request has bulkId "nope"/) });
    expect(plan.definitions.has('dup')).toBe(false);
  });

  it('answers an invalid operation in its turn; a POST that fails validation still defines its bulkId', () => {
    const invalid: BulkOperation = { index: 0, method: BulkMethod.post, bulkId: 'bad', error: scimErrors.invalidValue('nope') };
    const plan = planBulk([invalid, put(1, ['bad'])]);
    expect(describePlan(plan.steps)).toEqual(['fail:0', 'run:1']);
    expect(plan.definitions.get('bad')).toBe(0);
  });

  it('plans a chain of 20,000 forward references without exhausting the stack', () => {
    const count = 20_000;
    const operations = Array.from({ length: count }, (_, i) => post(i, `n${i}`, i + 1 < count ? [`n${i + 1}`] : []));
    const steps = planBulk(operations).steps;
    expect(steps).toHaveLength(count);
    expect(steps[0]).toMatchObject({ kind: 'run', index: count - 1 });
    expect(steps[count - 1]).toMatchObject({ kind: 'run', index: 0 });
  });
});
