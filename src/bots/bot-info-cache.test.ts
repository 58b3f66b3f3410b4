/**
 * GETME_CACHE over real processes and a real Redis. The embedded default: a restart on the same
 * DATA_DIR makes the bot ready from the kept getMe answer while every getMe fails, and it answers
 * updates; getMe still runs in the background, so a token Telegram rejects later still fails the
 * bot. With GETME_CACHE=off the bot waits for getMe as before. A bot added by live reload is kept
 * too, so the next start is ready from it. The cache's keys hold a digest of
 * the token, never the token, and a new token is a miss (checked on the Redis storage of queue
 * mode).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisBotStorage } from "../session/redis-storage.ts";
import { startBotApiStandIn, type BotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { composerSource, createBotsDir, simpleBot, testKey, testToken, type BotsDir } from "../testing/bot-fixtures.ts";
import { redisSkipReason, SharedRedisScope } from "../testing/redis.ts";
import { fleetEntry } from "../testing/fleet-entry.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { postUpdate, spawnService, type ServiceProcess } from "../testing/service-process.ts";
import { until } from "../testing/until.ts";
import { BotInfoCache } from "./bot-info-cache.ts";

const TOKEN = testToken("Kept");

const fleetState = (service: ServiceProcess) => fleetEntry(service.url, "kept");

/** Every file under `dir`, as text (the store's files are binary; a token would still show). */
function allBytes(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(path.join(entry.parentPath, entry.name)).toString("latin1"))
    .join("\n");
}

describe("GETME_CACHE in the embedded default", () => {
  let standIn: BotApiStandIn;
  let bots: BotsDir;
  let dataDir: string;
  let env: Record<string, string>;
  const running: ServiceProcess[] = [];
  const start = async (extra: Record<string, string> = {}) => {
    const service = await spawnService({ env: { ...env, ...extra } });
    running.push(service);
    return service;
  };
  const stop = async (service: ServiceProcess) => {
    service.kill("SIGTERM");
    await service.exited;
  };

  beforeAll(async () => {
    standIn = await startBotApiStandIn();
    bots = createBotsDir({ kept: simpleBot("Kept", { "a.ts": composerSource(`c.on("message:text", (ctx) => ctx.reply("kept " + ctx.message.text));`) }) });
    dataDir = mkdtempSync(path.join(os.tmpdir(), "cb-getme-cache-"));
    env = { BOTS_DIR: bots.dir, TELEGRAM_API_ROOT: standIn.apiRoot, DATA_DIR: dataDir, BOT_MODE: "internal", FLOOD_CONTROL: "false" };
  });
  afterAll(async () => {
    for (const service of running) if (service.child.exitCode === null) await stop(service);
    await standIn?.close();
    bots?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("is ready from the kept answer while getMe fails, still checks it, and waits for getMe when off", async () => {
    const first = await start();
    await until(async () => (await fleetState(first))?.state === "ready");
    await stop(first);
    expect(allBytes(dataDir)).not.toContain(TOKEN);

    // Telegram cannot be reached for getMe from now on.
    standIn.injectFault({ method: "getMe", times: Number.POSITIVE_INFINITY, fault: { kind: "server-error", status: 502 } });
    const getMeCalls = () => standIn.calls({ token: TOKEN, method: "getMe" });
    const before = getMeCalls().length;
    const second = await start();
    await until(async () => (await fleetState(second))?.state === "ready");
    expect(await postUpdate(second, "Kept", textUpdate(1, 7, "hello"), testKey("Kept"))).toBe(200);
    await until(() => standIn.sentMessages({ chatId: 7 }).some((m) => m.text === "kept hello"));
    // It asked Telegram all the same, and was answered 502.
    await until(() => getMeCalls().length > before);
    expect(getMeCalls().slice(before).every((call) => call.fault === "server-error")).toBe(true);

    // The token is revoked: the check still running in the background fails the bot.
    standIn.clearFaults();
    standIn.rejectToken(TOKEN);
    const failed = await until(async () => {
      const entry = await fleetState(second);
      return entry?.state === "failed" ? entry : undefined;
    }, 60_000);
    expect(failed.failure).toMatchObject({ code: "TOKEN_REJECTED" });
    await stop(second);

    // Off: the kept answer is not used, the bot waits for getMe.
    standIn.clearFaults();
    standIn.injectFault({ method: "getMe", times: Number.POSITIVE_INFINITY, fault: { kind: "server-error", status: 502 } });
    const third = await start({ GETME_CACHE: "off" });
    await third.waitForLog((line) => line.msg === "getMe failed, retrying");
    expect((await fleetState(third))?.state).toBe("starting");
    await stop(third);
    standIn.clearFaults();
  });
});

const redisSkip = await redisSkipReason();

describe.skipIf(redisSkip !== undefined)(`the getMe cache on queue mode's Redis${redisSkip === undefined ? "" : ` (skipped: ${redisSkip})`}`, () => {
  const scope = new SharedRedisScope();
  afterAll(() => scope.release());

  it("keys by a digest of the token: the token is nowhere in Redis, and a new token is a miss", async () => {
    const { prefix, connection } = scope.open("getme-cache");
    const cache = new BotInfoCache(redisBotStorage(connection, prefix, pino({ level: "silent" })), pino({ level: "silent" }));
    const info = { id: 123456, is_bot: true as const, first_name: "Kept", username: "kept_bot", can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false, has_topics_enabled: false, allows_users_to_create_topics: false, can_manage_bots: false, supports_join_request_queries: false };
    await cache.write("Kept", TOKEN, info);
    expect(await cache.read("Kept", TOKEN)).toEqual(info);
    expect(await cache.read("Kept", testToken("Other"))).toBeUndefined();
    const keys = await connection.keys(`${prefix}:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(TOKEN);
    expect(await connection.get(keys[0] ?? "")).not.toContain(TOKEN);
    // What is not a getMe answer is not used.
    await connection.set(keys[0] ?? "", JSON.stringify({ __d: { id: "x" } }));
    expect(await cache.read("Kept", TOKEN)).toBeUndefined();
  });
});

describe("GETME_CACHE and live reload", () => {
  it("keeps the getMe answer of a bot added while the service runs, so the next start is ready from it", async () => {
    const standIn = await startBotApiStandIn();
    const bots = createBotsDir({ kept: simpleBot("Kept", { "a.ts": composerSource(`c.on("message:text", (ctx) => ctx.reply("kept"));`) }) });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "cb-getme-cache-reload-"));
    const env = { BOTS_DIR: bots.dir, TELEGRAM_API_ROOT: standIn.apiRoot, DATA_DIR: dataDir, BOT_MODE: "internal", FLOOD_CONTROL: "false" };
    const running: ServiceProcess[] = [];
    try {
      const first = await spawnService({ env });
      running.push(first);
      await until(async () => (await fleetEntry(first.url, "kept"))?.state === "ready");
      // Added by live reload (the folder is watched), and started with getMe.
      bots.addBot("added", simpleBot("Added", { "a.ts": composerSource(`c.on("message:text", (ctx) => ctx.reply("added " + ctx.message.text));`) }));
      await until(async () => (await fleetEntry(first.url, "added"))?.state === "ready", 60_000);
      first.kill("SIGTERM");
      await first.exited;

      // Telegram cannot be reached for getMe: the added bot is ready from what its getMe answered.
      standIn.injectFault({ method: "getMe", times: Number.POSITIVE_INFINITY, fault: { kind: "server-error", status: 502 } });
      const second = await spawnService({ env });
      running.push(second);
      await until(async () => (await fleetEntry(second.url, "added"))?.state === "ready", 60_000);
      expect(await postUpdate(second, "Added", textUpdate(1, 8, "hello"), testKey("Added"))).toBe(200);
      await until(() => standIn.sentMessages({ chatId: 8 }).some((m) => m.text === "added hello"));
    } finally {
      for (const service of running) {
        if (service.child.exitCode !== null) continue;
        service.kill("SIGTERM");
        await service.exited;
      }
      await standIn.close();
      bots.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
