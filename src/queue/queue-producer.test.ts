/**
 * The API side of queue mode against a real Redis: an accepted update is a job in its chat's
 * partition; the same bot and update_id through another API process (another connection) is a
 * duplicate, another bot's is not; with Redis unreachable the HTTP answer is a quick 503
 * QUEUE_UNAVAILABLE with Retry-After.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseServiceConfig } from "../config/service-config.ts";
import { SecretScrubber } from "../logging/secret-scrubber.ts";
import { buildService } from "../service/build-service.ts";
import { createBotsDir, simpleBot, testKey } from "../testing/bot-fixtures.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { QueueProducer } from "./queue-producer.ts";
import { isQueueMode } from "./queue-mode.ts";
import { deletePrefix, freePort, redisSkipReason, SHARED_REDIS_URL, uniquePrefix } from "../testing/redis.ts";
import { partitionOf } from "./update-partition.ts";
import { workersKeyOf } from "./queue-names.ts";
import { WorkerMembership } from "./worker-membership.ts";

const skipReason = await redisSkipReason();
const logger = pino({ level: "silent" });

describe("queue mode switch and partitions", () => {
  it("turns on with REDIS_URL or QUEUE_MODE=queue, and off with QUEUE_MODE=embedded", () => {
    expect(isQueueMode(parseServiceConfig({}))).toBe(false);
    expect(isQueueMode(parseServiceConfig({ REDIS_URL: "redis://127.0.0.1:6379" }))).toBe(true);
    expect(isQueueMode(parseServiceConfig({ QUEUE_MODE: "queue" }))).toBe(true);
    expect(isQueueMode(parseServiceConfig({ REDIS_URL: "redis://127.0.0.1:6379", QUEUE_MODE: "embedded" }))).toBe(false);
    expect(() => parseServiceConfig({ REDIS_URL: "http://x" })).toThrow(/REDIS_URL/);
    expect(() => parseServiceConfig({ QUEUE_PREFIX: "a:b" })).toThrow(/QUEUE_PREFIX/);
  });

  it("puts every update of one chat of one bot in the same partition and spreads chats over all", () => {
    const seen = new Set<number>();
    for (let chat = 0; chat < 400; chat++) {
      const partition = partitionOf("Bot", String(chat), chat, 16);
      expect(partitionOf("Bot", String(chat), chat + 1000, 16)).toBe(partition);
      seen.add(partition);
    }
    expect(seen.size).toBe(16);
  });
});

describe.skipIf(skipReason !== undefined)(`queue producer on Redis${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const prefix = uniquePrefix("intake");
  const config = parseServiceConfig({ REDIS_URL: SHARED_REDIS_URL, QUEUE_PREFIX: prefix, QUEUE_PARTITIONS: 4 });
  const producers: QueueProducer[] = [];
  beforeAll(async () => {
    // Two API processes' worth of producers: separate connections to the same deployment.
    for (let i = 0; i < 2; i++) producers.push(new QueueProducer({ settings: config, logger, scrubber: new SecretScrubber() }));
    while (!producers.every((producer) => producer.redisReachable)) await new Promise((r) => setTimeout(r, 10));
  });
  afterAll(async () => {
    for (const producer of producers) await producer.close();
    await deletePrefix(SHARED_REDIS_URL, prefix);
  });

  it("claims each (bot, update_id) once across API processes, scoped by bot", async () => {
    const [a, b] = producers as [QueueProducer, QueueProducer];
    await expect(a.submit("Alpha", textUpdate(1, 10, "hi"))).resolves.toBe("accepted");
    await expect(b.submit("Alpha", textUpdate(1, 10, "hi"))).resolves.toBe("duplicate");
    await expect(a.submit("Alpha", textUpdate(1, 10, "hi"))).resolves.toBe("duplicate");
    await expect(b.submit("Beta", textUpdate(1, 10, "hi"))).resolves.toBe("accepted");
    // Concurrent deliveries of one new update: exactly one wins.
    const results = await Promise.all([a, b, a, b].map((producer) => producer.submit("Alpha", textUpdate(2, 11, "race"))));
    expect(results.filter((r) => r === "accepted")).toHaveLength(1);
    expect(results.filter((r) => r === "duplicate")).toHaveLength(3);
  });

  it("is ready while Redis answers, and counts the live workers, warning when there is none", async () => {
    const [producer] = producers as [QueueProducer];
    const alone = await producer.readiness();
    expect(alone).toMatchObject({ ready: true, facts: { queue: { redis: "reachable", workers: 0, warning: expect.stringContaining("no live worker") as string } } });
    const membership = new WorkerMembership({ redis: producer.connection, key: workersKeyOf(prefix), heartbeatMs: 1000, timeoutMs: 5000, logger, onMembers: () => undefined });
    await membership.join();
    try {
      const withWorker = await producer.readiness();
      expect(withWorker.facts.queue).toMatchObject({ workers: 1 });
      expect(withWorker.facts.queue).not.toHaveProperty("warning");
    } finally {
      await membership.leave();
    }
  });
});

describe("queue producer without Redis", () => {
  it("answers 503 QUEUE_UNAVAILABLE with Retry-After, never 200", async () => {
    const port = await freePort();
    const bots = createBotsDir({ a: simpleBot("Alpha") });
    const config = parseServiceConfig({ BOTS_DIR: bots.dir, REDIS_URL: `redis://127.0.0.1:${port}`, QUEUE_PREFIX: "unused", RETRY_AFTER_SECONDS: 3 });
    const service = await buildService({ config, logger, scrubber: new SecretScrubber() });
    try {
      const response = await service.app.inject({
        method: "POST",
        url: "/internal/update",
        headers: { "content-type": "application/json", "x-internal-key": testKey("Alpha") },
        payload: JSON.stringify({ bot_name: "Alpha", update: textUpdate(1, 1, "hi") }),
      });
      expect(response.statusCode).toBe(503);
      expect(response.headers["retry-after"]).toBe("3");
      expect(response.json()).toEqual({ error: { code: "QUEUE_UNAVAILABLE", message: expect.any(String) as string } });
      // Not ready: this process cannot take updates while Redis is away.
      const ready = await service.app.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ ready: false, shutting_down: false, queue: { mode: "queue", redis: "unreachable" } });
      expect(service.embedded).toBeUndefined();
    } finally {
      await service.stop(0);
      bots.cleanup();
    }
  });
});
