import { Composer } from "grammy";
import type { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, expectTypeOf, it } from "vitest";
import type { BotContext, SessionData } from "../index.ts";
import { composerSource, simpleBot } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate, type TestService, type TestServiceOptions } from "../testing/service-harness.ts";
import { sessionPlugin } from "./session-plugin.ts";
import { connectTestRedis, deleteKeysWithPrefix, TEST_REDIS_URL, uniqueTestPrefix } from "./test-redis.ts";

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
      plugins: ({ config, logger }) => [sessionPlugin({ config, logger })],
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
      plugins: ({ config, logger }) => [sessionPlugin({ config, logger })],
    });
    await t.postUpdate("SessFlaky", textUpdate(1, 3, "x"));
    await t.idle();
    expect(replies(t)).toEqual(["count=1"]);
  });
});

const redis = await connectTestRedis();
const prefix = uniqueTestPrefix("session-plugin");
afterAll(async () => {
  if (redis === undefined) return;
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe.skipIf(redis === undefined)(`sessions in Redis (needs Redis at ${TEST_REDIS_URL}; skipped when absent)`, () => {
  const client = redis as Redis;
  const withRedis = (connection: Redis): Pick<TestServiceOptions, "plugins"> => ({ plugins: ({ config, logger }) => [sessionPlugin({ config, logger, redis: connection })] });

  it("survive a restart: a new service with new Bot instances reads what the old one wrote", async () => {
    const first = await start({ bots: { a: simpleBot("Durable", { "a.ts": counter }) }, env: { SESSION_KEY_PREFIX: prefix }, ...withRedis(client) });
    await first.postUpdate("Durable", textUpdate(1, 11, "set kept"));
    await first.postUpdate("Durable", textUpdate(2, 11, "two"));
    await first.idle();
    expect(replies(first)).toEqual(["Durable count=1 secret=kept", "Durable count=2 secret=kept"]);
    await first.close();

    // Another connection, another bots folder, another Bot: only Redis is shared.
    const second = await connectTestRedis();
    try {
      const t = await start({ bots: { a: simpleBot("Durable", { "a.ts": counter }) }, env: { SESSION_KEY_PREFIX: prefix }, ...withRedis(second!) });
      await t.postUpdate("Durable", textUpdate(3, 11, "three"));
      await t.idle();
      expect(replies(t)).toEqual(["Durable count=3 secret=kept"]);
      await t.close();
    } finally {
      second?.disconnect();
    }
    expect(JSON.parse((await client.get(`${prefix}:session:{Durable}:11`)) ?? "null")).toEqual({ count: 3, secret: "kept" });
  });

  it("keep each bot in its own keys: a bot never sees another bot's session of the same chat", async () => {
    const t = await start({
      bots: { a: simpleBot("RedisA", { "a.ts": counter }), b: simpleBot("RedisB", { "a.ts": counter }), e: simpleBot("RedisEcho") },
      env: { SESSION_KEY_PREFIX: prefix, SESSION_TTL_SECONDS: 300 },
      ...withRedis(client),
    });
    await t.postUpdate("RedisA", textUpdate(1, 21, "set a-secret"));
    await t.postUpdate("RedisB", textUpdate(1, 21, "hi"));
    await t.postUpdate("RedisEcho", textUpdate(1, 21, "echo"));
    await t.idle();
    expect(replies(t, 21).sort()).toEqual(["Echo from RedisEcho: echo", "RedisA count=1 secret=a-secret", "RedisB count=1 secret=undefined"]);
    const keys = (await client.keys(`${prefix}:session:*`)).filter((k) => k.includes("{Redis"));
    // The echo bot never touched its session: no key is kept for it.
    expect(keys.sort()).toEqual([`${prefix}:session:{RedisA}:21`, `${prefix}:session:{RedisB}:21`]);
    expect(JSON.parse((await client.get(`${prefix}:session:{RedisB}:21`)) ?? "null")).toEqual({ count: 1 });
    expect(await client.ttl(`${prefix}:session:{RedisA}:21`)).toBeGreaterThan(250);
  });

  it("remove the key when a handler empties its session", async () => {
    const clearer = composerSource(`c.on("message:text", async (ctx) => {
  if (ctx.message.text === "forget") ctx.session = {}; else ctx.session.note = ctx.message.text;
  await ctx.reply("ok");
});`);
    const t = await start({ bots: { c: simpleBot("Forgetful", { "a.ts": clearer }) }, env: { SESSION_KEY_PREFIX: prefix }, ...withRedis(client) });
    await t.postUpdate("Forgetful", textUpdate(1, 31, "remember me"));
    await t.idle();
    expect(await client.exists(`${prefix}:session:{Forgetful}:31`)).toBe(1);
    await t.postUpdate("Forgetful", textUpdate(2, 31, "forget"));
    await t.idle();
    expect(await client.exists(`${prefix}:session:{Forgetful}:31`)).toBe(0);
  });
});
