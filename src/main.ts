/**
 * `npm start`: reads and validates the config, builds the service, listens, and shuts down
 * cleanly on SIGTERM/SIGINT (sent to this process or to its whole group): intake answers 503,
 * accepted updates finish up to the deadline, then the process exits 0.
 */
import { createLogger } from "./logging/logger.ts";
import { SecretScrubber } from "./logging/secret-scrubber.ts";
import { buildService } from "./service/build-service.ts";
import type { ServicePlugin } from "./service/service-plugin.ts";
import { exitOnSignals, installCrashHandlers, loadConfigOrExit } from "./service/process-lifecycle.ts";
import { registerBotModuleResolver } from "./bots/register-bot-module-resolver.ts";
import { journalPlugin } from "./journal/journal-plugin.ts";
import { sessionPlugin } from "./session/session-plugin.ts";
import { createQueueApi } from "./queue/queue-api.ts";
import { isQueueMode } from "./queue/queue-mode.ts";
import { createWebhookPlugin } from "./gateway/webhook-plugin.ts";
import { createPollingPlugin } from "./polling/polling-plugin.ts";
import { createFloodControlPlugin } from "./flood-control/flood-control-plugin.ts";


async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const scrubber = new SecretScrubber();
  const { logger, flush, logFile } = createLogger({ level: config.LOG_LEVEL, logDir: config.LOG_DIR, scrubber });

  registerBotModuleResolver(config.BOTS_DIR);

  installCrashHandlers(logger, flush);

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

  exitOnSignals({ logger, flush, stop: async () => void (await service.stop()) });
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
