/**
 * `npm run worker [-- --queues telegram_updates,drf_save]`: a queue-mode worker process. Reads
 * the same config as the API, loads the same bots, consumes the chosen queues (default both),
 * and on SIGTERM/SIGINT (to the process or its whole group) drains like the core and exits 0.
 */
import { parseArgs } from "node:util";
import { registerBotModuleResolver } from "../bots/register-bot-module-resolver.ts";
import { readServiceEnv } from "../config/load-env.ts";
import { parseServiceConfig, type ServiceConfig } from "../config/service-config.ts";
import { ConfigError } from "../errors/service-error.ts";
import { createJournalSink } from "../journal/journal-sink.ts";
import { createLogger } from "../logging/logger.ts";
import { SecretScrubber } from "../logging/secret-scrubber.ts";
import { sessionPlugin } from "../session/session-plugin.ts";
import { createFloodControlPlugin } from "../flood-control/flood-control-plugin.ts";
import { redisUrlOf } from "./queue-mode.ts";
import { parseQueueList } from "./queue-list.ts";
import { buildQueueWorker } from "./queue-worker.ts";
import { createWorkerConnection, redisPasswordOf } from "./redis-connection.ts";

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function loadConfigOrExit(): ServiceConfig {
  try {
    return parseServiceConfig(readServiceEnv());
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

async function main(): Promise<void> {
  let queuesArg: string | undefined;
  try {
    const { values } = parseArgs({ args: process.argv.slice(2), options: { queues: { type: "string", short: "Q" } } });
    queuesArg = values.queues;
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\nUsage: npm run worker [-- --queues telegram_updates,drf_save]`);
  }
  const queues = parseQueueList(queuesArg);
  if (typeof queues === "string") fail(queues);
  const config = loadConfigOrExit();
  const scrubber = new SecretScrubber();
  const url = redisUrlOf(config);
  const password = redisPasswordOf(url);
  if (password !== "") scrubber.add(password);
  const { logger, flush, logFile } = createLogger({ level: config.LOG_LEVEL, logDir: config.LOG_DIR, scrubber });
  registerBotModuleResolver(config.BOTS_DIR);

  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error }, "uncaught exception, exiting");
    flush();
    process.exit(1);
  });
  process.on("unhandledRejection", (reason) => {
    logger.error({ err: reason }, "unhandled promise rejection");
  });

  logger.info({ botsDir: config.BOTS_DIR, logFile, queues, prefix: config.QUEUE_PREFIX, partitions: config.QUEUE_PARTITIONS }, "worker starting");
  const connection = createWorkerConnection({ url, cluster: config.REDIS_CLUSTER, logger, role: "worker" });
  const worker = await buildQueueWorker({
    config,
    logger,
    scrubber,
    connection,
    queues,
    journalSink: createJournalSink(config, logger.child({ component: "journal" }), { onSecret: (secret) => scrubber.add(secret) }),
    // Flood limits are shared by every worker through Redis: each bot's 30/s is for all of them.
    plugins: [sessionPlugin({ config, logger, redis: connection }), createFloodControlPlugin({ config, logger, redis: connection })],
  });

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.info({ signal }, "shutdown already in progress");
      return;
    }
    stopping = true;
    logger.info({ signal }, "signal received, shutting down");
    worker.stop().then(
      () => {
        connection.disconnect();
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

  await worker.start();
  logger.info({ queues, bots: worker.registry.counts() }, "worker started");
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
