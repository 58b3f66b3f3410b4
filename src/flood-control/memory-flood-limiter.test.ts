import { describe, expect, it } from "vitest";
import { gcraReserve, rateOf, type FloodLimits } from "./flood-limiter.ts";
import { MemoryFloodLimiter } from "./memory-flood-limiter.ts";
import { parseServiceConfig } from "../config/service-config.ts";
import { floodLimitsFrom } from "./create-flood-limiter.ts";

function limiterAt(limits: FloodLimits) {
  let now = 1_000_000;
  const limiter = new MemoryFloodLimiter(limits, () => now);
  return { limiter, advance: (ms: number) => (now += ms) };
}

const chat = (chatId: string, group = false) => ({ bot: "B", chatId, group });

/** What the transformer does: the chat's slot, then a bot-wide slot once that time has come. */
async function send(limiter: MemoryFloodLimiter, target: ReturnType<typeof chat>, advance?: (ms: number) => void): Promise<number> {
  const chatWait = await limiter.reserve(target, "chat");
  advance?.(chatWait);
  const botWait = await limiter.reserve(target, "bot");
  advance?.(-chatWait);
  return chatWait + botWait;
}

describe("GCRA reservations", () => {
  it("spaces a bot's sends evenly by default, and lets FLOOD_GLOBAL_BURST of them go at once when set", async () => {
    const bot = (config: Record<string, string>) => limiterAt(floodLimitsFrom(parseServiceConfig({ FLOOD_PER_CHAT_PER_SECOND: "0", ...config }))).limiter;
    const waits = async (limiter: MemoryFloodLimiter) => {
      const out: number[] = [];
      for (let i = 0; i < 6; i++) out.push(await send(limiter, chat(String(i))));
      return out.map((ms) => Math.round(ms));
    };
    expect(await waits(bot({ FLOOD_GLOBAL_PER_SECOND: "10" }))).toEqual([0, 100, 200, 300, 400, 500]);
    expect(await waits(bot({ FLOOD_GLOBAL_PER_SECOND: "10", FLOOD_GLOBAL_BURST: "4" }))).toEqual([0, 0, 0, 0, 100, 200]);
    expect(() => parseServiceConfig({ FLOOD_GLOBAL_BURST: "0" })).toThrow(/FLOOD_GLOBAL_BURST/);
  });

  it("lets a chat's burst through at once, then spaces sends by the per-chat interval", async () => {
    const { limiter } = limiterAt({ global: undefined, chat: rateOf(1, 1000, 3), group: undefined });
    const waits = [];
    for (let i = 0; i < 6; i++) waits.push(await send(limiter, chat("1")));
    expect(waits).toEqual([0, 0, 0, 1000, 2000, 3000]);
  });

  it("keeps chats apart but shares the bot-wide limit between them", async () => {
    const { limiter, advance } = limiterAt({ global: rateOf(10, 1000, 1), chat: rateOf(1, 1000, 1), group: undefined });
    const waits = [];
    for (const id of ["1", "2", "3", "1"]) waits.push(await send(limiter, chat(id), advance));
    // Other chats only wait for the bot-wide 100 ms spacing; chat 1's second send waits its own second.
    expect(waits).toEqual([0, 100, 200, 1000]);
  });

  it("does not let one chat's long queue book bot-wide slots ahead of other chats", async () => {
    const { limiter, advance } = limiterAt({ global: rateOf(10, 1000, 1), chat: rateOf(1, 1000, 1), group: undefined });
    for (let i = 0; i < 10; i++) await limiter.reserve(chat("busy"), "chat");
    expect(await send(limiter, chat("other"), advance)).toBe(0);
  });

  it("applies the per-minute group limit on top of the per-chat one, to groups only", async () => {
    const { limiter } = limiterAt({ global: undefined, chat: rateOf(1, 1000, 1), group: rateOf(20, 60_000, 1) });
    expect([await send(limiter, chat("-100", true)), await send(limiter, chat("-100", true))]).toEqual([0, 3000]);
    expect([await send(limiter, chat("5")), await send(limiter, chat("5"))]).toEqual([0, 1000]);
  });

  it("frees slots as time passes", async () => {
    const { limiter, advance } = limiterAt({ global: undefined, chat: rateOf(2, 1000, 1), group: undefined });
    expect(await send(limiter, chat("1"))).toBe(0);
    advance(600);
    expect(await send(limiter, chat("1"))).toBe(0);
    expect(await send(limiter, chat("1"))).toBe(500);
  });

  it("after a 429 holds the chat for retry_after, not other chats", async () => {
    const { limiter } = limiterAt({ global: rateOf(30, 1000, 1), chat: rateOf(1, 1000, 3), group: undefined });
    await limiter.penalize(chat("1"), 5000);
    expect(await send(limiter, chat("1"))).toBe(5000);
    expect(await send(limiter, chat("2"))).toBeLessThan(100);
  });

  it("does not limit calls when every rate is off", async () => {
    const { limiter } = limiterAt({ global: rateOf(0, 1000, 1), chat: rateOf(0, 1000, 1), group: rateOf(0, 60_000, 1) });
    for (let i = 0; i < 5; i++) expect(await send(limiter, chat("1"))).toBe(0);
  });

  it("forgets idle chats", async () => {
    const { limiter, advance } = limiterAt({ global: undefined, chat: rateOf(1, 1000, 1), group: undefined });
    for (let i = 0; i < 999; i++) await send(limiter, chat(String(i)));
    advance(5000);
    await send(limiter, chat("last"));
    expect(limiter.size).toBe(1);
  });

  it("takes one slot under every limit at once", () => {
    const { at, tats } = gcraReserve([undefined, 1500], [{ intervalMs: 100, burst: 1 }, { intervalMs: 1000, burst: 1 }], 1000);
    expect(at).toBe(1500);
    expect(tats).toEqual([1600, 2500]);
  });
});

describe("reserveSend: the chat's slot and, when it is free now, the bot-wide one in one step", () => {
  it("takes both when the chat is free, only the chat's when it is not, and leaves the bot-wide slots to chats that can send", async () => {
    const { limiter } = limiterAt({ global: rateOf(10, 1000, 1), chat: rateOf(1, 1000, 1), group: undefined });
    expect(await limiter.reserveSend(chat("1"))).toEqual({ waitMs: 0, botReserved: true });
    expect(await limiter.reserveSend(chat("2"))).toEqual({ waitMs: 100, botReserved: true });
    // Chat 1 waits a second for its own slot; it books no bot-wide slot meanwhile.
    expect(await limiter.reserveSend(chat("1"))).toEqual({ waitMs: 1000, botReserved: false });
    expect(await limiter.reserveSend(chat("3"))).toEqual({ waitMs: 200, botReserved: true });
  });
});
