/**
 * A Redis that is slow for a moment while an API process starts must not leave that process
 * refusing every update until it is restarted. BullMQ sets each queue's connection up once (wait
 * for ready, then an INFO for its version check) and keeps the outcome; if that INFO outlived the
 * producer's command timeout, every later add failed with it. A real TCP proxy in front of the
 * real Redis holds Redis's answers back for a second from the first command after ioredis's own
 * ready check (which, before the fix, was BullMQ's INFO).
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseServiceConfig } from "../config/service-config.ts";
import { SecretScrubber } from "../logging/secret-scrubber.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { deletePrefix, redisSkipReason, SHARED_REDIS_URL, uniquePrefix } from "../testing/redis.ts";
import { until } from "../testing/until.ts";
import { QueueProducer } from "./queue-producer.ts";
import { stallingProxy } from "../testing/stalling-proxy.ts";

const skipReason = await redisSkipReason();

describe.skipIf(skipReason !== undefined)(`queue producer when Redis is slow at start${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const prefix = uniquePrefix("slowstart");
  const proxy = stallingProxy(new URL(SHARED_REDIS_URL), 1_000);
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    const address = proxy.server.address();
    port = typeof address === "object" && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => proxy.server.close(() => resolve()));
    await deletePrefix(SHARED_REDIS_URL, prefix);
  });

  it("takes updates once Redis answers again, though its first answers came after the add timeout", async () => {
    const settings = parseServiceConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, QUEUE_PREFIX: prefix, QUEUE_PARTITIONS: 2, QUEUE_ADD_TIMEOUT_MS: 300 });
    const producer = new QueueProducer({ settings, logger: pino({ level: "silent" }), scrubber: new SecretScrubber() });
    try {
      await until(() => producer.redisReachable);
      // Refusals while Redis is slow are right (the sender keeps the update); once it answers
      // again in time, an update must be taken.
      let updateId = 0;
      await until(
        async () => {
          updateId += 1;
          return (await producer.submit("Alpha", textUpdate(updateId, 1, "hi"))) === "accepted";
        },
        60_000,
        50,
      );
      expect(proxy.stalledConnections()).toBeGreaterThan(0);
    } finally {
      await producer.close();
    }
  });
});
