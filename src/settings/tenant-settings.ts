// The per-tenant settings the server knows: one row per key. A feature that needs a setting adds its row here (key
// `<feature>.<name>`, a description, a default, a parser from src/config/value-parsers.ts or its own) and reads it
// through the settings reader (settings-reader.ts); the admin CLI (`tenant set`, `tenant show`) and the README's
// settings table follow from the row. Keys are case-sensitive and never renamed once shipped (stored values keep them).
import { integer } from '../config/value-parsers';
import type { SettingsOf, SettingsTable } from './setting-definition';

export const TENANT_SETTINGS = {
  'jobs.retentionDays': {
    description: 'Days a finished job (succeeded, failed or cancelled) stays listed before housekeeping deletes it',
    default: 30,
    parse: integer(1, 3650),
  },
} as const satisfies SettingsTable;

export type TenantSettingsTable = typeof TENANT_SETTINGS;
export type TenantSettings = SettingsOf<TenantSettingsTable>;
