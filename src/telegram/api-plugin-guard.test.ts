/**
 * Plugins that do what the engine already does, installed by a bot's handlers on `ctx.api` (the
 * only API a handler file reaches), over a real service process, real installed plugins and the
 * Bot API stand-in's faults: @grammyjs/auto-retry outside the engine's API retries does not
 * multiply the calls nor keep an update running for ever, a throttler on top of flood control
 * delivers every message once, and each is named in the log with the bot. Inside a conversation
 * (conversations 2 builds its own Api from the bot's client options) none of the engine's
 * transformers apply: a failed call fails the update, which the engine runs again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBotApiStandIn, type BotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { createBotsDir, simpleBot, testKey, testToken } from "../testing/bot-fixtures.ts";
import { BOT_FOLDER_PACKAGES, copyInstalledPackages, installedPackages, requireInstall, type PackagesInstall } from "../testing/installed-packages.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { postUpdate, spawnService, type ServiceProcess } from "../testing/service-process.ts";

const AUTO_RETRY_HANDLER = `
import { Composer } from "grammy";
import { autoRetry } from "@grammyjs/auto-retry";
export const c = new Composer();
c.use((ctx, next) => {
  ctx.api.config.use(autoRetry());
  return next();
});
c.on("message:text", (ctx) => ctx.reply("got " + ctx.message.text));
`;

const THROTTLER_HANDLER = `
import { Composer } from "grammy";
import { apiThrottler } from "@grammyjs/transformer-throttler";
const throttler = apiThrottler();
export const c = new Composer();
c.use((ctx, next) => {
  ctx.api.config.use(throttler);
  return next();
});
c.on("message:text", (ctx) => ctx.reply("got " + ctx.message.text));
`;

const CONVERSATION_HANDLER = `
import { Composer } from "grammy";
import { conversations, createConversation } from "@grammyjs/conversations";
async function ask(conversation, ctx) {
  await ctx.reply("Your name?");
  const answer = await conversation.waitFor("message:text");
  await answer.reply("Hello, " + answer.message.text);
}
export const c = new Composer();
c.use(conversations());
c.use(createConversation(ask, "ask"));
c.command("ask", (ctx) => ctx.conversation.enter("ask"));
c.command("plain", (ctx) => ctx.reply("plain"));
`;

/** Each call at most once more by the engine, each update at most twice. */
const SETTINGS = { API_MAX_RETRIES: "1", API_RETRY_BASE_MS: "10", HANDLER_MAX_ATTEMPTS: "2", HANDLER_RETRY_BASE_MS: "20" };
const CALLS_PER_MESSAGE_AT_MOST = 2 * (1 + 1);

let plugins: PackagesInstall;
/** One service for the file, each test with a bot of its own; started when the plugins could be installed. */
let running: { service: ServiceProcess; standIn: BotApiStandIn; stop: () => Promise<void> } | undefined;
beforeAll(async () => {
  plugins = await installedPackages(BOT_FOLDER_PACKAGES);
  if (plugins.ok) running = await startService(plugins, { r: simpleBot("Retrying", { "retry.ts": AUTO_RETRY_HANDLER }), t: simpleBot("Throttled", { "throttle.ts": THROTTLER_HANDLER }), c: simpleBot("Talker", { "ask.ts": CONVERSATION_HANDLER }) });
});
afterAll(async () => {
  await running?.stop();
});

async function startService(install: { dir: string }, bots: Record<string, Record<string, string>>): Promise<NonNullable<typeof running>> {
  const folder = createBotsDir(bots, { outside: true });
  copyInstalledPackages(install, folder.dir);
  const standIn = await startBotApiStandIn();
  const service = await spawnService({ env: { BOTS_DIR: folder.dir, TELEGRAM_API_ROOT: standIn.apiRoot, ...SETTINGS } });
  const stop = async () => {
    service.kill("SIGTERM");
    const exited = await service.exited;
    await standIn.close();
    folder.cleanup();
    // Nothing a plugin did keeps the service from stopping.
    expect(exited.code).toBe(0);
  };
  for (const bot of ["Retrying", "Throttled", "Talker"]) {
    const line = await service.waitForLog((l) => ((l.msg === "bot state changed" && l.state === "ready") || l.msg === "bot not loaded") && l.bot === bot);
    if (line.msg !== "bot state changed") {
      await stop().catch(() => undefined);
      throw new Error(`bot ${bot} did not load: ${JSON.stringify(line)}`);
    }
  }
  return { service, standIn, stop };
}

function started(skip: (note: string) => never): NonNullable<typeof running> {
  requireInstall(plugins, skip);
  if (running === undefined) throw new Error("the service did not start");
  return running;
}

const logsOf = (service: ServiceProcess, bot: string, code: string) => service.logs().filter((l) => l.bot === bot && l.code === code);

const sendCalls = (standIn: BotApiStandIn, bot: string, chatId: number) =>
  standIn.calls({ token: testToken(bot), method: "sendMessage" }).filter((c) => c.payload.chat_id === chatId).length;

describe("transformer plugins installed by a bot's handlers", () => {
  it("auto-retry outside the engine's retries: a call is not sent again once they gave up, the update ends, and the plugin is named", async ({ skip }) => {
    const { service, standIn } = started(skip);
    const token = testToken("Retrying");
    // Chat 1: Telegram answers 429 for ever; chat 2: the network fails for ever; chat 3: one 429.
    standIn.injectFault({ token, chatId: 1, times: Infinity, fault: { kind: "too-many-requests", retryAfterSeconds: 0 } });
    standIn.injectFault({ token, chatId: 2, times: Infinity, fault: { kind: "drop-connection" } });
    standIn.injectFault({ token, chatId: 3, times: 1, fault: { kind: "too-many-requests", retryAfterSeconds: 0 } });
    for (const chat of [1, 2, 3]) expect(await postUpdate(service, "Retrying", textUpdate(chat, chat, `hi ${chat}`), testKey("Retrying"))).toBe(200);

    const failed = (updateId: number) => service.waitForLog((l) => l.msg === "update failed" && l.bot === "Retrying" && l.update_id === updateId);
    const [flooded, unreachable] = await Promise.all([failed(1), failed(2)]);
    await standIn.waitFor(() => standIn.sentMessages({ token, chatId: 3 }).length === 1);

    // Without the engine's guard, auto-retry (no limit by default) would repeat chats 1 and 2 for ever.
    expect([sendCalls(standIn, "Retrying", 1), sendCalls(standIn, "Retrying", 2)]).toEqual([CALLS_PER_MESSAGE_AT_MOST, CALLS_PER_MESSAGE_AT_MOST]);
    expect(flooded).toMatchObject({ reason: "telegram 429", attempt: 2, err: expect.objectContaining({ type: "GrammyError" }) as unknown });
    expect(unreachable).toMatchObject({ reason: "handler error", attempt: 2, err: expect.objectContaining({ type: "ApiCallGivenUpError", code: "API_CALL_GIVEN_UP" }) as unknown });
    // A 429 the engine's retries dealt with never reached auto-retry: one repeat in all.
    expect(sendCalls(standIn, "Retrying", 3)).toBe(2);
    expect(standIn.sentMessages({ token, chatId: 3 }).map((m) => m.text)).toEqual(["got hi 3"]);

    // Named once per bot and plugin, however many updates installed it.
    expect(logsOf(service, "Retrying", "API_PLUGIN_OVERLAP")).toEqual([expect.objectContaining({ level: 40, plugin: "@grammyjs/auto-retry", overlaps: "api-retries" })]);
    expect(logsOf(service, "Retrying", "API_REPEAT_REFUSED")).toEqual([expect.objectContaining({ level: 40, method: "sendMessage", plugins: ["@grammyjs/auto-retry"] })]);
  });

  it("a throttler on top of flood control: every message goes out once, a 429 is retried by the engine, and the plugin is named", async ({ skip }) => {
    const { service, standIn } = started(skip);
    const token = testToken("Throttled");
    standIn.injectFault({ token, chatId: 10, times: 1, fault: { kind: "too-many-requests", retryAfterSeconds: 1 } });
    const updates = [textUpdate(1, 10, "a"), textUpdate(2, 10, "b"), textUpdate(3, 11, "c"), textUpdate(4, 10, "d"), textUpdate(5, 11, "e")];
    for (const update of updates) expect(await postUpdate(service, "Throttled", update, testKey("Throttled"))).toBe(200);

    await standIn.waitFor(() => standIn.sentMessages({ token }).length === updates.length, { timeoutMs: 60_000 });
    expect(standIn.sentMessages({ token, chatId: 10 }).map((m) => m.text)).toEqual(["got a", "got b", "got d"]);
    expect(standIn.sentMessages({ token, chatId: 11 }).map((m) => m.text)).toEqual(["got c", "got e"]);
    expect([sendCalls(standIn, "Throttled", 10), sendCalls(standIn, "Throttled", 11)]).toEqual([4, 2]);
    expect(logsOf(service, "Throttled", "API_PLUGIN_OVERLAP")).toEqual([expect.objectContaining({ plugin: "@grammyjs/transformer-throttler", overlaps: "flood-control" })]);
    expect(logsOf(service, "Throttled", "API_REPEAT_REFUSED")).toEqual([]);
  });

  it("inside a conversation the engine's call retries do not apply: a 429 fails the update, which runs again", async ({ skip }) => {
    const { service, standIn } = started(skip);
    const token = testToken("Talker");
    const calls = (chatId: number) => standIn.calls({ token, method: "sendMessage" }).filter((c) => c.payload.chat_id === chatId).map((c) => [c.payload.text, c.fault ?? "answered"]);
    standIn.injectFault({ token, chatId: 20, times: 1, fault: { kind: "too-many-requests", retryAfterSeconds: 0 } });
    standIn.injectFault({ token, chatId: 21, times: 1, fault: { kind: "too-many-requests", retryAfterSeconds: 0 } });
    expect(await postUpdate(service, "Talker", textUpdate(1, 20, "/plain"), testKey("Talker"))).toBe(200);
    expect(await postUpdate(service, "Talker", textUpdate(2, 21, "/ask"), testKey("Talker"))).toBe(200);
    await standIn.waitFor(() => standIn.sentMessages({ token }).length === 2);

    // Outside the conversation the engine retried the call; inside, the update ran again.
    expect(calls(20)).toEqual([["plain", "too-many-requests"], ["plain", "answered"]]);
    expect(calls(21)).toEqual([["Your name?", "too-many-requests"], ["Your name?", "answered"]]);
    const talkerLines = (msg: string) => service.logs().filter((l) => l.bot === "Talker" && l.msg === msg);
    // The child's log lines come through a pipe, and may arrive after the reply they preceded.
    await service.waitForLog((l) => l.bot === "Talker" && l.msg === "handler failed, update will run again");
    await service.waitForLog((l) => l.bot === "Talker" && l.msg === "telegram api call failed, retrying");
    expect(talkerLines("telegram api call failed, retrying")).toHaveLength(1);
    expect(talkerLines("handler failed, update will run again")).toEqual([expect.objectContaining({ update_id: 2, reason: "telegram 429" })]);
    expect(logsOf(service, "Talker", "API_PLUGIN_OVERLAP")).toEqual([]);
    // The conversation goes on from there.
    expect(await postUpdate(service, "Talker", textUpdate(3, 21, "Ada"), testKey("Talker"))).toBe(200);
    await standIn.waitFor(() => standIn.sentMessages({ token, chatId: 21 }).length === 2);
    expect(standIn.sentMessages({ token, chatId: 21 }).map((m) => m.text)).toEqual(["Your name?", "Hello, Ada"]);
  });
});
