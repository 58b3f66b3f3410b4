/**
 * The reload channel over a real Redis: a listener whose start() has resolved hears the next
 * request (a request published before its subscription would reach nobody, and `bots reload`,
 * which counts subscribers, would not know a process missed it), and answers it on the answer
 * channel with what its rescan did.
 */
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { answerChannelOf, reloadChannelOf, ReloadListener } from "./reload-channel.ts";
import { redisSkipReason, SHARED_REDIS_URL, uniquePrefix } from "../testing/redis.ts";

const skipReason = await redisSkipReason();

describe.skipIf(skipReason !== undefined)(`reload channel${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const connections: Redis[] = [];
  const connect = (): Redis => {
    const redis = new Redis(SHARED_REDIS_URL);
    redis.on("error", () => undefined);
    connections.push(redis);
    return redis;
  };
  afterAll(() => {
    for (const c of connections) c.disconnect();
  });

  it("is subscribed once start() resolves, and answers each request", async () => {
    const prefix = uniquePrefix("reload");
    const listeners: ReloadListener[] = [];
    const publisher = connect();
    await publisher.ping();
    for (let i = 0; i < 3; i++) {
      const listener = new ReloadListener({
        connection: connect(),
        subscriber: connect,
        prefix,
        role: "worker",
        logger: pino({ level: "silent" }),
        rescan: async (request) => ({ reloaded: request.bot === undefined ? [] : [request.bot], removed: [], unchanged: 2, failed: [] }),
      });
      await listener.start();
      listeners.push(listener);
      // Published at once after start(): every listener started so far counts as a receiver.
      expect(await publisher.publish(reloadChannelOf(prefix), JSON.stringify({ id: `probe-${i}` }))).toBe(i + 1);
    }
    const answers: Array<{ id: string; reloaded: string[]; process: string }> = [];
    const subscriber = connect();
    await subscriber.subscribe(answerChannelOf(prefix));
    subscriber.on("message", (_channel: string, message: string) => answers.push(JSON.parse(message) as (typeof answers)[number]));
    expect(await publisher.publish(reloadChannelOf(prefix), JSON.stringify({ id: "r1", bot: "alpha" }))).toBe(3);
    await expect.poll(() => answers.filter((a) => a.id === "r1").length, { timeout: 30_000 }).toBe(3);
    expect(answers.filter((a) => a.id === "r1").map((a) => a.reloaded)).toEqual([["alpha"], ["alpha"], ["alpha"]]);
    expect(answers.every((a) => a.process.startsWith("worker "))).toBe(true);
    for (const l of listeners) await l.close();
  });
});
