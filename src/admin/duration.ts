// Durations on the admin command line: a whole number and a unit, `90d`, `12h`, `30m`, `45s`.
const UNITS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNITS;
const MAX_MS = 3650 * UNITS.d;

export function parseDuration(raw: string, options: { readonly allowZero: boolean }): number {
  const match = /^\s*(\d{1,7})\s*([smhd])\s*$/i.exec(raw);
  if (!match) throw new Error(`"${raw}" is not a duration such as 90d, 12h, 30m or 45s`);
  const ms = Number(match[1]) * UNITS[match[2].toLowerCase() as Unit];
  if (ms === 0 && !options.allowZero) throw new Error('the duration must be longer than zero');
  if (ms > MAX_MS) throw new Error('the duration must be at most 3650d');
  return ms;
}

/** The largest unit that divides the duration exactly: 86400000 -> "1d", 5400000 -> "90m". */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) if (ms % UNITS[unit] === 0 && ms >= UNITS[unit]) return `${ms / UNITS[unit]}${unit}`;
  return `${Math.round(ms / 1000)}s`;
}
