// Generated and/or/not trees, written with only the parentheses precedence requires (plus some redundant ones),
// must parse back to the same meaning: checked by evaluating both on a handful of resources.
import { evaluateFilter, type EvaluationTarget } from '../../../../src/scim/filter/evaluate-filter';
import { parseFilter } from '../../../../src/scim/filter/parse-filter';
import { deviceRegistry, deviceType } from './device-registry';

interface Device {
  label?: string;
  enabled?: boolean;
  ports?: number;
  locations?: { city: string; floor?: number }[];
}
interface Generated {
  readonly text: string;
  readonly holds: (device: Device) => boolean;
  /** 2 = or, 3 = and, 4 = atom / not / parenthesised */
  readonly precedence: number;
}

/** A small deterministic generator (xorshift32), so that a failure reproduces. */
function random(seed: number): (bound: number) => number {
  let state = seed >>> 0 || 1;
  return (bound) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return Math.floor((state / 2 ** 32) * bound);
  };
}

const atoms: readonly [string, (device: Device) => boolean][] = [
  ['label eq "a"', (d) => d.label === 'a'],
  ['label sw "B"', (d) => d.label !== undefined && d.label.toLowerCase().startsWith('b')],
  ['enabled eq true', (d) => d.enabled === true],
  ['enabled pr', (d) => d.enabled !== undefined],
  ['ports gt 2', (d) => d.ports !== undefined && d.ports > 2],
  ['locations[city eq "Oslo" and floor ge 2]', (d) => (d.locations ?? []).some((l) => l.city === 'Oslo' && (l.floor ?? -1) >= 2)],
  ['locations.floor eq 1', (d) => (d.locations ?? []).some((l) => l.floor === 1)],
];

const devices: Device[] = [
  {},
  { label: 'a', enabled: true, ports: 3 },
  { label: 'b', enabled: false, locations: [{ city: 'Oslo', floor: 1 }] },
  { label: 'B2', ports: 1, locations: [{ city: 'Oslo', floor: 3 }, { city: 'Rome', floor: 1 }] },
  { enabled: true, ports: 8, locations: [{ city: 'Rome', floor: 2 }] },
];

function generate(next: (bound: number) => number, depth: number): Generated {
  const choice = depth >= 4 ? 0 : depth === 0 ? 2 + next(4) : next(6);
  if (choice <= 1) {
    const [text, holds] = atoms[next(atoms.length)];
    return { text, holds, precedence: 4 };
  }
  if (choice === 2) {
    const inner = generate(next, depth + 1);
    return { text: `not (${inner.text})`, holds: (d) => !inner.holds(d), precedence: 4 };
  }
  const op = choice <= 3 ? 'and' : 'or';
  const precedence = op === 'and' ? 3 : 2;
  const left = generate(next, depth + 1);
  const right = generate(next, depth + 1);
  // Parentheses where precedence needs them; sometimes redundant ones too; keyword case varies.
  const wrap = (part: Generated) => (part.precedence < precedence || next(5) === 0 ? `(${part.text})` : part.text);
  const keyword = next(2) === 0 ? op : op.toUpperCase();
  return {
    text: `${wrap(left)} ${keyword} ${wrap(right)}`,
    holds: op === 'and' ? (d) => left.holds(d) && right.holds(d) : (d) => left.holds(d) || right.holds(d),
    precedence,
  };
}

describe('precedence and grouping on generated filters', () => {
  it('parses 3000 generated filters to the meaning they were built with', () => {
    const next = random(20240601);
    const seen = new Set<string>();
    const targets: EvaluationTarget[] = devices.map((device, index) => ({ id: `d-${index}`, attributes: { ...device } }));
    for (let i = 0; i < 3000; i += 1) {
      const generated = generate(next, 0);
      seen.add(generated.text);
      const ast = parseFilter(generated.text, { registry: deviceRegistry, resourceType: deviceType });
      devices.forEach((device, index) => {
        const actual = evaluateFilter(ast, targets[index]);
        if (actual !== generated.holds(device)) {
          throw new Error(`${generated.text} on ${JSON.stringify(device)}: evaluated ${actual}`);
        }
      });
    }
    expect(seen.size).toBeGreaterThan(2000);
  });
});
