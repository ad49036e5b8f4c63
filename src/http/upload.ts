// An uploaded file for POST /Users/.import/all (README "Export and import"), streamed to its destination as it arrives,
// never held whole, with its size counted on the way (413 past the limit, and nothing kept):
//   - multipart/form-data with the fields `file` and `encryptionSecret`, read with busboy;
//   - or the file itself as the body (application/gzip, application/octet-stream, application/x-ndjson), with the
//     secret in the X-Encryption-Secret header.
import type { Request } from 'express';
import busboy from 'busboy';
import { scimErrors } from '../scim/errors';

export const SECRET_HEADER = 'X-Encryption-Secret';
const RAW_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream', 'application/x-ndjson', 'application/ndjson'];

export interface Upload<T> {
  /** What `store` made of the file (e.g. a blob id). */
  readonly stored: T;
  /** The encryptionSecret field or header, as sent (unchecked). */
  readonly secret: unknown;
}

/**
 * The file of `req`, given to `store` as a stream of at most `maxBytes` bytes, with the secret when it is known before
 * the file (the header of a raw body; a form field sent before the file).
 */
export type StoreUpload<T> = (content: AsyncIterable<Uint8Array>, secret: unknown) => Promise<T>;

export async function readUpload<T>(req: Request, maxBytes: number, store: StoreUpload<T>): Promise<Upload<T>> {
  const type = (req.get('Content-Type') ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'multipart/form-data') return readMultipart(req, maxBytes, store);
  if (!RAW_TYPES.includes(type)) {
    throw scimErrors.unsupportedMediaType(`Upload the export file as multipart/form-data (fields "file" and "encryptionSecret"), or as the body with Content-Type ${RAW_TYPES.slice(0, 3).join(', ')} and the secret in ${SECRET_HEADER}`);
  }
  const secret = req.get(SECRET_HEADER);
  return { stored: await store(limited(req, maxBytes), secret), secret };
}

function tooLarge(maxBytes: number) {
  return scimErrors.payloadTooLarge(`The file is larger than ${maxBytes} bytes, the most this server accepts (SCIM_IMPORT_MAX_FILE)`);
}

async function* limited(source: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    if (bytes > maxBytes) throw tooLarge(maxBytes);
    yield chunk;
  }
}

function readMultipart<T>(req: Request, maxBytes: number, store: StoreUpload<T>): Promise<Upload<T>> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 10, fieldSize: 4096, fileSize: maxBytes } });
    } catch {
      reject(scimErrors.invalidSyntax('The multipart body has no boundary'));
      return;
    }
    let secret: unknown;
    let storing: Promise<T> | undefined;
    parser.on('field', (name, value) => {
      if (name === 'encryptionSecret') secret = value;
    });
    parser.on('file', (name, file) => {
      if (name !== 'file' || storing) {
        file.resume();
        return;
      }
      // Past the limit busboy stops the file short; the upload must fail instead of keeping a truncated file.
      file.on('limit', () => file.destroy(tooLarge(maxBytes)));
      storing = store(file, secret);
      storing.catch(() => undefined);
    });
    parser.on('error', (error) => reject(scimErrors.invalidSyntax(`The multipart body cannot be read: ${(error as Error).message}`)));
    parser.on('close', () => {
      if (!storing) {
        reject(scimErrors.invalidValue('The multipart body has no "file" field with the export file'));
        return;
      }
      storing.then((stored) => resolve({ stored, secret }), reject);
    });
    req.pipe(parser);
  });
}
