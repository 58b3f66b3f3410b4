/**
 * `npm start`: reads and validates the config, builds the service (embedded default, or queue
 * mode's API side when REDIS_URL is set), listens, and shuts down cleanly on SIGTERM/SIGINT (sent
 * to this process or to its whole group): intake answers 503, accepted updates finish up to the
 * deadline, then the process exits 0.
 */
import { registerBotModuleResolver } from "./bots/register-bot-module-resolver.ts";
import { ConfigError } from "./errors/config-error.ts";
import { createLogger } from "./logging/logger.ts";
import { SecretScrubber } from "./logging/secret-scrubber.ts";
import { buildService } from "./service/build-service.ts";
import { exitOnSignals, installCrashHandlers, loadConfigOrExit } from "./service/process-lifecycle.ts";

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const scrubber = new SecretScrubber();
  const { logger, flush, logFile } = createLogger({ level: config.LOG_LEVEL, logDir: config.LOG_DIR, scrubber, format: config.LOG_FORMAT });

  registerBotModuleResolver(config.BOTS_DIR);

  installCrashHandlers(logger, flush);

  logger.info({ botsDir: config.BOTS_DIR, logFile, apiRoot: config.TELEGRAM_API_ROOT }, "service starting");
  const service = await buildService({ config, logger, scrubber });
  const { address } = await service.start();
  logger.info({ address, bots: service.registry.counts(), mode: service.mode }, "service started");

  exitOnSignals({ logger, flush, stop: async () => void (await service.stop()) });
}

main().catch((error: unknown) => {
  // A configuration the operator can fix is said in one line; anything else is a bug, with its stack.
  process.stderr.write(`failed to start: ${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
