// The configuration option table: every environment variable the server reads, its default, and its parser.
// README "Configuration" mirrors this table.
import { parseLinkTemplate } from '../extensions/invitations/invitation-links';
import { MAX_GROUP_COMMIT_WINDOW_MS } from '../store/sqlite/group-commit';
import { boolean, integer } from './value-parsers';

export interface OptionDefinition<T> {
  readonly env: string;
  readonly description: string;
  readonly default?: T;
  readonly secret?: boolean;
  readonly parse: (raw: string) => T;
}

const text = (raw: string) => raw;

const basePath = (raw: string) => {
  const value = raw.trim().replace(/\/+$/, '');
  if (value !== '' && !/^\/[A-Za-z0-9/_.-]*$/.test(value)) throw new Error(`must be a URL path such as /scim/v2, got "${raw}"`);
  return value;
};

const absoluteUrl = (raw: string) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`must be an absolute URL such as https://scim.example.com/scim/v2, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('must use http or https');
  return raw.replace(/\/+$/, '');
};

const smtpUrl = (raw: string) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be a URL such as smtp://user:password@smtp.example.com:587');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error(`must use smtp: or smtps:, got ${url.protocol}`);
  return raw.trim();
};

// Cursors (and webhook secrets) are sealed with a key derived from this secret; a short one could be guessed.
const cursorSecret = (raw: string) => {
  if (raw.length < 32) throw new Error(`must be at least 32 characters long, got ${raw.length}`);
  return raw;
};

const logLevel = (raw: string) => {
  const value = raw.trim().toLowerCase();
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(value)) {
    throw new Error(`must be one of fatal, error, warn, info, debug, trace, silent; got "${raw}"`);
  }
  return value;
};

const logFormat = (raw: string): 'json' | 'pretty' => {
  const value = raw.trim().toLowerCase();
  if (value !== 'json' && value !== 'pretty') throw new Error(`must be json or pretty, got "${raw}"`);
  return value;
};

// Express "trust proxy": a boolean, a hop count, or a list of addresses/subnets.
const trustProxy = (raw: string): boolean | number | string => {
  const value = raw.trim();
  if (/^\d+$/.test(value)) return Number(value);
  if (['true', 'false'].includes(value.toLowerCase())) return value.toLowerCase() === 'true';
  return value;
};

const byteSize = (raw: string) => {
  const match = /^\s*(\d+)\s*(b|kb|mb)?\s*$/i.exec(raw);
  if (!match) throw new Error(`must be a size such as 1048576, 512kb or 2mb, got "${raw}"`);
  const factor = { b: 1, kb: 1024, mb: 1024 * 1024 }[(match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'];
  const value = Number(match[1]) * factor;
  if (value < 1024 || value > 256 * 1024 * 1024) throw new Error('must be between 1kb and 256mb');
  return value;
};

/** Where /metrics is served (README "Metrics"). */
export type MetricsSetting = { readonly mode: 'off' } | { readonly mode: 'on' } | { readonly mode: 'port'; readonly port: number };

const metricsSetting = (raw: string): MetricsSetting => {
  const value = raw.trim().toLowerCase();
  if (['off', 'false', '0'].includes(value)) return { mode: 'off' };
  if (['on', 'true'].includes(value)) return { mode: 'on' };
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535) return { mode: 'port', port: Number(value) };
  throw new Error(`must be off, on, or a port number (1-65535), got "${raw}"`);
};

export const OPTIONS = {
  port: { env: 'PORT', description: 'TCP port to listen on', default: 8080, parse: integer(0, 65535) },
  host: { env: 'HOST', description: 'Interface to bind', default: '0.0.0.0', parse: text },
  store: {
    env: 'SCIM_STORE',
    description: 'Where data lives: `sqlite:<file>` (embedded, default), `sqlite::memory:` (tests), or a `mongodb://` URI',
    default: 'sqlite:./data/scim.db',
    secret: true,
    parse: text,
  },
  mongodbUri: { env: 'MONGODB_URI', description: 'Alternative to SCIM_STORE for MongoDB (used when SCIM_STORE is unset)', secret: true, parse: text },
  basePath: { env: 'SCIM_BASE_PATH', description: 'Path the SCIM API is mounted at', default: '/scim/v2', parse: basePath },
  publicBaseUrl: {
    env: 'SCIM_BASE_URL',
    description: 'Public absolute URL of the SCIM base (for meta.location behind proxies); derived from each request when unset',
    parse: absoluteUrl,
  },
  bodyLimit: { env: 'SCIM_BODY_LIMIT', description: 'Largest request body accepted (413 above it)', default: 1024 * 1024, parse: byteSize },
  bulkMaxOperations: {
    env: 'SCIM_BULK_MAX_OPERATIONS',
    description: 'Most operations one POST /Bulk request may hold (advertised as bulk.maxOperations; 413 above it)',
    default: 1000,
    parse: integer(1, 100000),
  },
  bulkMaxPayload: {
    env: 'SCIM_BULK_MAX_PAYLOAD',
    description: 'Largest POST /Bulk body in bytes, enforced while reading it (advertised as bulk.maxPayloadSize; 413 above it)',
    default: 4 * 1024 * 1024,
    parse: byteSize,
  },
  importMaxFile: {
    env: 'SCIM_IMPORT_MAX_FILE',
    description: 'Largest export file POST /Users/.import/all accepts, in bytes, enforced while it is uploaded (413 above it)',
    // A gzip export takes about 300 bytes per user: 1 GiB holds a few million users.
    default: 1024 * 1024 * 1024,
    parse: byteSize,
  },
  importConcurrency: {
    env: 'SCIM_IMPORT_CONCURRENCY',
    description: 'Records an import (POST /Users/.import/all job, POST /Users/.import request) works on at once; each is still written whole or not at all, and accounted in file order',
    default: 32,
    parse: integer(1, 64),
  },
  bulkDeleteMaxIds: {
    env: 'SCIM_BULK_DELETE_MAX_IDS',
    description: 'Most ids one POST /Users/.bulk-delete request may list (413 above it)',
    default: 1000,
    parse: integer(1, 100000),
  },
  maxResults: { env: 'SCIM_MAX_RESULTS', description: 'Largest page a list or search returns (advertised as filter.maxResults)', default: 1000, parse: integer(1, 10000) },
  groupMembersMax: {
    env: 'SCIM_GROUP_MEMBERS_MAX',
    description: 'Most members a Group response lists (in member-id order); larger groups are answered with their first ones',
    default: 10000,
    parse: integer(1, 1000000),
  },
  maxAttributeValues: {
    env: 'SCIM_MAX_ATTRIBUTE_VALUES',
    description: 'Most values one multi-valued attribute of a User or Group may hold (emails, roles…; not Group members); 400 tooMany above it',
    default: 1000,
    parse: integer(1, 1000000),
  },
  defaultPageSize: { env: 'SCIM_DEFAULT_PAGE_SIZE', description: 'Page size when a client sends no count', default: 100, parse: integer(1, 10000) },
  filterMaxLength: { env: 'SCIM_FILTER_MAX_LENGTH', description: 'Longest filter accepted, in characters', default: 4096, parse: integer(64, 65536) },
  filterMaxDepth: { env: 'SCIM_FILTER_MAX_DEPTH', description: 'Deepest nesting of a filter', default: 32, parse: integer(2, 256) },
  filterMaxCost: {
    env: 'SCIM_FILTER_MAX_COST',
    description: 'Most a filter may cost to evaluate (README "Limits": 1 per simple comparison, more for multi-valued attributes, pr and value filters)',
    default: 64,
    parse: integer(4, 100000),
  },
  queryTimeoutMs: {
    env: 'SCIM_QUERY_TIMEOUT_MS',
    description: 'Longest a list or search query may run in the store before it is stopped (503); MongoDB gets it as maxTimeMS',
    default: 10_000,
    parse: integer(100, 600_000),
  },
  readWorkers: {
    env: 'SCIM_READ_WORKERS',
    description: 'Threads that run the embedded store\'s list and search queries off the main thread, each with its own read connection; 0 runs them on the main thread',
    default: 2,
    parse: integer(0, 64),
  },
  groupCommitWindowMs: {
    env: 'SCIM_GROUP_COMMIT_WINDOW_MS',
    description:
      'Milliseconds the embedded store gathers concurrent writes into one transaction (one fsync) after the first arrives; 0: the writes ' +
      'that arrive in one turn of the event loop. Each write is still answered only once its transaction is on disk',
    default: 0,
    parse: integer(0, MAX_GROUP_COMMIT_WINDOW_MS),
  },
  cursorSecret: {
    env: 'SCIM_CURSOR_SECRET',
    description:
      'Secret (32+ characters) that seals RFC 9865 paging cursors; unset, each process draws a random one, so every instance behind one ' +
      'load balancer must be given the same value',
    secret: true,
    parse: cursorSecret,
  },
  cursorTimeout: {
    env: 'SCIM_CURSOR_TIMEOUT',
    description: 'Seconds a paging cursor stays valid (advertised as pagination.cursorTimeout)',
    default: 3600,
    parse: integer(60, 7 * 24 * 3600),
  },
  schemasDir: {
    env: 'SCIM_SCHEMAS_DIR',
    description:
      'Folder of extension schemas (RFC 7643 §7 JSON, the shape of schemas/enterprise-user.json) added to User, or to the resource type its ' +
      'resource-types.json names, at start-up; the admin CLI needs the same value',
    parse: text,
  },
  publicDiscovery: {
    env: 'SCIM_PUBLIC_DISCOVERY',
    description: 'Serve /ServiceProviderConfig, /ResourceTypes and /Schemas without a token',
    default: false,
    parse: boolean,
  },
  tokenCacheMs: {
    env: 'SCIM_TOKEN_CACHE_MS',
    description:
      'Milliseconds a verified bearer token is remembered by each instance (0: looked up on every request); a revocation made elsewhere ' +
      '(admin CLI, another instance) reaches this instance within it, one made through this instance at once',
    default: 1000,
    parse: integer(0, 60_000),
  },
  bootstrapToken: {
    env: 'SCIM_BOOTSTRAP_TOKEN',
    description: 'Token to create for the default tenant on first start (instead of a random one that is printed)',
    secret: true,
    parse: text,
  },
  logLevel: { env: 'SCIM_LOG_LEVEL', description: 'pino log level', default: 'info', parse: logLevel },
  logFormat: {
    env: 'SCIM_LOG_FORMAT',
    description: '`json` (one JSON object per line, for log pipelines) or `pretty` (readable lines, for development)',
    default: 'json' as 'json' | 'pretty',
    parse: logFormat,
  },
  trustProxy: { env: 'SCIM_TRUST_PROXY', description: 'Express "trust proxy" setting (true, hop count, or addresses)', default: false, parse: trustProxy },
  requestTimeoutMs: {
    env: 'SCIM_REQUEST_TIMEOUT_MS',
    description: 'Longest time a client may take to send a whole request, headers and body (408 and the connection closed after it)',
    default: 60000,
    parse: integer(1000, 3600000),
  },
  headersTimeoutMs: {
    env: 'SCIM_HEADERS_TIMEOUT_MS',
    description: 'Longest time a client may take to send the request headers; at most SCIM_REQUEST_TIMEOUT_MS',
    default: 10000,
    parse: integer(1000, 3600000),
  },
  keepAliveTimeoutMs: {
    env: 'SCIM_KEEP_ALIVE_TIMEOUT_MS',
    description: 'How long an idle keep-alive connection stays open; longer than the idle timeout of a load balancer in front',
    default: 65000,
    parse: integer(1000, 3600000),
  },
  shutdownTimeoutMs: {
    env: 'SCIM_SHUTDOWN_TIMEOUT_MS',
    description: 'How long SIGTERM waits for in-flight requests (and running jobs to checkpoint) before closing',
    default: 10000,
    parse: integer(0, 600000),
  },
  workers: {
    env: 'SCIM_WORKERS',
    description:
      'Run background work in this process: jobs (exports, imports, sweeps, the MongoDB rebuild after a schema change), outbox delivery ' +
      'and housekeeping (`on` or `off`); keep it on for at least one instance per store',
    default: true,
    parse: boolean,
  },
  rateLimitToken: {
    env: 'SCIM_RATE_LIMIT_TOKEN',
    description: 'Requests per second each token may make, counted over SCIM_RATE_LIMIT_WINDOW; above it 429 with Retry-After (0: no limit)',
    default: 50,
    parse: integer(0, 1_000_000),
  },
  rateLimitTenant: {
    env: 'SCIM_RATE_LIMIT_TENANT',
    description: 'Requests per second all tokens of one tenant together may make, counted over SCIM_RATE_LIMIT_WINDOW; above it 429 (0: no limit)',
    default: 100,
    parse: integer(0, 1_000_000),
  },
  rateLimitWindow: {
    env: 'SCIM_RATE_LIMIT_WINDOW',
    description: 'Seconds of the fixed windows that token and tenant rates are counted over (a window allows rate x seconds requests)',
    default: 10,
    parse: integer(1, 3600),
  },
  rateLimitAuthFailures: {
    env: 'SCIM_RATE_LIMIT_AUTH_FAILURES',
    description:
      'Failed bearer-token authentications per client address per minute; past it the address gets 429 on every request that needs a token until the minute ends (0: no limit)',
    default: 60,
    parse: integer(0, 1_000_000),
  },
  metrics: {
    env: 'SCIM_METRICS',
    description:
      'Prometheus metrics: `off`, `on` (GET /metrics on the server port, needs SCIM_METRICS_TOKEN), or a port number (a listener of its own on HOST serving only /metrics)',
    default: { mode: 'off' } as MetricsSetting,
    parse: metricsSetting,
  },
  metricsToken: {
    env: 'SCIM_METRICS_TOKEN',
    description: 'Bearer token (32+ characters) that scrapes of /metrics must present; required with SCIM_METRICS=on, optional on a port of its own',
    secret: true,
    parse: cursorSecret,
  },
  webhooksAllowPrivate: {
    env: 'SCIM_WEBHOOKS_ALLOW_PRIVATE',
    description:
      'Let webhooks deliver to loopback, private, link-local and reserved addresses (receivers inside your network); off, such URLs are ' +
      'refused (400) when a webhook is created or changed, and deliveries to them are refused after DNS resolution',
    default: false,
    parse: boolean,
  },
  webhookSecretKey: {
    env: 'SCIM_WEBHOOK_SECRET_KEY',
    description:
      'Key (32+ characters) that seals webhook signing secrets in the store; the same on every instance. Unset on the embedded store, a ' +
      'key file beside the database is used (created on first start); unset on MongoDB, webhooks cannot be created',
    secret: true,
    parse: cursorSecret,
  },
  smtpUrl: {
    env: 'SCIM_SMTP_URL',
    description:
      'SMTP server that invitation mails are sent through (smtp://user:password@host:587, smtps://… for TLS from the start); ' +
      'without it no mail is sent and GET /Invitations/{id} shows each link (README "Invitations")',
    secret: true,
    parse: smtpUrl,
  },
  smtpFrom: {
    env: 'SCIM_SMTP_FROM',
    description: 'The From address of invitation mails',
    default: 'SCIM server <no-reply@localhost>',
    parse: (raw: string) => {
      if (!/@/.test(raw) || /[\r\n]/.test(raw)) throw new Error(`must be an e-mail address, optionally with a name ("Acme <no-reply@acme.example>"), got "${raw}"`);
      return raw.trim();
    },
  },
  invitationLink: {
    env: 'SCIM_INVITATION_LINK',
    description:
      'The accept link of invitations, with {token} where the token goes (https://app.example.com/accept#token={token}); a tenant may set its own ' +
      '(invitations.link). Default: <SCIM_BASE_URL>/Invitations/accept#token={token}',
    parse: parseLinkTemplate,
  },
  testHooks: {
    env: 'SCIM_TEST_HOOKS',
    description: 'For the test suite only: path of a module whose registerTestHooks() adds job types and outbox topics to the worker host',
    parse: text,
  },
} as const satisfies Record<string, OptionDefinition<unknown>>;

type OptionTable = typeof OPTIONS;
type ParsedValue<O> = O extends OptionDefinition<infer T> ? T : never;

/** Options with a default are always present; the others may be undefined. */
export type Config = {
  readonly [K in keyof OptionTable]: OptionTable[K] extends { default: unknown } ? ParsedValue<OptionTable[K]> : ParsedValue<OptionTable[K]> | undefined;
};
