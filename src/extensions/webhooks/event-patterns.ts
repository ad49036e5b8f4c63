// Which events a webhook receives: its `events` are exact types (USER_CREATE_SUCCESS) or patterns in which `*` stands
// for any run of characters (USER_*, *_FAIL, GROUP_*_SUCCESS, *).
import { scimErrors } from '../../scim/errors';

const PATTERN = /^[A-Z0-9_*]{1,100}$/;
export const MAX_PATTERNS = 50;

/** Checks a webhook's `events` (400 invalidValue naming the bad entry). */
export function checkPatterns(events: readonly unknown[]): string[] {
  if (events.length === 0) throw scimErrors.invalidValue('"events" must list at least one event type or pattern (e.g. USER_*, or * for all)');
  if (events.length > MAX_PATTERNS) throw scimErrors.invalidValue(`"events" may list at most ${MAX_PATTERNS} event types or patterns`);
  for (const event of events) {
    if (typeof event !== 'string' || !PATTERN.test(event)) {
      throw scimErrors.invalidValue(`"events" entries are event types in upper case with * as a wildcard (USER_CREATE_SUCCESS, USER_*, *_FAIL, *); got ${JSON.stringify(event)}`);
    }
  }
  return [...new Set(events as string[])];
}

/** A matcher for a webhook's patterns. */
export function eventMatcher(patterns: readonly string[]): (type: string) => boolean {
  const expressions = patterns.map((pattern) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`));
  return (type) => expressions.some((expression) => expression.test(type));
}
