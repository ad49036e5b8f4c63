// Reads the option table from an environment object (main.ts passes process.env). Every error names the variable.
import { OPTIONS, type Config, type OptionDefinition } from './options';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(OPTIONS) as [string, OptionDefinition<unknown>][]) {
    const raw = env[option.env];
    if (raw === undefined || raw === '') {
      values[key] = option.default;
      continue;
    }
    try {
      values[key] = option.parse(raw);
    } catch (error) {
      problems.push(`${option.env} ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const parsed = values as Config;
  // MONGODB_URI is the conventional variable; it selects MongoDB when SCIM_STORE was not set explicitly.
  const config = (env.SCIM_STORE === undefined || env.SCIM_STORE === '') && parsed.mongodbUri ? { ...parsed, store: parsed.mongodbUri } : parsed;
  // Node refuses a headers timeout longer than the request timeout (which includes the headers).
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError([`${OPTIONS.headersTimeoutMs.env} (${config.headersTimeoutMs}) must not be longer than ${OPTIONS.requestTimeoutMs.env} (${config.requestTimeoutMs})`]);
  }
  return config;
}

/**
 * What the server (not the admin CLI) needs beyond valid values. On MongoDB, instances are meant to run side by side
 * behind one load balancer: with a random cursor key per process, a cursor issued by one instance would be refused by
 * the next (RFC 9865 paging breaks at random), so a shared SCIM_CURSOR_SECRET is required.
 */
export function checkServerConfig(config: Config): void {
  // Metrics on the public port without a token would show anyone the traffic of every endpoint.
  if (config.metrics.mode === 'on' && config.metricsToken === undefined) {
    throw new ConfigError([
      `${OPTIONS.metricsToken.env} must be set when ${OPTIONS.metrics.env}=on (32+ characters, e.g. from \`openssl rand -hex 32\`), or serve the ` +
        `metrics on a port of their own: ${OPTIONS.metrics.env}=9464`,
    ]);
  }
  if (config.metrics.mode === 'port' && config.metrics.port === config.port) {
    throw new ConfigError([`${OPTIONS.metrics.env} names the server's own port (${config.port}); use on, or another port`]);
  }
  if (/^\s*mongodb(\+srv)?:/i.test(config.store) && config.cursorSecret === undefined) {
    throw new ConfigError([
      `${OPTIONS.cursorSecret.env} must be set when the store is MongoDB: every instance needs the same secret (32+ characters, ` +
        'e.g. from `openssl rand -hex 32`) to accept the paging cursors the others issue',
    ]);
  }
}

/** The configuration with secrets replaced, for the start-up log line. */
export function redactedConfig(config: Config): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(OPTIONS) as [string, OptionDefinition<unknown>][]) {
    const value = (config as Record<string, unknown>)[key];
    if (value === undefined) continue;
    shown[key] = option.secret ? redact(String(value)) : value;
  }
  return shown;
}

// Keeps the scheme and host of a URI (useful in logs) and hides credentials; hides other secrets entirely.
function redact(value: string): string {
  if (/^mongodb(\+srv)?:\/\//.test(value)) return value.replace(/\/\/[^@/]*@/, '//***@');
  if (value.startsWith('sqlite:')) return value;
  return '***';
}
