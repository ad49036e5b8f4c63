// Structured logging (pino): JSON lines for log pipelines, or a readable one-line-per-event form for development
// (SCIM_LOG_FORMAT=pretty, through pino-pretty).
//
// Errors are logged whole, so that a 500 can be explained from the log alone: type, message, code, the stack, and
// the `cause` chain (each cause with its own stack), at the level the caller chose (error for unexpected failures).
// What must never reach a log is removed twice: fields that hold secrets are redacted by path (Authorization,
// cookies, passwords, tokens, secrets), and every message and stack is scrubbed of the secret shapes this server
// knows (bearer tokens, issued `scim_…` tokens, credentials in MongoDB connection strings), because a driver or a
// library may put them into an error message we do not control.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export const LogFormat = { json: 'json', pretty: 'pretty' } as const;
export type LogFormat = (typeof LogFormat)[keyof typeof LogFormat];

export interface LoggerOptions {
  readonly format?: LogFormat;
  /** Where lines go (tests); stdout by default. */
  readonly destination?: pino.DestinationStream;
}

/** How deep a cause chain is followed; deeper causes are cut with a note. */
const MAX_CAUSES = 8;
/** Errors of an AggregateError listed in the log; the rest are counted. */
const MAX_AGGREGATED = 5;

const SECRET_SHAPES: readonly [RegExp, string][] = [
  // Issued tokens (src/auth/tokens.ts): keep the id, which is how an operator finds the token, drop the secret.
  [/\b(scim_[A-Za-z0-9-]{1,64}_)[A-Za-z0-9_-]{43}\b/g, '$1[redacted]'],
  [/\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, '$1[redacted]'],
  // user:password@ in connection strings (mongodb://, mongodb+srv://, or any other scheme).
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi, '$1[redacted]@'],
];

/** Removes the secret shapes above from a text (a message, a stack). */
export function scrubSecrets(text: string): string {
  return SECRET_SHAPES.reduce((value, [pattern, replacement]) => value.replace(pattern, replacement), text);
}

export interface LoggedError {
  readonly type: string;
  readonly message: string;
  readonly code?: unknown;
  readonly status?: number;
  readonly scimType?: string;
  readonly stack?: string;
  readonly cause?: LoggedError | { readonly truncated: string };
  readonly errors?: readonly LoggedError[];
  readonly moreErrors?: number;
}

/** The log form of anything thrown: Error fields, stack and cause chain, scrubbed; cycles and depth bounded. */
export function serializeError(error: unknown, depth = 0, seen: Set<unknown> = new Set()): LoggedError {
  if (!(error instanceof Error)) return { type: typeof error, message: scrubSecrets(String(error)) };
  seen.add(error);
  const fields = error as Error & { code?: unknown; status?: unknown; scimType?: unknown; errors?: unknown };
  const logged: {
    -readonly [K in keyof LoggedError]: LoggedError[K];
  } = { type: error.name, message: scrubSecrets(error.message) };
  if (fields.code !== undefined) logged.code = fields.code;
  if (typeof fields.status === 'number') logged.status = fields.status;
  if (typeof fields.scimType === 'string') logged.scimType = fields.scimType;
  if (typeof error.stack === 'string') logged.stack = scrubSecrets(error.stack);
  if (error instanceof AggregateError && Array.isArray(fields.errors)) {
    logged.errors = fields.errors.slice(0, MAX_AGGREGATED).map((inner) => serializeError(inner, depth + 1, seen));
    if (fields.errors.length > MAX_AGGREGATED) logged.moreErrors = fields.errors.length - MAX_AGGREGATED;
  }
  if (error.cause !== undefined) {
    if (seen.has(error.cause)) logged.cause = { truncated: 'cause refers back to an error already logged above' };
    else if (depth + 1 >= MAX_CAUSES) logged.cause = { truncated: `cause chain longer than ${MAX_CAUSES}` };
    else logged.cause = serializeError(error.cause, depth + 1, seen);
  }
  return logged;
}

const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'cookie',
  'headers.cookie',
  'req.headers.cookie',
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
];

/** The pretty form of a request line: `GET /scim/v2/Users/:id 404 2.1 ms` and, for errors, scimType and detail. */
function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const message = String(log[messageKey] ?? '');
  if (message !== 'request') return message;
  const parts = [`${String(log.method)} ${String(log.route ?? log.path ?? '?')} ${String(log.status)} ${String(log.ms)} ms`];
  if (log.scimType !== undefined) parts.push(String(log.scimType));
  if (log.detail !== undefined) parts.push(`"${String(log.detail)}"`);
  return parts.join(' ');
}

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const destination =
    options.format === LogFormat.pretty
      ? pretty({
          destination: options.destination ?? 1,
          sync: true,
          colorize: options.destination === undefined && process.stdout.isTTY === true,
          translateTime: 'SYS:HH:MM:ss.l',
          singleLine: true,
          ignore: 'pid,hostname,method,route,status,ms,scimType,detail',
          messageFormat: prettyMessage,
        })
      : options.destination;
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
    },
    destination,
  );
}
