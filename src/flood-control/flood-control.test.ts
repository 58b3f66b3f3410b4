/**
 * Flood control end to end: a bot's handler sends a burst to one chat through grammY, the Bot API
 * stand-in enforces a Telegram-like per-chat limit (429 beyond it), and the arrival times it
 * records show how the burst was spread.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startBotApiStandIn, type BotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { composerSource, simpleBot, testToken } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate, type TestService } from "../testing/service-harness.ts";

const burstHandler = composerSource(
  `c.command("burst", async (ctx) => { const n = Number(ctx.match); await Promise.all(Array.from({ length: n }, (_, i) => ctx.reply("m" + i))); });`,
);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(env: Record<string, string | number>, withFloodControl: boolean): Promise<{ t: TestService; standIn: BotApiStandIn }> {
  const standIn = await startBotApiStandIn({ floodLimitPerChatPerSecond: 45 });
  cleanups.push(() => standIn.close());
  const t = await startTestService({
    bots: { burst: simpleBot("Burst", { "burst.ts": burstHandler }) },
    standIn,
    env: { ...env, FLOOD_CONTROL: withFloodControl ? "true" : "false" },
  });
  cleanups.push(() => t.close());
  return { t, standIn };
}

/** The most arrivals within any 1000 ms window. */
function densestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] ?? 0) - (sorted[j] ?? 0) >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe("outgoing flood control", () => {
  it("spreads a burst of 60 messages to one chat at the per-chat rate, and none is refused", async () => {
    // 20/s against a stand-in that refuses more than 45 in any second: a busy machine that fires
    // several late timers at once bunches sends together, which this margin absorbs.
    const { t, standIn } = await setup({ FLOOD_PER_CHAT_PER_SECOND: 20, FLOOD_PER_CHAT_BURST: 1, FLOOD_GLOBAL_PER_SECOND: 1000 }, true);
    expect((await t.postUpdate("Burst", textUpdate(1, 77, "/burst 60"))).status).toBe(200);
    await t.idle();
    const sends = standIn.calls({ token: testToken("Burst"), method: "sendMessage" });
    expect(sends).toHaveLength(60);
    expect(sends.filter((c) => c.status !== 200)).toEqual([]);
    expect(standIn.sentMessages({ chatId: 77 })).toHaveLength(60);
    const times = sends.map((c) => c.receivedAt);
    // 59 gaps of 50 ms at least (a little timer slack allowed); a slower machine only spreads them more.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(59 * 50 * 0.95);
    expect(densestSecond(times)).toBeLessThanOrEqual(45);
  });

  it("without flood control the same stand-in refuses part of a burst with 429", async () => {
    const { t, standIn } = await setup({}, false);
    await t.postUpdate("Burst", textUpdate(1, 78, "/burst 60"));
    await t.idle();
    const refused = standIn.calls({ method: "sendMessage" }).filter((c) => c.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    // The retry transformer still got every message out after retry_after.
    expect(standIn.sentMessages({ chatId: 78 })).toHaveLength(60);
  });

  it("does not hold up other chats while one chat's burst is spread out", async () => {
    const { t, standIn } = await setup({ FLOOD_PER_CHAT_PER_SECOND: 10, FLOOD_PER_CHAT_BURST: 1, FLOOD_GLOBAL_PER_SECOND: 100 }, true);
    await t.postUpdate("Burst", textUpdate(1, 80, "/burst 30"));
    await standIn.waitFor((s) => s.sentMessages({ chatId: 80 }).length >= 1);
    await t.postUpdate("Burst", textUpdate(2, 81, "/burst 1"));
    await standIn.waitFor((s) => s.sentMessages({ chatId: 81 }).length === 1);
    // Chat 80 still has most of its three seconds of messages ahead; chat 81's message did not wait for them.
    expect(standIn.sentMessages({ chatId: 80 }).length).toBeLessThan(30);
    await t.idle();
  });
});
