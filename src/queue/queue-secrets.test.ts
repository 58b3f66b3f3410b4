/**
 * No secret kept anywhere in queue mode: a handler throws an error quoting its bot's token and
 * internal key. Afterwards every key of a private Redis (strings, hashes, lists, sets, sorted
 * sets, streams), the output of `jobs failed` and `jobs failed --json`, the log files and the
 * processes' output are searched for both: none holds them. A failure stored unscrubbed (by an
 * older version) is shown scrubbed by `jobs failed` too.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/main.ts";
import { composerSource, simpleBot, testKey, testToken } from "../testing/bot-fixtures.ts";
import { postUpdate, startQueueDeployment, type QueueDeployment } from "../testing/queue-deployment.ts";
import { redisSkipReason, startOwnRedis, type OwnRedis } from "../testing/redis.ts";
import type { ServiceProcess } from "../testing/service-process.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { until } from "../testing/until.ts";
import { partitionKeyPrefixOf, partitionQueueName } from "./queue-names.ts";

const skipReason = await redisSkipReason();

const leaky = composerSource(`c.on("message:text", (ctx) => {
  throw new Error("cannot go on with token " + ctx.env.BOT_TOKEN + " and key " + ctx.env.BOT_INTERNAL_KEY);
});`);

const SECRETS = [testToken("Leaky"), testKey("Leaky")];

/** Everything a Redis holds, as text: every value of every key. */
async function dumpRedis(url: string): Promise<string> {
  const redis = new Redis(url);
  const parts: string[] = [];
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        parts.push(key);
        const type = await redis.type(key);
        if (type === "string") parts.push((await redis.get(key)) ?? "");
        else if (type === "hash") parts.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === "list") parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
        else if (type === "set") parts.push(JSON.stringify(await redis.smembers(key)));
        else if (type === "zset") parts.push(JSON.stringify(await redis.zrange(key, 0, -1)));
        else if (type === "stream") parts.push(JSON.stringify(await redis.xrange(key, "-", "+")));
        else parts.push(`<${type}>`);
      }
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return parts.join("\n");
}

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, env, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function logFiles(dir: string): string {
  return readdirSync(dir)
    .map((name) => readFileSync(path.join(dir, name), "utf8"))
    .join("\n");
}

describe.skipIf(skipReason !== undefined)(`secrets in queue mode${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  let redis: OwnRedis;
  let d: QueueDeployment;
  beforeAll(async () => {
    redis = await startOwnRedis();
    d = await startQueueDeployment({ redisUrl: redis.url, bots: { leaky: simpleBot("Leaky", { "a.ts": leaky }) }, apis: 1, workers: 1, env: { HANDLER_MAX_ATTEMPTS: "2", JOURNAL_LOG: "all" } });
  });
  afterAll(async () => {
    await d?.close();
    await redis?.stop();
  });

  it("keeps a handler error's token and key out of Redis, jobs failed, the logs and the process output", async () => {
    const [api] = d.apis as [ServiceProcess];
    expect((await postUpdate(api, "Leaky", textUpdate(1, 5, "boom"))).status).toBe(200);
    const listed = await until(async () => {
      const result = await cli(["jobs", "failed", "--json"], d.env);
      const failed = JSON.parse(result.out || "[]") as Array<{ error: string }>;
      return failed.length === 1 ? { json: result.out, failed } : undefined;
    });
    // The error is there, with the secrets taken out.
    expect(listed.failed[0]?.error).toContain("cannot go on with token [redacted] and key [redacted]");
    const table = await cli(["jobs", "failed"], d.env);
    expect(table.code).toBe(0);
    expect(table.out).toContain("[redacted]");
    // The journal record of the failed update is in drf_save (consumed by the worker) and in the log.
    await until(() => d.workers[0]?.logs().some((l) => l.msg === "journal record" && l.update_id === 1));

    const places: Record<string, string> = {
      redis: await dumpRedis(redis.url),
      "jobs failed": table.out + table.err,
      "jobs failed --json": listed.json,
      "log files": logFiles(d.env.LOG_DIR ?? ""),
      "process output": [...d.apis, ...d.workers].flatMap((p) => [...p.stdout, ...p.stderr]).join("\n"),
    };
    expect(places.redis).toContain("[redacted]");
    for (const [place, text] of Object.entries(places)) {
      for (const secret of SECRETS) expect(text.includes(secret), `${place} holds a secret`).toBe(false);
    }
  });

  it("shows a failure an older version stored unscrubbed with the secrets taken out", async () => {
    const client = new Redis(redis.url);
    try {
      const queueKey = `${partitionKeyPrefixOf(d.prefix, 0)}:${partitionQueueName(0)}`;
      const jobKey = `${queueKey}:old-1`;
      const update = textUpdate(99, 7, "old");
      await client.hset(jobKey, { name: "update", data: JSON.stringify({ bot: "Leaky", update, accepted_at: Date.now() }), opts: "{}", timestamp: Date.now(), failedReason: `old failure with ${testToken("Leaky")}`, finishedOn: Date.now(), attemptsMade: 1, stacktrace: "[]" });
      await client.zadd(`${queueKey}:failed`, Date.now(), "old-1");
    } finally {
      client.disconnect();
    }
    const json = await cli(["jobs", "failed", "--json"], d.env);
    const table = await cli(["jobs", "failed"], d.env);
    expect(json.out).toContain("old failure with [redacted]");
    for (const text of [json.out, table.out]) for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
});
