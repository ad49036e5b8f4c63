// From stored text values to typed settings, and from `key=value` arguments to checked text values: the two places
// where the settings table is applied.
import { formatSetting, SettingError, type SettingDefinition, type SettingsOf, type SettingsTable } from './setting-definition';

function definitionOf(table: SettingsTable, key: string): SettingDefinition<unknown> {
  if (!Object.hasOwn(table, key)) {
    const known = Object.keys(table);
    throw new SettingError(`Unknown setting "${key}"; ${known.length === 0 ? 'this server has no tenant settings' : `the settings are ${known.join(', ')}`}`, key);
  }
  return table[key];
}

/**
 * Every key of the table with the tenant's value, or the default where it set none. A stored value the table no
 * longer accepts (its parser became stricter) reads as the default and is reported through `onInvalid`; a stored key
 * the table does not know (written by a newer server version) is ignored.
 */
export function resolveSettings<Table extends SettingsTable>(
  table: Table,
  values: Readonly<Record<string, string>>,
  onInvalid: (key: string, problem: string) => void = () => undefined,
): SettingsOf<Table> {
  const resolved: Record<string, unknown> = {};
  for (const [key, definition] of Object.entries(table)) {
    resolved[key] = definition.default;
    if (!Object.hasOwn(values, key)) continue;
    try {
      resolved[key] = definition.parse(values[key]);
    } catch (error) {
      onInvalid(key, (error as Error).message);
    }
  }
  return resolved as SettingsOf<Table>;
}

/**
 * Parses `key=value` arguments against the table into the canonical text to store. Throws SettingError naming the
 * first unknown key or invalid value; a key given twice is refused too (which one was meant?).
 */
export function parseAssignments(table: SettingsTable, assignments: readonly string[]): Record<string, string> {
  const set = new Map<string, string>();
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new SettingError(`Expected key=value, got "${assignment}"`, assignment);
    const key = assignment.slice(0, eq).trim();
    const definition = definitionOf(table, key);
    if (set.has(key)) throw new SettingError(`Setting "${key}" given twice`, key);
    let value: unknown;
    try {
      value = definition.parse(assignment.slice(eq + 1));
    } catch (error) {
      throw new SettingError(`${key} ${(error as Error).message}`, key);
    }
    set.set(key, formatSetting(definition, value));
  }
  return Object.fromEntries(set);
}

/** Checks that every key is in the table (for unsetting). */
export function checkKeys(table: SettingsTable, keys: readonly string[]): string[] {
  return keys.map((key) => {
    definitionOf(table, key);
    return key;
  });
}
