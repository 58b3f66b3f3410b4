/**
 * `npm run gateway`: the Telegram-facing gateway as its own process. Receives webhooks on
 * GATEWAY_IP:GATEWAY_PORT and forwards them to GATEWAY_FORWARD_URL. SIGTERM/SIGINT: new calls get
 * 503 (Telegram redelivers them), forwards in flight finish, then the process exits 0.
 */
import { registerBotModuleResolver } from "./bots/register-bot-module-resolver.ts";
import { readServiceEnvWithSources } from "./settings/read-env.ts";
import { parseGatewayConfig } from "./config/service-config.ts";
import { ConfigError } from "./errors/config-error.ts";
import { openServiceLogger } from "./logging/logger.ts";
import { exitOnSignals, installCrashHandlers, reopenLogOnHangup } from "./service/process-lifecycle.ts";
import { SecretScrubber } from "./logging/secret-scrubber.ts";
import { buildGateway } from "./gateway/build-gateway.ts";
import { HeapGrowth } from "./host/heap-growth.ts";

async function main(): Promise<void> {
  const { env, sources } = readServiceEnvWithSources();
  const config = parseGatewayConfig(env, sources);
  new HeapGrowth(config).start();
  const scrubber = new SecretScrubber();
  const log = await openServiceLogger(config, scrubber);
  const { logger } = log;
  registerBotModuleResolver(config.BOTS_DIR);
  installCrashHandlers(logger, log.flush);
  reopenLogOnHangup(logger, log.reopen);

  const gateway = await buildGateway({ config, logger, scrubber });
  const { address } = await gateway.start();
  logger.info({ address, bots: gateway.bots.length }, "gateway started");

  exitOnSignals({
    logger,
    closeLog: log.close,
    stop: async () => {
      await gateway.stop();
      logger.info("gateway stopped");
    },
  });
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`gateway failed to start: ${message}\n`);
  process.exit(1);
});
