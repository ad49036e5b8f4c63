// What a per-tenant setting is: a key, what it means, its default, and the parser of its text form. Features declare
// their settings as rows of the table in tenant-settings.ts; everything else (validation in the admin CLI, defaults,
// typed reads through the cache) follows from the row.

export interface SettingDefinition<T> {
  /** One line for `tenant show` and the README. */
  readonly description: string;
  /** The value of a tenant that has not set the key. */
  readonly default: T;
  /** Text (from the admin CLI, or as stored) to value; throws an Error whose message completes "<key> ...". */
  readonly parse: (raw: string) => T;
  /**
   * Value to the text that is stored and shown (String(value) when absent); parse(format(v)) must give v back. A
   * method, so that a table of settings of different types is one SettingsTable (method parameters are bivariant).
   */
  format?(value: T): string;
}

export type SettingsTable = Readonly<Record<string, SettingDefinition<unknown>>>;

type ValueOf<D> = D extends SettingDefinition<infer T> ? T : never;

/** The typed settings of one tenant: every key of the table, with its value or default. */
export type SettingsOf<Table extends SettingsTable> = { readonly [K in keyof Table]: ValueOf<Table[K]> };

/** A setting key or value that the table refuses; the message names the key. */
export class SettingError extends Error {
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
    this.name = 'SettingError';
  }
}

export function formatSetting<T>(definition: SettingDefinition<T>, value: T): string {
  return definition.format ? definition.format(value) : String(value);
}
