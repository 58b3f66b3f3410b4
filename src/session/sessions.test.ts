import { Composer } from "grammy";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import type { BotContext, SessionData } from "../index.ts";
import { composerSource, simpleBot } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate, type TestService, type TestServiceOptions } from "../testing/service-harness.ts";

/** Counts messages per session; "set <x>" stores x; replies with what the session holds. */
const counter = composerSource(`c.on("message:text", async (ctx) => {
  const s = ctx.session;
  s.count = (typeof s.count === "number" ? s.count : 0) + 1;
  if (ctx.message.text.startsWith("set ")) s.secret = ctx.message.text.slice(4);
  await ctx.reply(ctx.botName + " count=" + s.count + " secret=" + String(s.secret));
});`);

const running: TestService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.close()));
});

async function start(options: TestServiceOptions): Promise<TestService> {
  const t = await startTestService(options);
  running.push(t);
  return t;
}

function replies(t: TestService, chatId?: number): string[] {
  return t.standIn.sentMessages(chatId === undefined ? {} : { chatId }).map((m) => m.text);
}

it("types ctx.session for bot authors", () => {
  const composer = new Composer<BotContext>();
  composer.on("message", (ctx) => {
    ctx.session.step = "asked";
  });
  expectTypeOf<BotContext["session"]>().toEqualTypeOf<SessionData>();
  expectTypeOf<SessionData>().toEqualTypeOf<Record<string, unknown>>();
});

describe("sessions in memory (embedded default)", () => {
  it("keep state across updates of a chat, apart per chat and per bot", async () => {
    const t = await start({
      bots: { a: simpleBot("SessA", { "a.ts": counter }), b: simpleBot("SessB", { "a.ts": counter }) },
    });
    await t.postUpdate("SessA", textUpdate(1, 1, "set alpha-only"));
    await t.postUpdate("SessA", textUpdate(2, 1, "again"));
    await t.postUpdate("SessA", textUpdate(3, 2, "other chat"));
    // Same chat id, other bot: its own session, without SessA's secret.
    await t.postUpdate("SessB", textUpdate(1, 1, "hello"));
    await t.idle();
    expect(replies(t, 1).filter((r) => r.startsWith("SessA"))).toEqual(["SessA count=1 secret=alpha-only", "SessA count=2 secret=alpha-only"]);
    expect(replies(t, 2)).toEqual(["SessA count=1 secret=undefined"]);
    expect(replies(t, 1).filter((r) => r.startsWith("SessB"))).toEqual(["SessB count=1 secret=undefined"]);
  });

  it("does not write back the session of an update whose handler threw, so its retry starts from the stored state", async () => {
    const flaky = composerSource(`let runs = 0;
c.on("message:text", async (ctx) => {
  runs++;
  ctx.session.count = (typeof ctx.session.count === "number" ? ctx.session.count : 0) + 1;
  if (runs === 1) throw new Error("first run fails");
  await ctx.reply("count=" + ctx.session.count);
});`);
    const t = await start({
      bots: { f: simpleBot("SessFlaky", { "a.ts": flaky }) },
    });
    await t.postUpdate("SessFlaky", textUpdate(1, 3, "x"));
    await t.idle();
    expect(replies(t)).toEqual(["count=1"]);
  });
});

