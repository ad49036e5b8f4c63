// Value coercion and operator rules for every SCIM attribute type, over the test Device schema.
import { isScimError, type ScimError } from '../../../../src/scim/errors';
import { evaluateFilter, type EvaluationTarget } from '../../../../src/scim/filter/evaluate-filter';
import type { FilterAst } from '../../../../src/scim/filter/filter-ast';
import { parseFilter } from '../../../../src/scim/filter/parse-filter';
import { deviceRegistry, deviceType } from './device-registry';

const parse = (filter: string) => parseFilter(filter, { registry: deviceRegistry, resourceType: deviceType });
const valueOf = (filter: string) => {
  const ast = parse(filter);
  if (ast.kind !== 'compare') throw new Error(`expected a comparison, got ${ast.kind}`);
  return ast.value;
};
/** A parsed comparison or presence test as text (attribute, operator, typed literal), to compare with the input. */
const describeComparison = (ast: FilterAst): string => {
  if (ast.kind === 'present') return `${ast.path.attribute.name} pr`;
  if (ast.kind !== 'compare') throw new Error(`expected a comparison, got ${ast.kind}`);
  return `${ast.path.attribute.name} ${ast.op} ${JSON.stringify(ast.value)}`;
};
const errorOf = (filter: string): ScimError => {
  try {
    parse(filter);
  } catch (error) {
    if (isScimError(error)) return error;
    throw error;
  }
  throw new Error(`expected ${filter} to be rejected`);
};

const devices: Record<string, EvaluationTarget> = {
  router: {
    id: 'd-1',
    attributes: {
      serial: 'AbC-1',
      label: 'Core Router',
      ports: 8,
      weight: 2.25,
      enabled: true,
      firmware: 'AAEC',
      homepage: 'https://Example.com/router',
      installedAt: '2024-03-01T12:00:00.000Z',
      tags: ['blue', 'Core'],
      readings: [3, 14, 15],
      locations: [
        { city: 'Oslo', floor: 3 },
        { city: 'Bergen', floor: 1 },
      ],
      owner: { value: 'o-1' },
    },
  },
  sensor: {
    id: 'd-2',
    attributes: {
      serial: 'abc-1',
      label: 'sensor',
      ports: 1,
      weight: 0.1,
      enabled: false,
      installedAt: '2023-12-31T23:00:00-02:00',
      tags: ['Red'],
      readings: [],
      locations: [{ city: 'oslo', floor: 1 }],
    },
  },
  bare: { id: 'd-3', attributes: { serial: 'x' } },
};
const matching = (filter: string): string[] => {
  const ast: FilterAst = parse(filter);
  return Object.entries(devices)
    .filter(([, device]) => evaluateFilter(ast, device))
    .map(([name]) => name);
};

describe('value coercion by attribute type', () => {
  it.each([
    ['ports eq 8', 8],
    ['ports eq "8"', 8],
    ['ports eq " 8 "', 8],
    ['ports eq -3', -3],
    ['ports eq 8.0', 8],
    ['weight eq 2.25', 2.25],
    ['weight eq "2.25"', 2.25],
    ['weight eq 2.25e1', 22.5],
    ['weight eq -1', -1],
    ['weight eq ".5"', 0.5],
    ['enabled eq true', true],
    ['enabled eq FALSE', false],
    ['enabled eq "TRUE"', true],
    ['enabled eq "false"', false],
    ['firmware eq "AAEC"', 'AAEC'],
    ['homepage eq "https://example.com/x"', 'https://example.com/x'],
    ['homepage eq https://example.com/x?y=1', 'https://example.com/x?y=1'],
    ['installedAt eq "2024-03-01T12:00:00Z"', '2024-03-01T12:00:00.000Z'],
    ['installedAt eq 2024-03-01T07:00:00-05:00', '2024-03-01T12:00:00.000Z'],
    ['installedAt eq "2024-03-01T12:00:00.1234567+00:00"', '2024-03-01T12:00:00.123Z'],
    ['installedAt eq "2024-03-01"', '2024-03-01T00:00:00.000Z'],
    ['label eq 12', '12'],
    ['label eq 1.50', '1.50'],
    ['label eq true', 'true'],
    ['label eq "null"', 'null'],
    ['label eq 00123', '00123'],
    ['tags eq blue', 'blue'],
    ['readings eq "15"', 15],
  ] as const)('%s -> %p', (filter, expected) => {
    expect(valueOf(filter)).toStrictEqual(expected);
  });

  it.each([
    ['ports eq 1.5', "Value '1.5' at position 9 is not a valid integer for attribute 'ports'"],
    ['ports eq "abc"', "Value 'abc' at position 9 is not a valid integer for attribute 'ports'"],
    ['ports eq true', "Value 'true' at position 9 is not a valid integer for attribute 'ports'"],
    ['ports eq 9007199254740993', "Value '9007199254740993' at position 9 is not a valid integer"],
    ['weight eq "abc"', "Value 'abc' at position 10 is not a valid decimal for attribute 'weight'"],
    ['weight eq false', "Value 'false' at position 10 is not a valid decimal"],
    ['weight eq 1e999', "Value '1e999' at position 10 is not a valid decimal"],
    ['enabled eq 1', "Value '1' at position 11 is not a valid boolean for attribute 'enabled'"],
    ['enabled eq "yes"', "Value 'yes' at position 11 is not a valid boolean"],
    ['installedAt gt "yesterday"', "Value 'yesterday' at position 15 is not a valid dateTime for attribute 'installedAt'"],
    ['installedAt gt 2024', "Value '2024' at position 15 is not a valid dateTime"],
    ['installedAt gt true', "Value 'true' at position 15 is not a valid dateTime"],
    ['installedAt gt "2024-13-01T00:00:00Z"', 'is not a valid dateTime'],
    ['installedAt gt "2023-02-29T00:00:00Z"', 'is not a valid dateTime'],
    ['installedAt gt "2024-01-01T24:00:00Z"', 'is not a valid dateTime'],
    ['installedAt gt "2024-01-01T10:00:00+25:00"', 'is not a valid dateTime'],
    ['locations[floor eq "third"]', "Value 'third' at position 19 is not a valid integer for attribute 'locations.floor'"],
  ])('%s is rejected: %s', (filter, detail) => {
    const error = errorOf(filter);
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toContain(detail);
  });
});

describe('operators by attribute type', () => {
  it.each([
    ['enabled gt true', 'gt', 8, 'boolean', 'enabled'],
    ['enabled le false', 'le', 8, 'boolean', 'enabled'],
    ['enabled co "t"', 'co', 8, 'boolean', 'enabled'],
    ['firmware gt "A"', 'gt', 9, 'binary', 'firmware'],
    ['firmware sw "A"', 'sw', 9, 'binary', 'firmware'],
    ['firmware co "A"', 'co', 9, 'binary', 'firmware'],
    ['ports co 1', 'co', 6, 'integer', 'ports'],
    ['weight sw 1', 'sw', 7, 'decimal', 'weight'],
    ['installedAt ew "Z"', 'ew', 12, 'dateTime', 'installedAt'],
    ['readings co 1', 'co', 9, 'integer', 'readings'],
  ])('%s is rejected', (filter, op, position, type, name) => {
    const error = errorOf(filter);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toBe(`Operator '${op}' at position ${position} is not allowed for ${type} attribute '${name}'`);
  });

  // Accepted means parsed into the comparison asked for, on the right attribute, with the literal in its type.
  it.each<[string, string]>([
    ['enabled eq true', 'enabled eq true'],
    ['enabled ne false', 'enabled ne false'],
    ['enabled pr', 'enabled pr'],
    ['firmware eq "AA"', 'firmware eq "AA"'],
    ['firmware ne "AA"', 'firmware ne "AA"'],
    ['firmware pr', 'firmware pr'],
    ['ports ge 1', 'ports ge 1'],
    ['weight lt 2', 'weight lt 2'],
    ['installedAt le "2024-01-01T00:00:00Z"', 'installedAt le "2024-01-01T00:00:00.000Z"'],
    ['homepage co "example"', 'homepage co "example"'],
  ])('%s is accepted as %s', (filter, expected) => {
    expect(describeComparison(parse(filter))).toBe(expected);
  });

  it('rejects attributes that are never returned or writeOnly, top-level or as a sub-attribute', () => {
    expect(errorOf('secret eq "x"').detail).toBe("Attribute 'secret' at position 0 cannot be used in a filter: it is never returned");
    expect(errorOf('label pr or pin pr').detail).toBe("Attribute 'pin' at position 12 cannot be used in a filter: it is never returned");
    expect(errorOf('owner.badge pr').detail).toBe("Attribute 'owner.badge' at position 0 cannot be used in a filter: it is never returned");
  });

  it('rejects comparing a complex attribute without a value sub-attribute, and value filters on single-valued ones', () => {
    expect(errorOf('locations eq "Oslo"').detail).toBe(
      "Complex attribute 'locations' at position 0 cannot be compared with a value; name one of its sub-attributes or use 'pr'",
    );
    expect(errorOf('owner eq "o-1"').detail).toContain("Complex attribute 'owner' at position 0 cannot be compared");
    expect(errorOf('owner[value eq "o-1"]').detail).toBe(
      "Attribute 'owner' at position 0 is not a multi-valued complex attribute, so it cannot take a value filter '[...]'",
    );
    expect(errorOf('tags[value eq "x"]').detail).toContain("Attribute 'tags' at position 0 is not a multi-valued complex attribute");
  });
});

describe('evaluation by attribute type', () => {
  it.each([
    ['ports eq 8', ['router']],
    ['ports ne 8', ['sensor', 'bare']],
    ['ports gt 1', ['router']],
    ['ports ge 1', ['router', 'sensor']],
    ['ports lt 8', ['sensor']],
    ['ports le "8"', ['router', 'sensor']],
    ['weight gt 0.1', ['router']],
    ['weight ge 0.1', ['router', 'sensor']],
    ['weight lt 2.2500001', ['router', 'sensor']],
    ['weight eq 2.250', ['router']],
    ['enabled eq true', ['router']],
    ['enabled ne true', ['sensor', 'bare']],
    ['enabled eq false', ['sensor']],
    ['firmware eq "AAEC"', ['router']],
    ['firmware eq "aaec"', []],
    ['firmware pr', ['router']],
    ['homepage sw "HTTPS://EXAMPLE.COM"', ['router']],
    ['installedAt eq "2024-01-01T01:00:00Z"', ['sensor']],
    ['installedAt gt "2024-01-01T00:59:59.999Z"', ['router', 'sensor']],
    ['installedAt lt "2024-03-01T12:00:00.001Z"', ['router', 'sensor']],
    ['installedAt eq null', ['bare']],
    ['serial eq "AbC-1"', ['router']],
    ['serial eq "abc-1"', ['sensor']],
    ['serial sw "a"', ['sensor']],
    ['serial gt "Z"', ['sensor', 'bare']],
    ['label eq "core router"', ['router']],
    ['tags eq "core"', ['router']],
    ['tags eq "RED"', ['sensor']],
    ['tags ne "blue"', ['sensor', 'bare']],
    ['tags co "r"', ['router', 'sensor']],
    ['tags pr', ['router', 'sensor']],
    ['readings gt 14', ['router']],
    ['readings eq 3', ['router']],
    ['readings pr', ['router']],
    ['locations.city eq "OSLO"', ['router', 'sensor']],
    ['locations[city eq "oslo" and floor ge 3]', ['router']],
    ['locations.city eq "oslo" and locations.floor eq 1', ['router', 'sensor']],
    ['locations[city eq "oslo" and floor eq 1]', ['sensor']],
    ['locations.floor lt 2', ['router', 'sensor']],
    ['owner.value eq "O-1"', ['router']],
    ['owner pr', ['router']],
    ['id eq "d-2"', ['sensor']],
  ])('%s selects %p', (filter, expected) => {
    expect(matching(filter)).toEqual(expected);
  });
});
