// Raw HTTP/1.1 on a socket, for what a client library would not send (a malformed request, a body that stops
// halfway) and for answers Node's HTTP layer writes itself.
import { connect, type AddressInfo, type Server } from 'node:net';

/**
 * Writes `bytes` on a fresh connection and resolves with everything the server answered once it closed the
 * connection. `keepOpen` leaves our side open after writing (a client that never finishes its request).
 */
export function rawExchange(server: Server, bytes: string, options: { keepOpen?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    if (options.keepOpen) socket.write(bytes);
    else socket.end(bytes);
  });
}

/** Status, headers (lower-case names) and JSON body of one raw response. */
export function parseRawResponse(answer: string): { status: number; headers: Record<string, string>; body: unknown } {
  const [head, body] = answer.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: body ? (JSON.parse(body) as unknown) : undefined };
}
