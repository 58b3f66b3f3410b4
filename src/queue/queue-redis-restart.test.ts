/**
 * Redis going down and coming back under load, with real processes: a private redis-server
 * (append-only file, fsync always) is SIGKILLed while updates flow and started again. Meanwhile
 * the API answers 503 with Retry-After (the gateway retries), then recovers by itself; workers
 * reconnect; every accepted update is handled exactly once and each chat stays in order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composerSource, simpleBot } from "../testing/bot-fixtures.ts";
import { textUpdate } from "../testing/service-harness.ts";
import type { ServiceProcess } from "../testing/service-process.ts";
import { labelsByChat, postUpdate, startQueueDeployment, type QueueDeployment } from "../testing/queue-deployment.ts";
import { redisSkipReason, startOwnRedis, type OwnRedis } from "../testing/redis.ts";

const skipReason = await redisSkipReason();

const handler = composerSource(`c.on("message:text", async (ctx) => {
  await new Promise((r) => setTimeout(r, 30));
  await ctx.reply(ctx.message.text);
});`);

describe.skipIf(skipReason !== undefined)(`queue mode across a Redis restart${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  let redis: OwnRedis;
  let d: QueueDeployment;

  beforeAll(async () => {
    redis = await startOwnRedis();
    d = await startQueueDeployment({
      redisUrl: redis.url,
      bots: { r: simpleBot("Restarted", { "a.ts": handler }) },
      apis: 1,
      workers: 2,
      // Locks outlive the outage, so a job finishing while Redis is away is not run again. Adds keep
      // the default timeout (2000 ms). A slow Redis at the API's start is its own test
      // (queue-producer-slow-start.test.ts).
      env: { QUEUE_LOCK_DURATION_MS: "8000", QUEUE_STALLED_INTERVAL_MS: "1000" },
    });
  });
  afterAll(async () => {
    await d?.close();
    await redis?.stop();
  });

  it("answers 503 while Redis is down, recovers, and loses or repeats nothing", async () => {
    const [api] = d.apis as [ServiceProcess];
    const refusals: Array<string | null> = [];
    const chats = [1, 2, 3, 4];
    const perChat = 12;
    let outage: Promise<void> | undefined;
    // A restart that fails ends the test at once, instead of the gateway retrying until the timeout.
    let outageError: Error | undefined;
    // The gateway: each chat's updates in order, each retried until it is taken.
    await Promise.all(
      chats.map(async (chat) => {
        for (let i = 0; i < perChat; i++) {
          if (chat === 1 && i === 4) {
            outage = (async () => {
              await redis.kill();
              await new Promise((r) => setTimeout(r, 1_000));
              await redis.restart();
            })().catch((error: unknown) => {
              outageError = error instanceof Error ? error : new Error(String(error));
            });
          }
          for (;;) {
            if (outageError !== undefined) throw outageError;
            const answer = await postUpdate(api, "Restarted", textUpdate(chat * 1000 + i, chat, `r${chat}-${i}`));
            if (answer.status === 200) break;
            expect(answer.status).toBe(503);
            refusals.push(answer.retryAfter);
            await new Promise((r) => setTimeout(r, 100));
          }
          await new Promise((r) => setTimeout(r, 40));
        }
      }),
    );
    await outage;
    if (outageError !== undefined) throw outageError;
    await d.standIn.waitFor((s) => s.sentMessages().length >= chats.length * perChat, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 500));

    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every((r) => r === "1")).toBe(true);
    const byChat = labelsByChat(d.standIn);
    for (const chat of chats) {
      expect(byChat.get(String(chat))).toEqual(Array.from({ length: perChat }, (_, i) => `r${chat}-${i}`));
    }
    expect(d.standIn.sentMessages()).toHaveLength(chats.length * perChat);
    const ready = (await (await fetch(`${api.url}/readyz`)).json()) as { queue: { redis: string } };
    expect(ready.queue.redis).toBe("reachable");
  });
});
