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
  const config = values as Config;
  // MONGODB_URI is the conventional variable; it selects MongoDB when SCIM_STORE was not set explicitly.
  if ((env.SCIM_STORE === undefined || env.SCIM_STORE === '') && config.mongodbUri) return { ...config, store: config.mongodbUri };
  return config;
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
