/**
 * What queue mode keeps in Redis, for the capacity model in docs/scaling.md: on a private
 * redis-server (nothing else in it), an API process with no worker takes N updates over B bots
 * and C chats (bytes and keys per waiting update), then one worker handles them all (bytes and
 * keys left per handled update: the duplicate claims, kept for DEDUP_WINDOW_SECONDS, and the
 * flood-control and partition keys), then the same per bot with the bots idle.
 *
 *   node --import tsx bench/load/redis-footprint.ts [--updates 20000] [--bots 100] [--chats 10000]
 *
 * Prints one JSON object. The updates are posted 50 at a time, unpaced: nothing here is timed.
 */
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { createBotFarm } from "../lib/bot-farm.ts";
import { startOwnRedis } from "../../src/testing/redis.ts";
import { startNodeScript, sleep } from "../lib/processes.ts";
import { serviceEnv, startService, startStandIn, waitBotsReady } from "../lib/systems.ts";

const { values } = parseArgs({ options: { updates: { type: "string", default: "20000" }, bots: { type: "string", default: "100" }, chats: { type: "string", default: "10000" } } });
const updates = Number(values.updates);
const botCount = Number(values.bots);
const chats = Number(values.chats);

/** MEMORY USAGE of every key, summed by kind: the part of the name after the queue's, with ids and numbers folded. */
async function byKind(redis: Redis): Promise<Record<string, { keys: number; bytes: number }>> {
  const kinds: Record<string, { keys: number; bytes: number }> = {};
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const kind = key.replace(/\{[^}]*\}/g, "{tag}").replace(/:de:.*/, ":de:<bot:update_id>").replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "<job>").replace(/\d+/g, "<n>");
      const entry = (kinds[kind] ??= { keys: 0, bytes: 0 });
      entry.keys += 1;
      entry.bytes += Number(await redis.memory("USAGE", key)) || 0;
    }
  } while (cursor !== "0");
  return kinds;
}

async function footprint(redis: Redis): Promise<{ bytes: number; keys: number }> {
  const info = await redis.info("memory");
  return { bytes: Number(/used_memory:(\d+)/.exec(info)?.[1]), keys: await redis.dbsize() };
}

const own = await startOwnRedis();
const redis = new Redis(own.url);
const farm = createBotFarm(botCount);
const standIn = await startStandIn();
const env = { REDIS_URL: own.url };
const bare = await footprint(redis);
const api = await startService(farm, standIn.client.apiRoot, { env });
try {
  await waitBotsReady(api.url, farm.bots.length);
  const empty = await footprint(redis);
  for (let n = 0; n < updates; n += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, updates - n) }, async (_, i) => {
        const id = n + i + 1;
        const bot = farm.bots[id % farm.bots.length];
        if (bot === undefined) throw new Error("no bot");
        const chat = 1 + (id % chats);
        const update = { update_id: id, message: { message_id: id, date: 0, chat: { id: chat, type: "private" }, from: { id: chat, is_bot: false, first_name: "u" }, text: `hello ${id}` } };
        const response = await fetch(`${api.url}/internal/update`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-internal-key": bot.key },
          body: JSON.stringify({ bot_name: bot.name, update }),
        });
        if (response.status !== 200) throw new Error(`update ${id}: ${response.status} ${await response.text()}`);
      }),
    );
  }
  const waiting = await footprint(redis);
  const worker = startNodeScript("worker", "src/worker-main.ts", [], { env: serviceEnv(farm, standIn.client.apiRoot, env), keepLines: 200 });
  await standIn.client.waitForReplies(updates, 30_000, 600_000);
  await sleep(2000); // the journal's last group commit and the workers' last acknowledgements
  const handled = await footprint(redis);
  await worker.stop(10_000);
  const perUpdate = (to: { bytes: number; keys: number }) => ({ bytes: Math.round((to.bytes - empty.bytes) / updates), keys: (to.keys - empty.keys) / updates });
  process.stdout.write(
    `${JSON.stringify({
      updates,
      bots: botCount,
      chats,
      idleBots: { bytesPerBot: Math.round((empty.bytes - bare.bytes) / botCount), keysPerBot: (empty.keys - bare.keys) / botCount },
      waitingPerUpdate: perUpdate(waiting),
      afterHandledPerUpdate: perUpdate(handled),
      afterHandledByKind: await byKind(redis),
    })}\n`,
  );
} finally {
  await api.child.stop();
  await standIn.child.stop();
  redis.disconnect();
  await own.stop();
  farm.cleanup();
}
