// PATCH costs what the request and the resource hold, not their product (one `add` of 4,000 e-mails used to take 12 s
// and blocked every other request). Time is not measured here (README "Performance" has the benchmark); instead the
// elementary work the engine does is counted (serialisations, case folds, key listings, array scans) for a size and
// four times that size: linear work grows about fourfold, quadratic work sixteenfold.
import { applyPatch } from '../../../../src/scim/patch/apply-patch';
import { parsePatchRequest } from '../../../../src/scim/patch/parse-patch';
import { validatePatched } from '../../../../src/scim/patch/validate-patched';
import type { ScimAttributes } from '../../../../src/scim/schema/attribute';
import { createResourceValidators } from '../../../../src/scim/schema/validate-resource';
import { message, registry, userType } from './patch-helpers';

const validator = createResourceValidators(registry)(userType);
const SMALL = 400;
const LARGE = 4 * SMALL;
/** Linear work grows fourfold from SMALL to LARGE; this leaves room for constant terms and nothing quadratic. */
const MAX_GROWTH = 6;

const emailsOf = (n: number, prefix = 'e') => Array.from({ length: n }, (_, i) => ({ value: `${prefix}${i}@example.com`, type: 'work' }));

/** Runs `work` and counts the elementary operations it performs. */
function countWork(work: () => void): number {
  let count = 0;
  const stringify = JSON.stringify;
  const normalize = String.prototype.normalize;
  const keys = Object.keys;
  // structuredClone makes its arrays in the host's realm, not the test's: both prototypes are counted.
  const prototypes = [...new Set([Array.prototype, Object.getPrototypeOf(structuredClone([])) as unknown[]])];
  const originals = prototypes.map((prototype) => ({ prototype, includes: prototype.includes, indexOf: prototype.indexOf, some: prototype.some }));
  JSON.stringify = function (this: JSON, ...args: Parameters<typeof stringify>) {
    count += 1;
    return stringify.apply(this, args);
  } as typeof JSON.stringify;
  String.prototype.normalize = function (this: string, ...args: Parameters<typeof normalize>) {
    count += 1;
    return normalize.apply(this, args);
  };
  Object.keys = function (object: object) {
    count += 1;
    return keys(object);
  } as typeof Object.keys;
  for (const { prototype, includes, indexOf, some } of originals) {
    // A scan costs the length of the array it scans.
    prototype.includes = function (this: unknown[], ...args: Parameters<typeof includes>) {
      count += this.length;
      return includes.apply(this, args);
    };
    prototype.indexOf = function (this: unknown[], ...args: Parameters<typeof indexOf>) {
      count += this.length;
      return indexOf.apply(this, args);
    };
    prototype.some = function (this: unknown[], ...args: Parameters<typeof some>) {
      count += 1;
      return some.apply(this, args);
    };
  }
  try {
    work();
  } finally {
    JSON.stringify = stringify;
    String.prototype.normalize = normalize;
    Object.keys = keys;
    for (const { prototype, includes, indexOf, some } of originals) Object.assign(prototype, { includes, indexOf, some });
  }
  return count;
}

/** The work of parsing, applying and validating one PATCH of `operations` on `start`. */
function patchWork(start: ScimAttributes, operations: unknown[]): number {
  const parsed = parsePatchRequest(registry, userType, message(...operations));
  return countWork(() => {
    const patched = applyPatch(registry, userType, start, parsed);
    try {
      validatePatched(validator, registry, userType, start, patched.attributes, parsed);
    } catch {
      // A failing request still has to find the operation to blame; its cost counts too.
    }
  });
}

function growth(scenario: (n: number) => number): number {
  return scenario(LARGE) / scenario(SMALL);
}

describe('PATCH cost grows linearly', () => {
  it('one add of many e-mails', () => {
    expect(growth((n) => patchWork({ userName: 'u' }, [{ op: 'add', path: 'emails', value: emailsOf(n) }]))).toBeLessThan(MAX_GROWTH);
  });

  it('many add operations of one e-mail each', () => {
    expect(growth((n) => patchWork({ userName: 'u' }, emailsOf(n).map((email) => ({ op: 'add', path: 'emails', value: [email] }))))).toBeLessThan(MAX_GROWTH);
  });

  it('adding values that are already there', () => {
    expect(growth((n) => patchWork({ userName: 'u', emails: emailsOf(n) }, [{ op: 'add', path: 'emails', value: emailsOf(n) }]))).toBeLessThan(MAX_GROWTH);
  });

  it('removing a listed three quarters of the values (Entra ID: remove with a value)', () => {
    expect(
      growth((n) => patchWork({ userName: 'u', emails: emailsOf(n) }, [{ op: 'remove', path: 'emails', value: emailsOf((3 * n) / 4).map((email) => ({ value: email.value.toUpperCase() })) }])),
    ).toBeLessThan(MAX_GROWTH);
  });

  it('removing and replacing through a filter that matches every value', () => {
    expect(growth((n) => patchWork({ userName: 'u', emails: emailsOf(n) }, [{ op: 'remove', path: 'emails[type eq "work"]' }]))).toBeLessThan(MAX_GROWTH);
    expect(
      growth((n) => patchWork({ userName: 'u', emails: emailsOf(n) }, [{ op: 'replace', path: 'emails[type eq "work"]', value: { value: 'x@example.com', type: 'home' } }])),
    ).toBeLessThan(MAX_GROWTH);
  });

  it('many operations, the last of which is invalid: finding the one to blame', () => {
    const failing = (n: number) =>
      patchWork({ userName: 'u' }, [...emailsOf(n).map((email) => ({ op: 'add', path: 'emails', value: [email] })), { op: 'add', path: 'emails', value: [{ value: 42 }] }]);
    expect(growth(failing)).toBeLessThan(MAX_GROWTH);
  });

  it('still names the failing operation of a long request', () => {
    const operations = [...emailsOf(100).map((email) => ({ op: 'add', path: 'emails', value: [email] })), { op: 'add', path: 'emails', value: [{ value: 42 }] }];
    const parsed = parsePatchRequest(registry, userType, message(...operations));
    const patched = applyPatch(registry, userType, { userName: 'u' }, parsed);
    expect(() => validatePatched(validator, registry, userType, { userName: 'u' }, patched.attributes, parsed)).toThrow(/^Operation 100: /);
  });
});
