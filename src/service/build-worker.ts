/**
 * The composition root of a queue-mode worker process (`npm run worker`): the same bots as the
 * API, with the bot setup that handling needs (flood limits and sessions shared through Redis, so
 * each bot's 30/s and each chat's session hold across every worker), and the queue worker as the
 * host's processor. No HTTP API. Built, not started.
 */
import path from "node:path";
import type { Logger } from "pino";
import type { ServiceConfig } from "../config/service-config.ts";
import { createFloodLimiter } from "../flood-control/create-flood-limiter.ts";
import { BotHost } from "../host/bot-host.ts";
import type { BotRegistry } from "../bots/bot-registry.ts";
import { buildApp } from "../http/build-app.ts";
import { metricsRoute } from "../metrics/metrics-route.ts";
import { ServiceMetrics } from "../metrics/service-metrics.ts";
import { healthRoutes } from "../http/health-routes.ts";
import type { SecretScrubber } from "../logging/secret-scrubber.ts";
import type { SettledListener } from "../processing/update-job.ts";
import { UpdateRunner } from "../processing/update-runner.ts";
import type { QueueJournalSink } from "../queue/journal-consumer.ts";
import type { QueueFamily } from "../queue/queue-names.ts";
import { QueueWorker } from "../queue/queue-worker.ts";
import type { RedisConnection } from "../queue/redis-connection.ts";
import { BotSessions } from "../session/bot-sessions.ts";
import { redisBotStorage } from "../session/redis-storage.ts";
import { BotInfoCache } from "../bots/bot-info-cache.ts";
import { setBotStorageProvider } from "../bots/bot-storage.ts";
import { botSetup } from "./bot-setup.ts";
import { createFleet } from "../fleet/create-fleet.ts";
import { loadServiceBots, serviceLoadOptions, type LoadServiceBotsOptions } from "./load-service-bots.ts";

export interface WorkerDeps {
  config: ServiceConfig;
  logger: Logger;
  scrubber: SecretScrubber;
  /** A worker connection (createWorkerConnection): commands wait while Redis is away. */
  connection: RedisConnection;
  /** Which queues this process consumes. */
  queues: readonly QueueFamily[];
  /** Where drf_save records go. @defaultValue the log, as JOURNAL_LOG says (by default: nowhere) */
  journalSink?: QueueJournalSink;
  onSettled?: SettledListener;
}

export async function buildWorker(deps: WorkerDeps): Promise<BotHost<QueueWorker>> {
  const { config, logger, scrubber, connection } = deps;
  // A worker serves no admin page, but its environment may hold the token all the same.
  if (config.ADMIN_TOKEN !== undefined) scrubber.add(config.ADMIN_TOKEN);
  const parts: { registry?: BotRegistry; processor?: QueueWorker } = {};
  // The worker's metrics are served on WORKER_HTTP_PORT; without a port nobody could read them.
  const metrics =
    config.METRICS && config.WORKER_HTTP_PORT !== undefined
      ? new ServiceMetrics(config, { inFlight: () => parts.processor?.inFlight ?? 0, botStates: () => parts.registry?.states() ?? {} })
      : undefined;
  // Before any bot code is imported: a handler may ask for its bot's storage at import time.
  const botStorage = redisBotStorage(connection, config.QUEUE_PREFIX, logger);
  setBotStorageProvider(botStorage);
  const botInfoCache = config.GETME_CACHE ? new BotInfoCache(botStorage, logger) : undefined;
  const loading: LoadServiceBotsOptions = {
    settings: config,
    logger,
    scrubber,
    prepare: botSetup({
      settings: config,
      logger,
      floodLimiter: createFloodLimiter(config, connection),
      sessions: new BotSessions({ settings: config, logger, redis: connection }),
      metrics,
    }),
  };
  const { registry, startPrints } = await loadServiceBots(loading);
  parts.registry = registry;
  // A job of a bot this worker has not loaded (added elsewhere first, or removed) waits a while, then fails.
  const runner = new UpdateRunner({
    findBot: (name) => registry.runnable(name),
    missingBotWaitMs: config.BOTS_MISSING_WAIT_SECONDS * 1000,
    logger,
    settings: config,
    scrub: (text) => scrubber.scrub(text),
    observer: metrics,
  });
  const processor: QueueWorker = new QueueWorker({ settings: config, logger, connection, queues: deps.queues, runner, journalSink: deps.journalSink, onSettled: deps.onSettled, scrub: (text) => scrubber.scrub(text), observer: metrics });
  parts.processor = processor;
  // Live reload: BOTS_DIR watched, SIGHUP, and `bots reload` through Redis.
  const fleet = createFleet({ settings: config, registry, logger, startPrints, botInfoCache, load: serviceLoadOptions(loading), redis: { connection, role: "worker" } });
  const components = [fleet.component];
  if (config.WORKER_HTTP_PORT === undefined) return new BotHost({ settings: config, logger, registry, processor, components, botInfoCache });
  // An optional port so a worker can be probed like the API: /healthz, /readyz (Redis, bots, partitions).
  const built: { host?: BotHost<QueueWorker> } = {};
  const stopping = (): boolean => built.host?.stopping === true;
  const app = buildApp({ logger, settings: config, isClosing: stopping });
  await app.register(healthRoutes, { registry, botsDir: path.resolve(config.BOTS_DIR), isClosing: stopping, readiness: () => processor.readiness(), scrub: (text) => scrubber.scrub(text) });
  if (metrics !== undefined) await app.register(metricsRoute, { metrics });
  built.host = new BotHost({ settings: config, logger, registry, processor, components, botInfoCache, http: { app, host: config.WORKER_HTTP_IP, port: config.WORKER_HTTP_PORT, hostSetting: "WORKER_HTTP_IP", portSetting: "WORKER_HTTP_PORT" } });
  return built.host;
}
