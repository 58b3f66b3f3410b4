/**
 * Assembles the service from its parts (discovery, loading, processing, HTTP) with explicit
 * dependencies, without listening or starting bots: `start()` and `stop()` do that. Tests build
 * it in-process; `main.ts` starts it for real.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { loadBots, startBots, type BotRegistry } from "../bots/bot-registry.ts";
import { discoverBots } from "../bots/discover-bots.ts";
import type { ServiceConfig } from "../config/service-config.ts";
import { buildApp } from "../http/build-app.ts";
import type { SecretScrubber } from "../logging/secret-scrubber.ts";
import { DedupWindow } from "../processing/dedup-window.ts";
import { EmbeddedIntake } from "../processing/embedded-intake.ts";
import { KeyedScheduler } from "../processing/keyed-scheduler.ts";
import { toRecord, type ProcessedUpdateRecord, type UpdateJob } from "../processing/update-job.ts";
import { createUpdateRunner } from "../processing/update-runner.ts";
import { apiRetryTransformer } from "../telegram/api-retry.ts";
import { sleep } from "../telegram/backoff.ts";
import type { PluginContext, ServicePlugin } from "./service-plugin.ts";
import type { UpdateIntake } from "../http/update-intake.ts";

export interface ServiceDeps {
  config: ServiceConfig;
  logger: Logger;
  scrubber: SecretScrubber;
  /** Receives one record per processed update (tests listen here; plugins have their own hook). */
  onSettled?: (record: ProcessedUpdateRecord) => void;
  /** Features around the core, in order (see service-plugin.ts). */
  plugins?: readonly ServicePlugin[];
  /** Queue mode: takes accepted updates instead of the in-process scheduler (which then stays empty). */
  intake?: ServiceIntake;
  /** Extra facts on /readyz (queue mode reports Redis). */
  readinessExtra?: () => Record<string, unknown>;
}

/** An intake the service can close at shutdown. */
export interface ServiceIntake extends UpdateIntake {
  close(): void;
}

export interface StopReport {
  /** Updates accepted but not finished by the deadline. */
  unfinished: Array<{ bot: string; update_id: number }>;
}

export interface Service {
  app: FastifyInstance;
  registry: BotRegistry;
  scheduler: KeyedScheduler<UpdateJob>;
  intake: ServiceIntake;
  /** Listens on the configured address and starts the bots (getMe) in the background. */
  start(): Promise<{ address: string }>;
  /** Refuses new updates (503), finishes accepted ones up to `deadlineMs`, closes the server. */
  stop(deadlineMs?: number): Promise<StopReport>;
}

export async function buildService(deps: ServiceDeps): Promise<Service> {
  const { config, logger } = deps;
  const plugins = deps.plugins ?? [];
  const listeners = [...(deps.onSettled === undefined ? [] : [deps.onSettled]), ...plugins.flatMap((p) => (p.onSettled === undefined ? [] : [p.onSettled.bind(p)]))];
  // Undefined when nobody listens, so the runner does not build a record per update for nothing.
  const onSettled =
    listeners.length === 0
      ? undefined
      : (record: ProcessedUpdateRecord): void => {
          for (const listener of listeners) listener(record);
        };
  const registry = await loadServiceBots(deps);

  const dedup = config.DEDUP_WINDOW_SECONDS > 0 ? new DedupWindow(config.DEDUP_WINDOW_SECONDS * 1000, config.DEDUP_MAX_ENTRIES) : undefined;
  const runUpdate = createUpdateRunner({
    registry,
    logger,
    dedup,
    maxAttempts: config.HANDLER_MAX_ATTEMPTS,
    retryBaseMs: config.HANDLER_RETRY_BASE_MS,
    timeoutMs: config.HANDLER_TIMEOUT_MS,
    onSettled,
  });
  const scheduler = new KeyedScheduler<UpdateJob>({
    concurrency: config.PROCESSING_CONCURRENCY,
    laneConcurrency: config.BOT_CONCURRENCY,
    maxBacklog: config.MAX_BACKLOG,
    maxLaneBacklog: config.MAX_BOT_BACKLOG,
    work: runUpdate,
    onWorkError: (job, error) => logger.error({ bot: job.botName, update_id: job.updateId, err: error }, "update runner crashed"),
  });
  const intake = deps.intake ?? new EmbeddedIntake({ scheduler, dedup, retryAfterSeconds: config.RETRY_AFTER_SECONDS });
  const app = buildApp({
    logger,
    registry,
    intake,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    retryAfterSeconds: config.RETRY_AFTER_SECONDS,
    readinessExtra: deps.readinessExtra,
    scrub: (text) => deps.scrubber.scrub(text),
  });
  const pluginContext: PluginContext = { config, logger, registry, intake };
  for (const plugin of plugins) plugin.registerRoutes?.(app, pluginContext);

  const startAbort = new AbortController();
  let botsStarted: Promise<void> = Promise.resolve();

  return {
    app,
    registry,
    scheduler,
    intake,
    async start() {
      const address = await app.listen({ host: config.INTERNAL_BOT_API_IP, port: config.INTERNAL_BOT_API_PORT });
      botsStarted = startBots(registry, { logger, concurrency: config.GETME_CONCURRENCY, signal: startAbort.signal });
      for (const plugin of plugins) await plugin.start?.(pluginContext);
      return { address };
    },
    async stop(deadlineMs = config.SHUTDOWN_DEADLINE_MS) {
      intake.close();
      for (const plugin of plugins) {
        await plugin.beginShutdown?.(pluginContext).catch((error: unknown) => logger.error({ err: error, plugin: plugin.name }, "plugin failed to begin shutdown"));
      }
      const pendingAtStart = scheduler.size;
      logger.info({ pending: pendingAtStart, deadlineMs }, "shutting down: intake closed, finishing accepted updates");
      const deadline = new AbortController();
      await Promise.race([scheduler.onIdle(), sleep(deadlineMs, deadline.signal).catch(() => undefined)]);
      deadline.abort();
      const unfinished = scheduler.pendingItems();
      for (const job of unfinished) {
        logger.error({ bot: job.botName, update_id: job.updateId, attempts: job.attempts }, "update not finished at shutdown");
        onSettled?.(toRecord(job, "cancelled", "not finished before the shutdown deadline"));
      }
      scheduler.dispose();
      for (const plugin of [...plugins].reverse()) {
        await plugin.stop?.(pluginContext).catch((error: unknown) => logger.error({ err: error, plugin: plugin.name }, "plugin failed to stop"));
      }
      startAbort.abort();
      await botsStarted;
      await app.close();
      logger.info({ finished: pendingAtStart - unfinished.length, unfinished: unfinished.length }, "shutdown complete");
      return { unfinished: unfinished.map((job) => ({ bot: job.botName, update_id: job.updateId })) };
    },
  };
}

/**
 * Discovers and loads the bots the way every process of the service does (API process, queue
 * worker): Bot API retries installed, then each plugin's prepareBot. Does not call getMe.
 */
export async function loadServiceBots(deps: Pick<ServiceDeps, "config" | "logger" | "scrubber" | "plugins">): Promise<BotRegistry> {
  const { config, logger } = deps;
  const plugins = deps.plugins ?? [];
  const folders = await discoverBots(config.BOTS_DIR);
  return loadBots(folders, {
    apiRoot: config.TELEGRAM_API_ROOT,
    apiTimeoutSeconds: config.API_TIMEOUT_SECONDS,
    logger,
    onSecret: (secret) => deps.scrubber.add(secret),
    prepare: (bot, identity) => {
      bot.api.config.use(
        apiRetryTransformer({
          maxRetries: config.API_MAX_RETRIES,
          baseDelayMs: config.API_RETRY_BASE_MS,
          maxWaitSeconds: config.API_MAX_RETRY_WAIT_SECONDS,
          logger: logger.child({ bot: identity.name }),
        }),
      );
      for (const plugin of plugins) plugin.prepareBot?.(bot, identity);
    },
  });
}
