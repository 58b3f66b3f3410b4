/**
 * Queue mode on a real Redis Cluster: three masters started for this file (torn down after), two
 * API processes and three workers as real child processes with REDIS_CLUSTER=true, bots answering
 * through the Bot API stand-in with a per-chat session count (sessions and flood control live in
 * the cluster too). Pins what the cluster layout promises: nothing lost and each chat in order, a
 * worker SIGKILLed mid-update whose update another worker takes over, one handling across two API
 * processes, a failed update listed and run again from the command line, the counts and the live
 * workers; and the keys themselves: each partition on one slot, the partitions over several shards.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/main.ts";
import { composerSource, simpleBot } from "../testing/bot-fixtures.ts";
import { killWorkerMidUpdate, postUpdate, startedOn, startQueueDeployment, type QueueDeployment } from "../testing/queue-deployment.ts";
import { keysByNode, redisClusterSkipReason, startRedisCluster, type LocalRedisCluster } from "../testing/redis-cluster.ts";
import { textUpdate } from "../testing/service-harness.ts";
import type { ServiceProcess } from "../testing/service-process.ts";
import { until } from "../testing/until.ts";
import { JOURNAL_QUEUE, UPDATES_QUEUE } from "./queue-names.ts";

const skipReason = await redisClusterSkipReason();
const PARTITIONS = 16;

/** "<ms>:<label>": sleeps ms, counts the update in the chat's session, replies "<label> #<count>". Fails while the flag file exists, for "fragile..." labels. */
const handler = composerSource(`import { existsSync } from "node:fs";
c.on("message:text", async (ctx) => {
  const [ms, label] = ctx.message.text.split(":");
  if (label.startsWith("fragile") && existsSync(ctx.env.FAIL_FLAG)) throw new Error("fragile update failed on purpose");
  await new Promise((r) => setTimeout(r, Number(ms)));
  ctx.session.n = (ctx.session.n ?? 0) + 1;
  await ctx.reply(label + " #" + ctx.session.n);
});`);

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, env, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}


/** The tag of a queue key, `{prefix:3}` or `{prefix}`, or undefined for another key. */
function tagOf(key: string): string | undefined {
  return /^\{[^}]*\}/.exec(key)?.[0];
}

describe.skipIf(skipReason !== undefined)(`queue mode on a Redis Cluster of three shards${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  let cluster: LocalRedisCluster;
  let d: QueueDeployment;
  const flagDir = mkdtempSync(path.join(os.tmpdir(), "cb-flag-"));
  const flag = path.join(flagDir, "fail");

  beforeAll(async () => {
    cluster = await startRedisCluster();
    const bots = { c: simpleBot("Clustered", { "a.ts": handler }, { FAIL_FLAG: flag }) };
    d = await startQueueDeployment({
      redisUrl: cluster.url,
      bots,
      apis: 2,
      workers: 3,
      env: { REDIS_CLUSTER: "true", QUEUE_PARTITIONS: String(PARTITIONS), HANDLER_MAX_ATTEMPTS: "2", JOURNAL_LOG: "all" },
    });
  });
  afterAll(async () => {
    await d?.close();
    await cluster?.stop();
    rmSync(flagDir, { recursive: true, force: true });
  });

  it("keeps each chat in order with its session over all workers, and recovers an update whose worker was SIGKILLed mid-update", async () => {
    const { victim, byChat } = await killWorkerMidUpdate(d, "Clustered", 30, 60_000);
    for (const chat of [1, 2, 3, 4, 5, 6]) {
      // The count is the session's: each update read the one its predecessor wrote, on whichever worker.
      expect(byChat.get(String(chat))).toEqual([0, 1, 2, 3].map((i) => `c${chat}-${i} #${i + 1}`));
    }
    expect(d.standIn.sentMessages()).toHaveLength(24);
    const survivors = d.workers.filter((w) => w !== victim);
    expect(survivors.some((w) => startedOn(w, 100))).toBe(true);
    expect(d.workers.filter((w) => w.logs().some((l) => l.msg === "update job started")).length).toBeGreaterThan(1);
    d.workers = survivors;
  });

  it("handles an update delivered to two API processes, and redelivered later, once", async () => {
    const [api1, api2] = d.apis as [ServiceProcess, ServiceProcess];
    const update = textUpdate(700, 7, "0:once");
    const answers = await Promise.all([postUpdate(api1, "Clustered", update), postUpdate(api2, "Clustered", update)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await d.standIn.waitFor((s) => s.sentMessages({ chatId: 7 }).length === 1);
    expect((await postUpdate(api2, "Clustered", update)).status).toBe(200);
    const routed = () => [api1, api2].flatMap((api) => api.logs().filter((l) => l.msg === "update routed" && l.update_id === 700).map((l) => l.result));
    await until(() => routed().length === 3);
    expect(routed().sort()).toEqual(["accepted", "duplicate", "duplicate"]);
    await until(() => d.workers.some((w) => w.logs().some((l) => l.msg === "journal record" && l.update_id === 700)));
    await new Promise((r) => setTimeout(r, 300));
    expect(d.standIn.sentMessages({ chatId: 7 }).map((m) => m.text)).toEqual(["once #1"]);
  });

  it("keeps a failed update; jobs failed lists it, jobs retry runs it once; jobs stats and jobs workers read the cluster", async () => {
    const [api1] = d.apis as [ServiceProcess];
    writeFileSync(flag, "on");
    expect((await postUpdate(api1, "Clustered", textUpdate(950, 95, "0:fragile-950"))).status).toBe(200);
    type Failed = { id: string; bot: string; update_id: number; error: string };
    const failed = await until(async () => {
      const listed = JSON.parse((await cli(["jobs", "failed", "--json"], d.env)).out) as Failed[];
      return listed.length === 1 ? listed : undefined;
    });
    expect(failed[0]).toMatchObject({ bot: "Clustered", update_id: 950, error: expect.stringContaining("fragile update failed on purpose") as unknown });
    type Counts = { queue: string; waiting: number; active: number; failed: number };
    const stats = JSON.parse((await cli(["jobs", "stats", "--json"], d.env)).out) as Counts[];
    expect(stats.map((s) => s.queue)).toEqual([UPDATES_QUEUE, JOURNAL_QUEUE]);
    expect(stats[0]?.failed).toBe(1);

    rmSync(flag);
    expect(existsSync(flag)).toBe(false);
    expect(await cli(["jobs", "retry", failed[0]?.id ?? ""], d.env)).toMatchObject({ code: 0, out: "Retried 1 failed update(s)." });
    await d.standIn.waitFor((s) => s.sentMessages({ chatId: 95 }).length === 1);
    expect(d.standIn.sentMessages({ chatId: 95 }).map((m) => m.text)).toEqual(["fragile-950 #1"]);
    await until(async () => {
      const after = JSON.parse((await cli(["jobs", "stats", "--json"], d.env)).out) as Counts[];
      return after[0]?.failed === 0 && after[0].waiting === 0 && after[0].active === 0;
    });
    expect(JSON.parse((await cli(["jobs", "failed", "--json"], d.env)).out)).toEqual([]);

    // The two live workers (the third was killed), their shares disjoint and covering every partition.
    const live = await until(async () => {
      const listed = JSON.parse((await cli(["jobs", "workers", "--json"], d.env)).out) as Array<{ worker: string; partitions: number[] }>;
      return listed.length === 2 ? listed : undefined;
    });
    expect(live.flatMap((w) => w.partitions).sort((a, b) => a - b)).toEqual(Array.from({ length: PARTITIONS }, (_, i) => i));
  });

  it("keeps each partition's keys in one slot, and spreads the partitions over the shards", async () => {
    const byNode = await keysByNode(cluster, `{${d.prefix}*`);
    const nodeOfTag = new Map<string, Set<number>>();
    byNode.forEach((keys, node) => {
      for (const key of keys) {
        const tag = tagOf(key) ?? key;
        nodeOfTag.set(tag, (nodeOfTag.get(tag) ?? new Set()).add(node));
      }
    });
    // Every partition has keys (its meta at least), each tag's keys sit on one node.
    const partitionTags = Array.from({ length: PARTITIONS }, (_, i) => `{${d.prefix}:${i}}`);
    for (const tag of partitionTags) expect(nodeOfTag.get(tag)?.size, tag).toBe(1);
    for (const [tag, nodes] of nodeOfTag) expect(nodes.size, tag).toBe(1);
    const shards = new Set(partitionTags.flatMap((tag) => [...(nodeOfTag.get(tag) ?? [])]));
    expect(shards.size).toBeGreaterThanOrEqual(2);
    // What keeps the deployment's tag: drf_save and the worker membership set.
    const deploymentKeys = byNode.flat().filter((key) => tagOf(key) === `{${d.prefix}}`);
    expect(deploymentKeys.some((key) => key.startsWith(`{${d.prefix}}:${JOURNAL_QUEUE}:`))).toBe(true);
    expect(deploymentKeys).toContain(`{${d.prefix}}:${UPDATES_QUEUE}:workers`);
    expect(deploymentKeys.filter((key) => key.startsWith(`{${d.prefix}}:${UPDATES_QUEUE}.`))).toEqual([]);
    // The dedup claim of update 700 lives with its partition's keys.
    const claims = byNode.flat().filter((key) => key.endsWith(":de:Clustered.700"));
    expect(claims).toHaveLength(1);
    expect(partitionTags).toContain(tagOf(claims[0] ?? ""));
    // The sessions: one bot's sessions share its tag, on one node.
    const sessions = await keysByNode(cluster, `${d.prefix}:session:*`);
    expect(sessions.flat().length).toBeGreaterThan(0);
    expect(sessions.filter((keys) => keys.length > 0)).toHaveLength(1);
  });
});
