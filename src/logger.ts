// Structured logging (pino). Secrets are redacted by path, and errors are logged without stack traces at the
// default level so that nothing sensitive in a stack or message context spills into shared log pipelines.
import pino, { type Logger } from 'pino';

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['authorization', 'headers.authorization', 'req.headers.authorization', 'password', '*.password', 'token', '*.token', 'secret', '*.secret'],
        censor: '[redacted]',
      },
      serializers: {
        err: (error: unknown) => {
          if (!(error instanceof Error)) return { message: String(error) };
          const code = (error as { code?: unknown }).code;
          return { type: error.name, message: error.message, ...(code !== undefined ? { code } : {}) };
        },
      },
    },
    destination,
  );
}
