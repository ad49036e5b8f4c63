// The verified caller on every authenticated request: set only by the bearer authenticator (passport-bearer.ts),
// read by the routers through src/http/request-scope.ts. Nothing else writes it.
import type { AuthContext } from './verify-token';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      auth?: AuthContext;
    }
  }
}

