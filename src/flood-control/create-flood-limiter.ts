/**
 * The flood limiter of a process: one for all its bots (keys are per bot), in memory, or in Redis
 * when the caller hands over an ioredis client (queue mode), so every worker draws from the same
 * slots. Undefined when flood control is off or no limit is set.
 */
import type { Cluster, Redis } from "ioredis";
import type { FloodControlSettings } from "./flood-control-settings.ts";
import { rateOf, type FloodLimiter, type FloodLimits } from "./flood-limiter.ts";
import { MemoryFloodLimiter } from "./memory-flood-limiter.ts";
import { RedisFloodLimiter } from "./redis-flood-limiter.ts";

export function floodLimitsFrom(settings: FloodControlSettings): FloodLimits {
  return {
    // Smooth (burst 1) overall by default, so a broadcast never sends a second's worth at once.
    global: rateOf(settings.FLOOD_GLOBAL_PER_SECOND, 1000, settings.FLOOD_GLOBAL_BURST),
    chat: rateOf(settings.FLOOD_PER_CHAT_PER_SECOND, 1000, settings.FLOOD_PER_CHAT_BURST),
    group: rateOf(settings.FLOOD_PER_GROUP_PER_MINUTE, 60_000, settings.FLOOD_PER_CHAT_BURST),
  };
}

export function createFloodLimiter(settings: FloodControlSettings, redis?: Redis | Cluster): FloodLimiter | undefined {
  const limits = floodLimitsFrom(settings);
  if (!settings.FLOOD_CONTROL || (limits.global === undefined && limits.chat === undefined && limits.group === undefined)) return undefined;
  return redis === undefined ? new MemoryFloodLimiter(limits) : new RedisFloodLimiter({ redis, limits, prefix: settings.FLOOD_REDIS_PREFIX });
}
