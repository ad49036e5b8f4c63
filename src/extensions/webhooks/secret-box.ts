// Webhook signing secrets at rest. The server must keep each secret (it signs every delivery with it), so it cannot
// store a hash as it does for tokens; it stores the secret encrypted with AES-256-GCM under a key of the server's
// (SCIM_WEBHOOK_SECRET_KEY, or on the embedded store a key file beside the database; see README "Webhooks"). A copy
// of the database alone (a backup, a dump) then reveals no secret. GCM authenticates too: a sealed value changed in
// the store fails to open rather than sign with a wrong secret. The webhook's id is the additional authenticated data,
// so a sealed secret copied onto another webhook does not open there.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBox {
  seal(secret: string, webhookId: string): string;
  /** Throws when the value was not sealed with this key for this webhook. */
  open(sealed: string, webhookId: string): string;
}

export function createSecretBox(keyMaterial: string | Uint8Array): SecretBox {
  if ((typeof keyMaterial === 'string' ? Buffer.byteLength(keyMaterial) : keyMaterial.length) < 32) throw new Error('The webhook secret key needs at least 32 bytes');
  const key = Buffer.from(hkdfSync('sha256', keyMaterial, Buffer.alloc(0), 'scim-server webhook secrets', 32));
  return {
    seal(secret, webhookId) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(webhookId, 'utf8'));
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return [FORMAT, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, webhookId) {
      const [format, iv, body, tag] = sealed.split('.');
      if (format !== FORMAT || iv === undefined || body === undefined || tag === undefined) throw new Error('Not a sealed webhook secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(webhookId, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/** A new signing secret: 32 random bytes, shown to the subscriber once. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
