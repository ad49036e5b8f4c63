// dateTime literals in filters (RFC 7643 §2.3.5: xsd:dateTime, "2008-01-23T04:56:22Z"), parsed by hand rather than
// with Date.parse because:
//   - clients send 7 fractional digits (.NET's "o" format: 2015-10-10T14:38:21.8617979-07:00), which Date.parse
//     does not promise to accept;
//   - Date.parse reads a date-time without an offset as local time, which would make a filter's meaning depend on
//     the host's time zone. We read it as UTC instead (xsd:dateTime leaves such values "untimezoned").
// Fractional seconds beyond milliseconds are truncated: stored instants carry millisecond precision.
// A date alone (2015-10-10) is accepted as midnight UTC of that day, a tolerance for hand-written filters.

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(?:\s*([Zz]|[+-]\d{2}(?::?\d{2})?))?$/;

const MILLISECONDS_PER_MINUTE = 60_000;

/** Milliseconds since the epoch for an xsd:dateTime-like text, or undefined when it is not a valid instant. */
export function parseDateTime(text: string): number | undefined {
  const match = DATE_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, yearText, monthText, dayText, hourText, minuteText, secondText, fraction, zone] = match;
  const year = Number(yearText);
  const month = Number(monthText);
  const day = Number(dayText);
  const hour = hourText === undefined ? 0 : Number(hourText);
  const minute = minuteText === undefined ? 0 : Number(minuteText);
  const second = secondText === undefined ? 0 : Number(secondText);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millisecond = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));

  const offsetMinutes = zone === undefined ? 0 : parseOffset(zone);
  if (offsetMinutes === undefined) return undefined;

  // setUTCFullYear keeps years 0-99 as written (Date.UTC would map them to 1900-1999).
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  return date.getTime() - offsetMinutes * MILLISECONDS_PER_MINUTE;
}

/** The instant as ISO 8601 UTC with milliseconds (2015-10-10T21:38:21.861Z), or undefined when invalid. */
export function normaliseDateTime(text: string): string | undefined {
  const instant = parseDateTime(text);
  return instant === undefined ? undefined : new Date(instant).toISOString();
}

function parseOffset(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
