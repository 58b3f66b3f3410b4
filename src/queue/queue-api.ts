/**
 * The API process in queue mode: the producer connection, the queues, the intake that puts each
 * accepted update into Redis, what /readyz reports about Redis, and a plugin that closes it all
 * at shutdown. The API process loads bots (names and keys authenticate requests) but never runs
 * a handler.
 */
import type { Logger } from "pino";
import type { SecretScrubber } from "../logging/secret-scrubber.ts";
import type { ServicePlugin } from "../service/service-plugin.ts";
import { QueueIntake } from "./queue-intake.ts";
import { redisUrlOf, type QueueConfig } from "./queue-mode.ts";
import { createProducerConnection, redisPasswordOf } from "./redis-connection.ts";
import { openQueues } from "./update-queues.ts";

export interface QueueApi {
  intake: QueueIntake;
  readinessExtra: () => Record<string, unknown>;
  plugin: ServicePlugin;
}

export function createQueueApi(deps: { config: QueueConfig; logger: Logger; scrubber: SecretScrubber }): QueueApi {
  const { config, logger } = deps;
  const url = redisUrlOf(config);
  const password = redisPasswordOf(url);
  if (password !== "") deps.scrubber.add(password);
  const connection = createProducerConnection({ url, cluster: config.REDIS_CLUSTER, logger, role: "producer", commandTimeoutMs: config.QUEUE_ADD_TIMEOUT_MS });
  const queues = openQueues(connection, config, logger);
  const intake = new QueueIntake({ config, connection, queues });
  return {
    intake,
    readinessExtra: () => ({ queue: { mode: "queue", prefix: config.QUEUE_PREFIX, redis: intake.redisReachable ? "reachable" : "unreachable" } }),
    plugin: {
      name: "queue",
      async stop() {
        await queues.close();
        connection.disconnect();
      },
    },
  };
}
