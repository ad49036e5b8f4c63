// Process entry point and the only reader of process.env: config -> store -> app -> listen.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { buildApp, createReadAudit, webhookPolicy } from './app';
import { createSecretBox } from './extensions/webhooks/secret-box';
import { resolveWebhookKey } from './extensions/webhooks/secret-key';
import { describeBootstrap, ensureBootstrap } from './auth/bootstrap';
import { checkServerConfig, ConfigError, loadConfig, redactedConfig } from './config/load-config';
import type { Config } from './config/options';
import { parseStoreSpec } from './config/store-spec';
import { createHttpServer } from './http/http-server';
import { createLogger } from './logger';
import { loadRegistry, SchemasDirError } from './config/schemas-dir';
import { metricsApp } from './http/routes/metrics-router';
import { instrumentStore } from './metrics/instrument-store';
import { createMetrics } from './metrics/metrics';
import type { Logger } from 'pino';
import { openStore } from './store/open-store';
import { isStoreError, StoreErrorCode } from './store/store-error';
import { createSmtpSender } from './extensions/invitations/smtp-sender';
import { buildWorkers, type TestHooksModule } from './workers';
import { ensureRebuildQueued } from './jobs/derived-data-rebuild';

async function main(): Promise<void> {
  // The libuv thread pool runs password hashing (scrypt) beside file system and DNS work. Its size is read once, when
  // it is first used; no module uses it while loading, so setting it first thing here takes effect. The hash queue
  // runs at most one scrypt per core (src/resources/fair-queue.ts): the pool gets that many threads on top
  // of Node's 4, so that file and DNS work never waits behind hashing.
  process.env.UV_THREADPOOL_SIZE ??= String(4 + availableParallelism());
  let config: Config;
  try {
    config = loadConfig(process.env);
    checkServerConfig(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, { format: config.logFormat });
  let registry;
  try {
    registry = loadRegistry(config.schemasDir);
  } catch (error) {
    if (error instanceof SchemasDirError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const storeSpec = parseStoreSpec(config.store);
  const opened = await openStore(storeSpec, {
    registry,
    logger,
    queries: { timeoutMs: config.queryTimeoutMs, readWorkers: config.readWorkers },
    writes: { groupCommitWindowMs: config.groupCommitWindowMs },
  });
  // Metrics time every store operation of the app and the workers alike: the store is wrapped once, here.
  const metrics = config.metrics.mode === 'off' ? undefined : createMetrics();
  const store = metrics ? instrumentStore(opened, metrics) : opened;
  metrics?.watchBacklog(store, (error) => logger.warn({ err: error }, 'could not read the job and outbox backlog for the metrics'));
  const webhookKey = resolveWebhookKey(config.webhookSecretKey, storeSpec);
  if (webhookKey.source === 'none') logger.warn('SCIM_WEBHOOK_SECRET_KEY is not set: webhooks cannot be created on MongoDB without it (README "Webhooks")');
  const webhooks = { secrets: webhookKey.key === undefined ? undefined : createSecretBox(webhookKey.key) };

  // A job a request enqueues (e.g. moving the holders of a role, README "Roles") starts at once on this instance's workers.
  let wakeWorkers: (() => void) | undefined = undefined;
  // Audit events of reads and failures wait here (at most a second) for a batched write; flushed on SIGTERM.
  const readAudit = createReadAudit(store, { logger });
  const app = buildApp({ config, store, registry, logger, metrics, wakeWorkers: () => wakeWorkers?.(), readAudit, webhooks });
  const server = createHttpServer(app, config);
  const metricsServer =
    metrics && config.metrics.mode === 'port' ? createHttpServer(metricsApp({ metrics, token: config.metricsToken }), config) : undefined;
  try {
    await listen(server, config);
    if (metricsServer && config.metrics.mode === 'port') await listen(metricsServer, { host: config.host, port: config.metrics.port }, 'SCIM_METRICS');
  } catch (error) {
    server.close();
    await store.close().catch(() => undefined);
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ config: redactedConfig(config), port }, `SCIM server listening on http://${config.host}:${port}${config.basePath}`);
  if (metricsServer) {
    const bound = metricsServer.address();
    logger.info({ metricsPort: typeof bound === 'object' && bound ? bound.port : undefined }, `metrics on http://${config.host}:${typeof bound === 'object' && bound ? bound.port : ''}/metrics`);
  }

  // Background work (jobs, outbox, housekeeping) claims through the store, so it copes with a store that is still down.
  let clockOffsetMs = 0;
  // README "Invitations": mails go through SCIM_SMTP_URL when it is set; without it links are read from the API.
  const smtp = config.workers && config.smtpUrl ? createSmtpSender(config.smtpUrl) : undefined;
  const workers = config.workers
    ? buildWorkers({
        store,
        registry,
        logger,
        clock: () => new Date(Date.now() + clockOffsetMs),
        workerId: `${hostname()}:${process.pid}`,
        importConcurrency: config.importConcurrency,
        webhooks: { ...webhooks, policy: webhookPolicy(config) },
        ...(smtp ? { mail: { send: smtp.send, from: config.smtpFrom } } : {}),
      })
    : undefined;
  wakeWorkers = workers ? () => workers.wake() : undefined;
  if (workers && config.testHooks) {
    const hooks = require(resolve(config.testHooks)) as TestHooksModule;
    hooks.registerTestHooks({ host: workers, store, shiftClock: (ms) => (clockOffsetMs += ms) });
  }
  if (workers) {
    workers.start();
    logger.info({ workerId: workers.workerId }, 'background workers started');
  } else {
    logger.info('SCIM_WORKERS=off: this instance runs no background work');
  }

  // After a schema change on MongoDB, the rebuild of stored resources is a job (one instance runs it; /ready says 503
  // meanwhile): queued once for all instances of this version, whichever starts first.
  const { derivedData } = store;
  if (derivedData) {
    const rebuild = await untilStoreAvailable(() => ensureRebuildQueued(derivedData, store.jobs, new Date(), randomUUID), logger);
    if (rebuild) logger.info({ jobId: rebuild.id, status: rebuild.status }, 'the rebuild of derived fields for this schema model is queued');
  }

  // After listen, so that a database that is still down at start-up delays only the bootstrap (/ready says 503).
  const bootstrap = await untilStoreAvailable(() => ensureBootstrap({ tenants: store.tenants, bootstrapToken: config.bootstrapToken }), logger);
  const said = describeBootstrap(bootstrap);
  if (said) logger[said.level]({ tenantId: bootstrap.tenant.id }, said.message);
  if (bootstrap.token) {
    // Printed once, to the terminal only (not through the logger, which may ship to a log pipeline).
    process.stdout.write(
      `\nCreated tenant "${bootstrap.tenant.name}" (${bootstrap.tenant.id}) with a bearer token.\n` +
        `Token (shown once, keep it safe):\n\n  ${bootstrap.token}\n\n`,
    );
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests and stopping background work');
    const force = setTimeout(() => {
      logger.warn('shutdown timeout reached; closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    // Running jobs checkpoint and release their leases while in-flight requests finish; the store closes after both,
    // and after the audit events still waiting in memory are written.
    const workersStopped = (workers ? workers.stop(config.shutdownTimeoutMs) : Promise.resolve()).then(() => smtp?.close());
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    server.close(() => {
      workersStopped
        .then(() => readAudit.buffer.close())
        .then(() => store.close())
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'error while closing the store');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Resolves once the server listens; a port that is taken or not ours to bind fails start-up, naming it. */
function listen(server: Server, config: Pick<Config, 'port' | 'host'>, variable = 'PORT'): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      const where = `port ${config.port} on ${config.host}`;
      if (error.code === 'EADDRINUSE') reject(new Error(`${where} is already in use (another server is listening there); set ${variable} to a free port`, { cause: error }));
      else if (error.code === 'EACCES') reject(new Error(`${where} may not be bound by this user; set ${variable} to a port above 1023`, { cause: error }));
      else reject(new Error(`cannot listen on ${where}: ${error.message}`, { cause: error }));
    };
    server.once('error', failed);
    server.listen(config.port, config.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

const BOOTSTRAP_RETRY_MS = 2_000;

/** Runs `step` again while the store is unreachable; any other failure ends start-up. */
async function untilStoreAvailable<T>(step: () => Promise<T>, logger: Logger): Promise<T> {
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!isStoreError(error, StoreErrorCode.unavailable)) throw error;
      logger.warn(`store not reachable at start-up; retrying in ${BOOTSTRAP_RETRY_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, BOOTSTRAP_RETRY_MS));
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
