/**
 * `npm start`: reads and validates the config, builds the service (embedded default, or queue
 * mode's API side when REDIS_URL is set), listens, and shuts down cleanly on SIGTERM/SIGINT (sent
 * to this process or to its whole group): intake answers 503, accepted updates finish up to the
 * deadline, then the process exits 0.
 */
import { registerBotModuleResolver } from "./bots/register-bot-module-resolver.ts";
import { ConfigError } from "./errors/config-error.ts";
import { openServiceLogger } from "./logging/logger.ts";
import { logRotationOf } from "./logging/log-file.ts";
import { SecretScrubber } from "./logging/secret-scrubber.ts";
import { buildService } from "./service/build-service.ts";
import { exitOnSignals, installCrashHandlers, loadConfigOrExit, reopenLogOnHangup } from "./service/process-lifecycle.ts";
import { HeapGrowth } from "./host/heap-growth.ts";

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  new HeapGrowth(config).start();
  const scrubber = new SecretScrubber();
  const log = await openServiceLogger(config, scrubber);
  const { logger } = log;

  registerBotModuleResolver(config.BOTS_DIR);

  installCrashHandlers(logger, log.flush);
  reopenLogOnHangup(logger, log.reopen);

  logger.info({ botsDir: config.BOTS_DIR, logFile: log.logFile, logRotation: logRotationOf(config) ?? "off", apiRoot: config.TELEGRAM_API_ROOT }, "service starting");
  try {
    const service = await buildService({ config, logger, scrubber });
    // Before the start: intake opens early in it (bots may still be starting, BOTS_DIR being
    // watched), and a SIGTERM from then on drains what was accepted instead of killing the process.
    exitOnSignals({ logger, closeLog: log.close, stop: async () => void (await service.stop()) });
    const { address } = await service.start();
    // A SIGTERM during the start: the log says it is shutting down, not that it started.
    if (!service.host.stopping) logger.info({ address, bots: service.registry.counts(), mode: service.mode }, "service started");
  } catch (error) {
    // The process exits at once (below): what the log holds so far must reach the file first.
    await log.close();
    throw error;
  }
}

main().catch((error: unknown) => {
  // A configuration the operator can fix is said in one line; anything else is a bug, with its stack.
  process.stderr.write(`failed to start: ${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
