/**
 * `npm run worker [-- --queues telegram_updates,drf_save]`: a queue-mode worker process. Reads
 * the same config as the API, loads the same bots, consumes the chosen queues (default both),
 * and on SIGTERM/SIGINT (to the process or its whole group) drains like the core and exits 0.
 */
import { parseArgs } from "node:util";
import { registerBotModuleResolver } from "./bots/register-bot-module-resolver.ts";
import { ConfigError } from "./errors/config-error.ts";
import { createJournalSink } from "./journal/create-journal-sink.ts";
import { logRotationOf } from "./logging/log-file.ts";
import { openServiceLogger } from "./logging/logger.ts";
import { SecretScrubber } from "./logging/secret-scrubber.ts";
import { exitOnSignals, failStart, installCrashHandlers, loadConfigOrExit, reopenLogOnHangup } from "./service/process-lifecycle.ts";
import { isQueueMode, QUEUE_MODE_REQUIRED, redisUrlOf } from "./queue/queue-mode.ts";
import { parseQueueList } from "./queue/queue-list.ts";
import { buildWorker } from "./service/build-worker.ts";
import { createWorkerConnection, redisPasswordOf } from "./queue/redis-connection.ts";
import { HeapGrowth } from "./host/heap-growth.ts";

async function main(): Promise<void> {
  let queuesArg: string | undefined;
  try {
    const { values } = parseArgs({ args: process.argv.slice(2), options: { queues: { type: "string", short: "Q" } } });
    queuesArg = values.queues;
  } catch (error) {
    failStart(`${error instanceof Error ? error.message : String(error)}\nUsage: npm run worker [-- --queues telegram_updates,drf_save]`);
  }
  const queues = parseQueueList(queuesArg);
  if (typeof queues === "string") failStart(queues);
  const config = loadConfigOrExit();
  new HeapGrowth(config).start();
  if (!isQueueMode(config)) failStart(`npm run worker ${QUEUE_MODE_REQUIRED}`);
  const scrubber = new SecretScrubber();
  const url = redisUrlOf(config);
  const password = redisPasswordOf(url);
  if (password !== "") scrubber.add(password);
  const log = await openServiceLogger(config, scrubber);
  const { logger } = log;
  registerBotModuleResolver(config.BOTS_DIR);

  installCrashHandlers(logger, log.flush);
  reopenLogOnHangup(logger, log.reopen);

  logger.info({ botsDir: config.BOTS_DIR, logFile: log.logFile, logRotation: logRotationOf(config) ?? "off", queues, prefix: config.QUEUE_PREFIX, partitions: config.QUEUE_PARTITIONS }, "worker starting");
  const connection = createWorkerConnection({ url, cluster: config.REDIS_CLUSTER, logger, role: "worker" });
  const worker = await buildWorker({
    config,
    logger,
    scrubber,
    connection,
    queues,
    journalSink: createJournalSink(config, logger.child({ component: "journal" }), { onSecret: (secret) => scrubber.add(secret) }),
  });

  exitOnSignals({
    logger,
    closeLog: log.close,
    stop: async () => {
      await worker.stop();
      connection.disconnect();
    },
  });

  const { address } = await worker.start();
  // A SIGTERM during the start: the log says it is shutting down, not that it started.
  if (!worker.stopping) logger.info({ queues, bots: worker.registry.counts(), ...(address === undefined ? {} : { address }) }, "worker started");
}

main().catch((error: unknown) => {
  // A configuration the operator can fix is said in one line; anything else is a bug, with its stack.
  process.stderr.write(`failed to start: ${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
