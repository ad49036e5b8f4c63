// The Node HTTP server around the Express app: its timeouts, and SCIM error bodies for the errors that Node's HTTP
// layer answers before any request reaches Express (a header block over 16 KB, a malformed request line, an unknown
// method, a request that took too long to arrive). Without this, those answers have empty bodies and a slow client
// holds a socket for Node's defaults (300 s for a request, 60 s for headers, checked only every 30 s).
import { createServer, STATUS_CODES, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { SCIM_MEDIA_TYPE, SECURITY_HEADERS } from './respond';
import { scimErrors, type ScimError } from '../scim/errors';

export interface HttpServerTimeouts {
  /** Longest time to receive a whole request, headers and body (Node: server.requestTimeout). */
  readonly requestTimeoutMs: number;
  /** Longest time to receive the request headers (Node: server.headersTimeout); at most requestTimeoutMs. */
  readonly headersTimeoutMs: number;
  /** How long an idle keep-alive connection stays open (Node: server.keepAliveTimeout). */
  readonly keepAliveTimeoutMs: number;
}

/** How often Node looks for requests past their timeouts; the timeouts above are enforced to within this. */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

export function createHttpServer(app: RequestListener, timeouts: HttpServerTimeouts): Server {
  const server = createServer(
    {
      requestTimeout: timeouts.requestTimeoutMs,
      headersTimeout: timeouts.headersTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, timeouts.headersTimeoutMs),
    },
    app,
  );
  server.on('clientError', answerClientError);
  return server;
}

/** The SCIM error for an error Node's HTTP parser or its timeout check reports on a connection. */
export function clientErrorOf(error: NodeJS.ErrnoException): ScimError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return scimErrors.requestHeaderFieldsTooLarge('The request line and headers are too large (over 16 KB); shorten the URL or the headers');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return scimErrors.requestTimeout('The request did not arrive in time; send the headers and body without pauses');
    case 'HPE_INVALID_METHOD':
      return scimErrors.badRequest('The request method is not a valid HTTP method');
    default:
      return scimErrors.badRequest('The request is not a well-formed HTTP/1.1 request');
  }
}

/**
 * Writes the error as a raw HTTP response, as Node itself would, but with a SCIM error body (RFC 7644 §3.12), then
 * closes the connection. Nothing is written when the peer is gone or a response has already started on the socket
 * (writing then would corrupt it); a reset connection needs no answer.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
    const scimError = clientErrorOf(error);
    const body = JSON.stringify(scimError.toBody());
    const headers = {
      'Content-Type': SCIM_MEDIA_TYPE,
      'Content-Length': String(Buffer.byteLength(body)),
      ...SECURITY_HEADERS,
      Connection: 'close',
    };
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    // As Node's own handler does: write, then destroy (a response this small is written at once).
    socket.write(`HTTP/1.1 ${scimError.status} ${STATUS_CODES[scimError.status] ?? ''}\r\n${head}\r\n${body}`);
  }
  socket.destroy();
}
