/**
 * The plugin compatibility matrix (docs/plugins.md) in queue mode: one API process and two
 * workers as real child processes on a private redis-server, over the Bot API stand-in, one bot
 * per grammY plugin. A two-step conversation survives the worker that ran its first step
 * SIGKILLed (the other worker runs the second), and the sessions' counts go on across workers.
 */
import { execFileSync } from "node:child_process";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionKeyPrefixOf } from "../queue/queue-names.ts";
import { partitionOf } from "../queue/update-partition.ts";
import { startBotApiStandIn, type BotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import {
  conversationFirstStep,
  conversationSecondStep,
  filesRow,
  hydrateRow,
  i18nRow,
  menuRow,
  parseModeRow,
  PLUGIN_BOT_NAMES,
  PLUGIN_WAIT_MS,
  pluginBots,
  ratelimiterRow,
  sessionStep,
  type PluginDeployment,
} from "../testing/plugin-bots.ts";
import { postUpdate, startedOn, startQueueDeployment, type QueueDeployment } from "../testing/queue-deployment.ts";
import { startOwnRedis, type OwnRedis } from "../testing/redis.ts";
import { selfSignedCert, type SelfSignedCert } from "../testing/self-signed-cert.ts";
import type { ServiceProcess } from "../testing/service-process.ts";
import { until } from "../testing/until.ts";

const PARTITIONS = 8;

function redisServerMissing(): string | undefined {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return undefined;
  } catch {
    if (process.env.CI === "true") throw new Error("queue-mode plugin tests need redis-server under CI=true");
    return "no redis-server on PATH";
  }
}
const skipReason = redisServerMissing();

/** The workers' partitions once they are disjoint and cover every partition. */
async function settledShares(workers: readonly ServiceProcess[]): Promise<number[][]> {
  return until(() => {
    const shares = workers.map((w) => w.logs().filter((l) => l.msg === "watching partitions").at(-1)?.partitions as number[] | undefined);
    if (shares.some((share) => share === undefined)) return undefined;
    const all = shares.flatMap((share) => share ?? []).sort((a, b) => a - b);
    return all.join() === Array.from({ length: PARTITIONS }, (_, i) => i).join() ? (shares as number[][]) : undefined;
  }, PLUGIN_WAIT_MS);
}

/**
 * Waits until the job that ran `updateId` on `worker` is finished in Redis (marked finished, or
 * already removed): the update will not run again.
 */
async function jobFinished(redisUrl: string, prefix: string, worker: ServiceProcess, updateId: number): Promise<void> {
  const started = worker.logs().find((l) => l.msg === "update job started" && l.update_id === updateId);
  const queue = String(started?.queue);
  const partition = Number(queue.split(".").at(-1));
  const key = `${partitionKeyPrefixOf(prefix, partition)}:${queue}:${String(started?.job)}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await until(async () => (await redis.exists(key)) === 0 || (await redis.hget(key, "finishedOn")) !== null, PLUGIN_WAIT_MS, 50);
  } finally {
    redis.disconnect();
  }
}

/** The first chat id from 30 up whose updates to `botName` go to a partition in `share`. */
function chatIn(botName: string, share: readonly number[]): number {
  for (let chat = 30; ; chat++) if (share.includes(partitionOf(botName, String(chat), 0, PARTITIONS))) return chat;
}

describe.skipIf(skipReason !== undefined)(`grammY plugins in queue mode${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  let cert: SelfSignedCert;
  let redis: OwnRedis;
  let standIn: BotApiStandIn;
  let q: QueueDeployment;
  let shares: number[][];
  const d: PluginDeployment = {
    get standIn() {
      return standIn;
    },
    async post(botName, update) {
      const api = q.apis[0];
      if (api === undefined) throw new Error("no API process");
      // 503 while the API process is not ready yet: the gateway would retry, so do we.
      const status = await until(async () => {
        const answer = await postUpdate(api, botName, update);
        return answer.status === 503 ? undefined : answer.status;
      }, PLUGIN_WAIT_MS, 100);
      expect(status).toBe(200);
    },
  };

  beforeAll(async () => {
    cert = await selfSignedCert();
    redis = await startOwnRedis();
    standIn = await startBotApiStandIn({ fileTls: { key: cert.key, cert: cert.cert } });
    q = await startQueueDeployment({
      redisUrl: redis.url,
      bots: pluginBots(standIn.fileRoot ?? ""),
      apis: 1,
      workers: 2,
      standIn,
      // @grammyjs/files downloads with https.get: the workers trust the stand-in's file root.
      env: { JOURNAL_LOG: "all", FLOOD_CONTROL: "false", NODE_EXTRA_CA_CERTS: cert.certFile },
    });
    for (const worker of q.workers) {
      for (const bot of PLUGIN_BOT_NAMES) {
        const line = await worker.waitForLog((l) => l.bot === bot && ((l.msg === "bot state changed" && l.state === "ready") || l.msg === "bot not loaded"), PLUGIN_WAIT_MS);
        expect(line).toMatchObject({ msg: "bot state changed", state: "ready" });
      }
    }
    shares = await settledShares(q.workers);
  }, 3 * PLUGIN_WAIT_MS);

  afterAll(async () => {
    await q?.close();
    await standIn?.close();
    await redis?.stop();
    cert?.remove();
  }, PLUGIN_WAIT_MS);

  it("menu: a click runs the button's handler and answers the callback query", () => menuRow(d, 100, 11), PLUGIN_WAIT_MS * 2);
  it("i18n: a reply in the user's language_code", () => i18nRow(d, 200, 12), PLUGIN_WAIT_MS * 2);
  it("hydrate: editText and message.delete reach the Bot API", () => hydrateRow(d, 300, 13), PLUGIN_WAIT_MS * 2);
  it("parse-mode: formatted text goes out with its entities", () => parseModeRow(d, 400, 14), PLUGIN_WAIT_MS * 2);
  it("ratelimiter: a burst from one user is limited (in memory, on the worker that holds the chat)", () => ratelimiterRow(d, 500, 15), PLUGIN_WAIT_MS * 2);
  it("files: ctx.getFile() and file.download() through the stand-in", () => filesRow(d, 600, 16), PLUGIN_WAIT_MS * 2);

  it(
    "conversations and sessions with botStorage: the second step and the counts go on after the worker that held them is SIGKILLed",
    async () => {
      const [first, second] = q.workers as [ServiceProcess, ServiceProcess];
      const talkerChat = 19;
      const victimIndex = shares.findIndex((share) => share.includes(partitionOf("Talker", String(talkerChat), 0, PARTITIONS)));
      const [victim, survivor] = victimIndex === 0 ? [first, second] : [second, first];
      const victimChat = chatIn("Counter", shares[victimIndex] ?? []);
      const survivorChat = chatIn("Counter", shares[1 - victimIndex] ?? []);

      // One user's count in botStorage goes on from one worker to the other.
      await sessionStep(d, 700, victimChat, 5, "chat 1, user 1");
      await sessionStep(d, 701, survivorChat, 5, "chat 1, user 2");
      expect([startedOn(victim, 700), startedOn(survivor, 701)]).toEqual([true, true]);

      await conversationFirstStep(d, 800, talkerChat);
      expect(startedOn(victim, 800)).toBe(true);
      await jobFinished(redis.url, q.prefix, victim, 800);
      victim.kill("SIGKILL");
      expect((await victim.exited).signal).toBe("SIGKILL");

      await conversationSecondStep(d, 801, talkerChat);
      await sessionStep(d, 702, victimChat, 5, "chat 2, user 3");
      expect([startedOn(survivor, 801), startedOn(survivor, 702)]).toEqual([true, true]);
    },
    PLUGIN_WAIT_MS * 4,
  );
});
