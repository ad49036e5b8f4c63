// One delivery attempt: a signed POST of the body to the webhook's URL, to an address checked by the SSRF policy
// (address-policy.ts) and pinned for the connection (the request's DNS lookup answers with the checked address, so a
// second resolution cannot lead elsewhere), within a timeout, without following redirects (a redirect could point
// anywhere). The answer's body is read and dropped: only its status counts.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { checkDestination, DestinationRefused, hostOf, type Resolver } from './address-policy';
import { SIGNATURE_HEADER, signatureHeader } from './signature';

export interface DeliveryPolicy {
  readonly allowPrivate: boolean;
  readonly resolve: Resolver;
  readonly timeoutMs: number;
  readonly userAgent: string;
}

export interface Delivery {
  readonly url: string;
  readonly body: string;
  readonly secret: string;
  readonly webhookId: string;
  /** Stable across the attempts of one delivery: receivers de-duplicate on it. */
  readonly deliveryId: string;
  readonly now: Date;
}

export interface DeliveryResult {
  readonly delivered: boolean;
  /** The receiver's HTTP status, when it answered. */
  readonly status?: number;
  /** Why it was not delivered, for the delivery log (no secrets). */
  readonly error?: string;
  /** Retrying cannot help (the destination is refused, or the receiver answered 410 Gone). */
  readonly permanent?: boolean;
  readonly durationMs: number;
}

export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 64 * 1024;

export async function postDelivery(delivery: Delivery, policy: DeliveryPolicy): Promise<DeliveryResult> {
  const started = Date.now();
  const done = (result: Omit<DeliveryResult, 'durationMs'>): DeliveryResult => ({ ...result, durationMs: Date.now() - started });
  const url = new URL(delivery.url);
  let address: string;
  try {
    [address] = (await checkDestination(url, policy)).addresses;
  } catch (error) {
    if (error instanceof DestinationRefused) return done({ delivered: false, error: `Refused: ${error.message}`, permanent: true });
    throw error;
  }
  const family = isIP(address);
  // The connection goes to the checked address whatever the host resolves to now.
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (error: null, addresses: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const unixSeconds = Math.floor(delivery.now.getTime() / 1000);
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(delivery.body)),
    'User-Agent': policy.userAgent,
    [SIGNATURE_HEADER]: signatureHeader(delivery.secret, delivery.body, unixSeconds),
    'X-Webhook-Id': delivery.webhookId,
    'X-Delivery-Id': delivery.deliveryId,
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<DeliveryResult>((resolve) => {
    const req = send(
      {
        protocol: url.protocol,
        hostname: hostOf(url),
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers,
        lookup: pinned,
        timeout: policy.timeoutMs,
      },
      (res: IncomingMessage) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        const status = res.statusCode ?? 0;
        const finish = () => {
          if (status >= 200 && status < 300) resolve(done({ delivered: true, status }));
          else resolve(done({ delivered: false, status, error: `The receiver answered HTTP ${status}`, permanent: status === 410 }));
        };
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${policy.timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(done({ delivered: false, error: `Could not deliver: ${error.code ?? error.message}` })));
    req.end(delivery.body);
  });
}
