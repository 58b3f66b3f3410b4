/**
 * `npm start`: reads and validates the config, builds the service, listens, and shuts down
 * cleanly on SIGTERM/SIGINT (sent to this process or to its whole group): intake answers 503,
 * accepted updates finish up to the deadline, then the process exits 0.
 */
import { parseServiceConfig, type ServiceConfig } from "./config/service-config.ts";
import { readServiceEnv } from "./config/load-env.ts";
import { ConfigError } from "./errors/service-error.ts";
import { createLogger } from "./logging/logger.ts";
import { SecretScrubber } from "./logging/secret-scrubber.ts";
import { buildService } from "./service/build-service.ts";
import type { ServicePlugin } from "./service/service-plugin.ts";
import { registerBotModuleResolver } from "./bots/register-bot-module-resolver.ts";
import { journalPlugin } from "./journal/journal-plugin.ts";
import { sessionPlugin } from "./session/session-plugin.ts";
import { createQueueApi } from "./queue/queue-api.ts";
import { isQueueMode } from "./queue/queue-mode.ts";
import { createWebhookPlugin } from "./gateway/webhook-plugin.ts";
import { createPollingPlugin } from "./polling/polling-plugin.ts";
import { createFloodControlPlugin } from "./flood-control/flood-control-plugin.ts";

function loadConfigOrExit(): ServiceConfig {
  try {
    return parseServiceConfig(readServiceEnv());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const scrubber = new SecretScrubber();
  const { logger, flush, logFile } = createLogger({ level: config.LOG_LEVEL, logDir: config.LOG_DIR, scrubber });

  registerBotModuleResolver(config.BOTS_DIR);

  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error }, "uncaught exception, exiting");
    flush();
    process.exit(1);
  });
  process.on("unhandledRejection", (reason) => {
    // A bot's stray promise must not take every other bot down with it.
    logger.error({ err: reason }, "unhandled promise rejection");
  });

  logger.info({ botsDir: config.BOTS_DIR, logFile, apiRoot: config.TELEGRAM_API_ROOT }, "service starting");
  const onSecret = (secret: string): void => scrubber.add(secret);
  // Queue mode: updates go to Redis and workers (npm run worker) handle them, so this process
  // needs no sessions, journal or flood control of its own.
  const queue = isQueueMode(config) ? createQueueApi({ config, logger, scrubber }) : undefined;
  // Telegram-facing side: webhook routes (BOT_MODE=webhook), long polling (BOT_MODE=polling).
  const plugins: ServicePlugin[] = [createWebhookPlugin({ config, onSecret }), createPollingPlugin({ config })];
  if (queue === undefined) {
    plugins.push(sessionPlugin({ config, logger }), journalPlugin({ config, logger, onSecret }), createFloodControlPlugin({ config, logger }));
  } else {
    plugins.push(queue.plugin);
  }
  const service = await buildService({
    config,
    logger,
    scrubber,
    plugins,
    intake: queue?.intake,
    readinessExtra: queue?.readinessExtra,
  });
  const { address } = await service.start();
  logger.info({ address, bots: service.registry.counts(), mode: queue === undefined ? "embedded" : "queue" }, "service started");

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      // The same signal often arrives twice (to the group and forwarded by npm): keep draining.
      logger.info({ signal }, "shutdown already in progress");
      return;
    }
    stopping = true;
    logger.info({ signal }, "signal received, shutting down");
    service.stop().then(
      () => {
        flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        flush();
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
