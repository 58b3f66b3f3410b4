import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.ts";
import { SecretScrubber } from "../logging/secret-scrubber.ts";
import { LogCapture } from "../testing/log-capture.ts";
import { RedisSessionStorage } from "./redis-session-storage.ts";
import { sessionKeyPrefix } from "./session-key.ts";
import { redisSkipReason, SharedRedisScope } from "../testing/redis.ts";

const skipReason = await redisSkipReason();
const scope = new SharedRedisScope();
const { prefix, connection: redis } = skipReason === undefined ? scope.open("session-storage") : { prefix: "", connection: undefined };
afterAll(() => scope.release());

describe("sessionKeyPrefix", () => {
  it("puts the bot in a hash tag, encoded so no bot name can reach into another bot's keys", () => {
    expect(sessionKeyPrefix("cb", "EchoBot")).toBe("cb:session:{EchoBot}:");
    const tricky = ["A", "A}:x", "A:1", "{A}", "A%7D"].map((name) => sessionKeyPrefix("cb", name));
    expect(new Set(tricky).size).toBe(tricky.length);
    for (const a of tricky) for (const b of tricky) if (a !== b) expect(b.startsWith(a)).toBe(false);
  });
});

describe.skipIf(redis === undefined)(`RedisSessionStorage${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const client = redis!;

  it("writes JSON under the bot's prefix, reads it back, and deletes it", async () => {
    const storage = new RedisSessionStorage<Record<string, unknown>>({ redis: client, keyPrefix: sessionKeyPrefix(prefix, "Alpha") });
    expect(await storage.read("42")).toBeUndefined();
    await storage.write("42", { step: 2, items: ["a"] });
    expect(JSON.parse((await client.get(`${prefix}:session:{Alpha}:42`)) ?? "null")).toEqual({ step: 2, items: ["a"] });
    expect(await storage.read("42")).toEqual({ step: 2, items: ["a"] });
    expect(await storage.has("42")).toBe(true);
    await storage.delete("42");
    expect(await storage.has("42")).toBe(false);
    expect(await client.exists(`${prefix}:session:{Alpha}:42`)).toBe(0);
  });

  it("keeps one bot's sessions out of another's reach for the same chat", async () => {
    const alpha = new RedisSessionStorage<Record<string, unknown>>({ redis: client, keyPrefix: sessionKeyPrefix(prefix, "Alpha") });
    const beta = new RedisSessionStorage<Record<string, unknown>>({ redis: client, keyPrefix: sessionKeyPrefix(prefix, "Beta") });
    await alpha.write("7", { owner: "alpha" });
    expect(await beta.read("7")).toBeUndefined();
    await beta.write("7", { owner: "beta" });
    expect(await alpha.read("7")).toEqual({ owner: "alpha" });
    expect(await beta.read("7")).toEqual({ owner: "beta" });
  });

  it("sets the TTL on every write when one is configured", async () => {
    const storage = new RedisSessionStorage<Record<string, unknown>>({ redis: client, keyPrefix: sessionKeyPrefix(prefix, "Ttl"), ttlSeconds: 120 });
    await storage.write("1", { a: 1 });
    const ttl = await client.ttl(`${prefix}:session:{Ttl}:1`);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
    const forever = new RedisSessionStorage<Record<string, unknown>>({ redis: client, keyPrefix: sessionKeyPrefix(prefix, "Forever") });
    await forever.write("1", { a: 1 });
    expect(await client.ttl(`${prefix}:session:{Forever}:1`)).toBe(-1);
  });

  it("starts an empty session, with a warning, when the stored value is not JSON", async () => {
    const logs = new LogCapture();
    const { logger } = createLogger({ level: "info", scrubber: new SecretScrubber(), extraStream: logs, stdout: false });
    const storage = new RedisSessionStorage<Record<string, unknown>>({ redis: client, keyPrefix: sessionKeyPrefix(prefix, "Corrupt"), logger });
    await client.set(`${prefix}:session:{Corrupt}:5`, "{not json");
    expect(await storage.read("5")).toBeUndefined();
    expect(logs.find("session value is not JSON, starting an empty session", { key: `${prefix}:session:{Corrupt}:5` })).toHaveLength(1);
    // The broken value is gone, so an empty session that is never written does not leave it behind.
    expect(await client.exists(`${prefix}:session:{Corrupt}:5`)).toBe(0);
  });
});
