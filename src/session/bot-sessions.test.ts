/**
 * Sessions in Redis (queue mode's store) against a real Redis and real grammY bots talking to the
 * Bot API stand-in: what one bot instance wrote is read by a fresh one (another worker, or the
 * same after a restart), every bot keeps to its own keys, and an emptied session leaves no key.
 */
import { Bot, Composer } from "grammy";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextConstructorFor, type BotContext } from "../bots/bot-context.ts";
import { parseServiceConfig } from "../config/service-config.ts";
import { startBotApiStandIn, type BotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { testToken } from "../testing/bot-fixtures.ts";
import { redisSkipReason, SharedRedisScope } from "../testing/redis.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { BotSessions } from "./bot-sessions.ts";

const skipReason = await redisSkipReason();

/** Counts messages per session; "set <x>" stores x; "forget" empties the session; replies with what it holds. */
function counter(): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.on("message:text", async (ctx) => {
    if (ctx.message.text === "forget") {
      ctx.session = {};
      await ctx.reply("forgotten");
      return;
    }
    const s = ctx.session;
    s.count = (typeof s.count === "number" ? s.count : 0) + 1;
    if (ctx.message.text.startsWith("set ")) s.secret = ctx.message.text.slice(4);
    await ctx.reply(`${ctx.botName} count=${String(s.count)} secret=${String(s.secret)}`);
  });
  return c;
}

describe.skipIf(skipReason !== undefined)(`sessions in Redis${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const scope = new SharedRedisScope();
  let standIn: BotApiStandIn;
  let prefix: string;
  let redis: Redis;
  beforeAll(async () => {
    standIn = await startBotApiStandIn();
    ({ prefix, connection: redis } = scope.open("sessions"));
  });
  afterAll(async () => {
    await standIn.close();
    await scope.release();
  });

  /** A new grammY bot with the Redis sessions of `connection`, as a worker process builds it. */
  async function bot(name: string, connection: Redis, env: Record<string, string> = {}): Promise<Bot<BotContext>> {
    const settings = parseServiceConfig({ SESSION_KEY_PREFIX: prefix, ...env });
    const sessions = new BotSessions({ settings, logger: pino({ level: "silent" }), redis: connection });
    const instance = new Bot<BotContext>(testToken(name), { client: { apiRoot: standIn.apiRoot }, ContextConstructor: contextConstructorFor(name, {}) });
    instance.use(sessions.middlewareFor(name));
    instance.use(counter());
    await instance.init();
    return instance;
  }

  const replies = (chatId: number) => standIn.sentMessages({ chatId }).map((m) => m.text);

  it("survive a restart: a new bot instance on another connection reads what the old one wrote", async () => {
    const first = await bot("Durable", redis);
    await first.handleUpdate(textUpdate(1, 11, "set kept"));
    await first.handleUpdate(textUpdate(2, 11, "two"));
    const other = redis.duplicate();
    try {
      const second = await bot("Durable", other);
      await second.handleUpdate(textUpdate(3, 11, "three"));
    } finally {
      other.disconnect();
    }
    expect(replies(11)).toEqual(["Durable count=1 secret=kept", "Durable count=2 secret=kept", "Durable count=3 secret=kept"]);
    expect(JSON.parse((await redis.get(`${prefix}:session:{Durable}:11`)) ?? "null")).toEqual({ count: 3, secret: "kept" });
  });

  it("keep each bot in its own keys: a bot never sees another bot's session of the same chat", async () => {
    const a = await bot("RedisA", redis, { SESSION_TTL_SECONDS: "300" });
    const b = await bot("RedisB", redis, { SESSION_TTL_SECONDS: "300" });
    await a.handleUpdate(textUpdate(1, 21, "set a-secret"));
    await b.handleUpdate(textUpdate(1, 21, "hi"));
    expect(replies(21).sort()).toEqual(["RedisA count=1 secret=a-secret", "RedisB count=1 secret=undefined"]);
    const keys = (await redis.keys(`${prefix}:session:*`)).filter((k) => k.includes("{Redis"));
    expect(keys.sort()).toEqual([`${prefix}:session:{RedisA}:21`, `${prefix}:session:{RedisB}:21`]);
    expect(JSON.parse((await redis.get(`${prefix}:session:{RedisB}:21`)) ?? "null")).toEqual({ count: 1 });
    expect(await redis.ttl(`${prefix}:session:{RedisA}:21`)).toBeGreaterThan(250);
  });

  it("remove the key when a handler empties its session", async () => {
    const forgetful = await bot("Forgetful", redis);
    await forgetful.handleUpdate(textUpdate(1, 31, "remember me"));
    expect(await redis.exists(`${prefix}:session:{Forgetful}:31`)).toBe(1);
    await forgetful.handleUpdate(textUpdate(2, 31, "forget"));
    expect(await redis.exists(`${prefix}:session:{Forgetful}:31`)).toBe(0);
  });
});
