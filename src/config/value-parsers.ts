// Parsers for values given as text: environment variables (options.ts) and per-tenant settings
// (src/settings/tenant-settings.ts). Each throws an Error whose message completes "<name> ...", so that the caller
// can put the variable's or the setting's name in front of it.

export const integer = (min: number, max: number) => (raw: string) => {
  if (!/^\d+$/.test(raw.trim())) throw new Error(`must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new Error(`must be between ${min} and ${max}, got ${value}`);
  return value;
};

export const boolean = (raw: string) => {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
  throw new Error(`must be true or false, got "${raw}"`);
};

/** One of the given words (compared ignoring case and surrounding space). */
export const oneOf =
  <const T extends string>(...choices: readonly T[]) =>
  (raw: string): T => {
    const value = raw.trim().toLowerCase();
    const found = choices.find((choice) => choice.toLowerCase() === value);
    if (found === undefined) throw new Error(`must be one of ${choices.join(', ')}; got "${raw}"`);
    return found;
  };
