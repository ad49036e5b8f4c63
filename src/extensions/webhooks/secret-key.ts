// Which key seals webhook secrets (secret-box.ts). SCIM_WEBHOOK_SECRET_KEY when it is set (give every instance the
// same value). Otherwise, on the embedded store, a key file beside the database (`<database>.webhook-key`, readable by
// the server's user only), made on first start: a copy of the database alone then opens no secret, while `npm start`
// needs no configuration. An in-memory store gets a key of the process. MongoDB has no file beside it that every
// instance shares, so there the variable is the only key; without it webhooks cannot be created.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { StoreSpec } from '../../store/store-spec';

export type WebhookKey =
  | { readonly source: 'config' | 'file' | 'process'; readonly key: string | Uint8Array; readonly file?: string }
  | { readonly source: 'none'; readonly key?: undefined };

export function webhookKeyFile(databasePath: string): string {
  return `${resolve(databasePath)}.webhook-key`;
}

export function resolveWebhookKey(configured: string | undefined, store: StoreSpec): WebhookKey {
  if (configured !== undefined) return { source: 'config', key: configured };
  if (store.kind === 'mongodb') return { source: 'none' };
  if (store.path === ':memory:') return { source: 'process', key: randomBytes(32) };
  const file = webhookKeyFile(store.path);
  try {
    // `wx`: only the first instance to start writes it; the others (and every later start) read it.
    writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { source: 'file', key: readFileSync(file, 'utf8').trim(), file };
}
