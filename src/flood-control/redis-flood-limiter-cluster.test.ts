/**
 * The Redis flood limiter on a real Redis Cluster of three masters: one reservation takes a
 * chat's and its bot's keys in one script, which a cluster runs only when they share a slot. The
 * bot's name, encoded, is their hash tag, so even names with braces keep them together.
 */
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keysByNode, redisClusterSkipReason, startRedisCluster, type LocalRedisCluster } from "../testing/redis-cluster.ts";
import { rateOf, type FloodLimits } from "./flood-limiter.ts";
import { RedisFloodLimiter } from "./redis-flood-limiter.ts";

const skipReason = await redisClusterSkipReason();

describe.skipIf(skipReason !== undefined)(`Redis flood limiter on a Redis Cluster${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  let cluster: LocalRedisCluster;
  let client: Cluster;
  const prefix = "test:flood:";

  beforeAll(async () => {
    cluster = await startRedisCluster();
    const port = cluster.nodes[0]?.port ?? 0;
    client = new Cluster([{ host: "127.0.0.1", port }]);
  });
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  const limits: FloodLimits = { global: rateOf(10, 1000, 1), chat: rateOf(1, 1000, 1), group: rateOf(20, 60_000, 1) };

  it("takes a chat's and its bot's slots in one call, whatever the bot's name, each bot's keys on one node", async () => {
    const limiter = new RedisFloodLimiter({ redis: client, limits, prefix });
    const names = ["SendBot", "}x", "a{b}c", "{}", "Über Bot"];
    for (const bot of names) {
      expect(await limiter.reserveSend({ bot, chatId: "1", group: false }), bot).toEqual({ waitMs: 0, botReserved: true });
      const second = await limiter.reserveSend({ bot, chatId: "-100", group: true });
      expect(second.botReserved, bot).toBe(true);
      expect(second.waitMs, bot).toBeGreaterThan(0);
      await limiter.penalize({ bot, chatId: "1", group: false }, 100);
    }
    const byNode = await keysByNode(cluster, `${prefix}*`);
    for (const bot of names) {
      const tag = `${prefix}{${encodeURIComponent(bot)}}:`;
      const holding = byNode.filter((keys) => keys.some((key) => key.startsWith(tag)));
      // The chat's key, the group's and the bot-wide one, all on one node.
      expect(holding, bot).toHaveLength(1);
      expect(holding[0]?.filter((key) => key.startsWith(tag)).length, bot).toBeGreaterThanOrEqual(3);
    }
  });
});
