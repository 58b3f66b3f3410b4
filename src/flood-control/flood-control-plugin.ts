/**
 * Wires flood control into the service: one limiter for all bots (keys are per bot), in memory,
 * or in Redis when the caller hands over an ioredis client (queue mode), so every worker draws
 * from the same slots. Installed on each bot in `prepareBot` (see the transformer for the order).
 */
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";
import type { ServiceConfig } from "../config/service-config.ts";
import type { ServicePlugin } from "../service/service-plugin.ts";
import { floodControlTransformer } from "./flood-control-transformer.ts";
import { rateOf, type FloodLimiter, type FloodLimits } from "./flood-limiter.ts";
import { MemoryFloodLimiter } from "./memory-flood-limiter.ts";
import { RedisFloodLimiter } from "./redis-flood-limiter.ts";

export interface FloodControlPluginOptions {
  config: ServiceConfig;
  logger: Logger;
  /** Queue mode's ioredis client: limits are then shared by every process using that Redis. */
  redis?: Redis | Cluster;
}

export function floodLimitsFrom(config: ServiceConfig): FloodLimits {
  return {
    // Smooth (burst 1) overall by default, so a broadcast never sends a second's worth at once.
    global: rateOf(config.FLOOD_GLOBAL_PER_SECOND, 1000, config.FLOOD_GLOBAL_BURST),
    chat: rateOf(config.FLOOD_PER_CHAT_PER_SECOND, 1000, config.FLOOD_PER_CHAT_BURST),
    group: rateOf(config.FLOOD_PER_GROUP_PER_MINUTE, 60_000, config.FLOOD_PER_CHAT_BURST),
  };
}

export function createFloodControlPlugin(options: FloodControlPluginOptions): ServicePlugin {
  const { config, logger } = options;
  const limits = floodLimitsFrom(config);
  const limiter: FloodLimiter =
    options.redis === undefined ? new MemoryFloodLimiter(limits) : new RedisFloodLimiter({ redis: options.redis, limits, prefix: config.FLOOD_REDIS_PREFIX });
  const enabled = config.FLOOD_CONTROL && (limits.global !== undefined || limits.chat !== undefined || limits.group !== undefined);
  return {
    name: "flood-control",
    prepareBot(bot, identity) {
      if (!enabled) return;
      bot.api.config.use(floodControlTransformer({ limiter, botName: identity.name, logger: logger.child({ bot: identity.name }) }));
    },
  };
}
