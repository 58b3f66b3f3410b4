import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rateOf, type FloodLimits } from "./flood-limiter.ts";
import { RedisFloodLimiter } from "./redis-flood-limiter.ts";

/** Redis on 127.0.0.1:6379: skipped without it, except under CI=true, where its absence fails. */
async function redisAvailable(): Promise<boolean> {
  const probe = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const available = await redisAvailable();
if (!available && process.env.CI !== "true") console.warn("redis-flood-limiter tests skipped: no Redis on 127.0.0.1:6379");

describe.skipIf(!available && process.env.CI !== "true")("Redis flood limiter shared by two processes' limiters", () => {
  const prefix = `test:flood:${randomUUID()}:`;
  let a: Redis;
  let b: Redis;
  beforeAll(() => {
    a = new Redis({ host: "127.0.0.1", port: 6379 });
    b = new Redis({ host: "127.0.0.1", port: 6379 });
  });
  afterAll(async () => {
    const keys = await a.keys(`${prefix}*`);
    if (keys.length > 0) await a.del(...keys);
    a.disconnect();
    b.disconnect();
  });

  const limits: FloodLimits = { global: undefined, chat: rateOf(20, 1000, 1), group: undefined };
  const target = (chatId: string) => ({ bot: "SharedBot", chatId, group: false });

  it("hands out one schedule of slots to both limiters: 50 ms apart, none twice", async () => {
    const first = new RedisFloodLimiter({ redis: a, limits, prefix });
    const second = new RedisFloodLimiter({ redis: b, limits, prefix });
    const started = performance.now();
    const waits = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first : second).reserve(target("7"), "chat")));
    const elapsed = performance.now() - started;
    const sorted = [...waits].sort((x, y) => x - y);
    sorted.forEach((wait, i) => {
      // Slot i is i*50 ms after the first; each call saw a clock at most `elapsed` later than the first.
      expect(wait).toBeGreaterThanOrEqual(i * 50 - elapsed - 1);
      expect(wait).toBeLessThanOrEqual(i * 50 + 1);
    });
    // Every call got a different slot.
    for (let i = 1; i < sorted.length; i++) expect((sorted[i] ?? 0) - (sorted[i - 1] ?? 0)).toBeGreaterThan(50 - elapsed - 1);
  });

  it("shares a 429 penalty, and the keys expire once they hold nothing back", async () => {
    const first = new RedisFloodLimiter({ redis: a, limits, prefix });
    const second = new RedisFloodLimiter({ redis: b, limits, prefix });
    await first.penalize(target("9"), 400);
    const wait = await second.reserve(target("9"), "chat");
    expect(wait).toBeGreaterThan(350);
    expect(wait).toBeLessThanOrEqual(401);
    const ttl = await a.pttl(`${prefix}{SharedBot}:c:9`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThan(3000);
  });

  it("keeps bots apart", async () => {
    const limiter = new RedisFloodLimiter({ redis: a, limits, prefix });
    expect(await limiter.reserve({ bot: "One", chatId: "1", group: false }, "chat")).toBe(0);
    expect(await limiter.reserve({ bot: "Two", chatId: "1", group: false }, "chat")).toBe(0);
  });

  it("reserveSend takes the bot-wide slot in the same call only when the chat's slot is free now", async () => {
    const limiter = new RedisFloodLimiter({ redis: a, limits: { global: rateOf(10, 1000, 1), chat: rateOf(1, 1000, 1), group: undefined }, prefix });
    const to = (chatId: string) => ({ bot: "SendBot", chatId, group: false });
    const started = performance.now();
    const one = await limiter.reserveSend(to("1"));
    const two = await limiter.reserveSend(to("2"));
    const oneAgain = await limiter.reserveSend(to("1"));
    const three = await limiter.reserveSend(to("3"));
    const elapsed = performance.now() - started;
    expect(one).toEqual({ waitMs: 0, botReserved: true });
    expect(two.botReserved).toBe(true);
    expect(two.waitMs).toBeGreaterThan(100 - elapsed - 1);
    expect(two.waitMs).toBeLessThanOrEqual(100);
    // Chat 1's own slot is a second away: no bot-wide slot booked for it, so chat 3 gets the next one.
    expect(oneAgain.botReserved).toBe(false);
    expect(oneAgain.waitMs).toBeGreaterThan(1000 - elapsed - 1);
    expect(three.botReserved).toBe(true);
    expect(three.waitMs).toBeGreaterThan(200 - elapsed - 1);
    expect(three.waitMs).toBeLessThanOrEqual(200);
  });
});
