/**
 * Queue mode as deployed: two API processes and three workers (real child processes) on the real
 * Redis, bots answering through the Bot API stand-in, where every sendMessage is counted. Pins
 * what the issue promises: chats spread over workers and each chat in order; a worker SIGKILLed
 * mid-update hands it to another worker, ahead of the chat's later updates; one handling per
 * (bot, update_id) across API processes; a failed update is kept with its error, listed and run
 * again from the command line (unless a redelivery of it ran since), and its redelivery is not
 * taken for a duplicate; SIGTERM drains.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/main.ts";
import { composerSource, simpleBot } from "../testing/bot-fixtures.ts";
import { textUpdate } from "../testing/service-harness.ts";
import type { ServiceProcess } from "../testing/service-process.ts";
import { until } from "../testing/until.ts";
import { killWorkerMidUpdate, postUpdate, startedOn, startQueueDeployment, type QueueDeployment } from "../testing/queue-deployment.ts";
import { redisSkipReason, SHARED_REDIS_URL } from "../testing/redis.ts";

const skipReason = await redisSkipReason();

/**
 * "<ms>:<label>": sleeps ms, replies label. While the flag file exists, "fragile..." labels throw
 * and "later..." labels ask to be run again in 8 s.
 */
const handler = composerSource(`import { existsSync } from "node:fs";
import { RetryUpdateAfterError } from "clustered-bots";
c.on("message:text", async (ctx) => {
  const [ms, label] = ctx.message.text.split(":");
  if (label.startsWith("fragile") && existsSync(ctx.env.FAIL_FLAG)) throw new Error("fragile update failed on purpose");
  if (label.startsWith("later") && existsSync(ctx.env.FAIL_FLAG)) throw new RetryUpdateAfterError(8000);
  await new Promise((r) => setTimeout(r, Number(ms)));
  await ctx.reply(label);
});`);

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, env, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}


/** The partitions a worker watches now (its last "watching partitions" line), or undefined before its first. */
function shareOf(worker: ServiceProcess): number[] | undefined {
  const lines = worker.logs().filter((l) => l.msg === "watching partitions");
  return lines.at(-1)?.partitions as number[] | undefined;
}

/** Waits until the workers' shares are disjoint and cover every one of the 8 partitions. */
async function sharesSettled(workers: readonly ServiceProcess[]): Promise<number[][]> {
  return until(() => {
    const shares = workers.map(shareOf);
    if (shares.some((share) => share === undefined)) return undefined;
    const all = shares.flatMap((share) => share ?? []).sort((a, b) => a - b);
    return all.join() === "0,1,2,3,4,5,6,7" ? (shares as number[][]) : undefined;
  }, 30_000);
}

describe.skipIf(skipReason !== undefined)(`queue mode with several processes${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  let d: QueueDeployment;
  const flagDir = mkdtempSync(path.join(os.tmpdir(), "cb-flag-"));
  const flag = path.join(flagDir, "fail");

  beforeAll(async () => {
    const bots = { q: simpleBot("Queued", { "a.ts": handler }, { FAIL_FLAG: flag }) };
    d = await startQueueDeployment({ redisUrl: SHARED_REDIS_URL, bots, apis: 2, workers: 3, env: { HANDLER_MAX_ATTEMPTS: "2", SHUTDOWN_DEADLINE_MS: "2000", JOURNAL_LOG: "all" } });
  });
  afterAll(async () => {
    await d?.close();
    rmSync(flagDir, { recursive: true, force: true });
  });

  it("keeps each chat in order over all workers, and recovers an update whose worker was SIGKILLed mid-update", async () => {
    // The three workers split the partitions: each watches its own share.
    const shares = await sharesSettled(d.workers);
    expect(shares.map((share) => share.length).sort()).toEqual([2, 3, 3]);
    // Chat 1's first update is slow: its worker is killed while the handler sleeps.
    const { victim, byChat } = await killWorkerMidUpdate(d, "Queued", 40, 20_000);
    for (const chat of [1, 2, 3, 4, 5, 6]) {
      expect(byChat.get(String(chat))).toEqual([0, 1, 2, 3].map((i) => `c${chat}-${i}`));
    }
    expect(d.standIn.sentMessages()).toHaveLength(24);
    const survivors = d.workers.filter((w) => w !== victim);
    expect(survivors.some((w) => startedOn(w, 100))).toBe(true);
    // The survivors took the dead worker's share over between them.
    expect((await sharesSettled(survivors)).map((share) => share.length)).toEqual([4, 4]);
    // Chats spread: more than one worker handled updates.
    const busy = d.workers.filter((w) => w.logs().some((l) => l.msg === "update job started"));
    expect(busy.length).toBeGreaterThan(1);
    d.workers = survivors;
  });

  it("handles an update delivered to two API processes, and redelivered later, once", async () => {
    const [api1, api2] = d.apis as [ServiceProcess, ServiceProcess];
    const update = textUpdate(700, 7, "0:once");
    const answers = await Promise.all([postUpdate(api1, "Queued", update), postUpdate(api2, "Queued", update)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await d.standIn.waitFor((s) => s.sentMessages({ chatId: 7 }).length === 1);
    expect((await postUpdate(api2, "Queued", update)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(d.standIn.sentMessages({ chatId: 7 }).map((m) => m.text)).toEqual(["once"]);
    const routed = [api1, api2].flatMap((api) => api.logs().filter((l) => l.msg === "update routed" && l.update_id === 700).map((l) => l.result));
    expect(routed.sort()).toEqual(["accepted", "duplicate", "duplicate"]);
    // One drf_save job for it, delivered once to the journal sink (the log, without JOURNAL_URL).
    await until(() => (d.workers.some((w) => w.logs().some((l) => l.msg === "journal record" && l.update_id === 700)) ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(d.workers.flatMap((w) => w.logs().filter((l) => l.msg === "journal record" && l.update_id === 700))).toHaveLength(1);
  });

  it("keeps a finally failed update with its error; jobs failed lists it, jobs retry runs it once, a redelivery is not a duplicate", async () => {
    const [api1, api2] = d.apis as [ServiceProcess, ServiceProcess];
    writeFileSync(flag, "on");
    expect((await postUpdate(api1, "Queued", textUpdate(950, 95, "0:fragile-950"))).status).toBe(200);
    expect((await postUpdate(api1, "Queued", textUpdate(951, 96, "0:fragile-951"))).status).toBe(200);
    type Failed = { id: string; bot: string; update_id: number; error: string };
    const failed = await until(async () => {
      const listed = JSON.parse((await cli(["jobs", "failed", "--bot", "Queued", "--json"], d.env)).out) as Failed[];
      return listed.length === 2 ? listed : undefined;
    });
    expect(failed.map((f) => f.update_id).sort()).toEqual([950, 951]);
    for (const f of failed) expect(f.error).toContain("fragile update failed on purpose");
    expect((JSON.parse((await cli(["jobs", "failed", "--bot", "Nobody", "--json"], d.env)).out) as Failed[]).length).toBe(0);
    const stats = JSON.parse((await cli(["jobs", "stats", "--json"], d.env)).out) as Array<{ queue: string; failed: number }>;
    expect(stats.find((s) => s.queue === "telegram_updates")?.failed).toBe(2);
    expect(stats.map((s) => s.queue)).toEqual(["telegram_updates", "drf_save"]);
    // No reply went out for them (two attempts each, both threw).
    expect(d.standIn.sentMessages({ chatId: 95 })).toHaveLength(0);

    rmSync(flag);
    expect(existsSync(flag)).toBe(false);
    // The sender's redelivery of the failed 951 runs again: the failure released its claim.
    expect((await postUpdate(api2, "Queued", textUpdate(951, 96, "0:fragile-951"))).status).toBe(200);
    await d.standIn.waitFor((s) => s.sentMessages({ chatId: 96 }).length === 1);
    const retried = await cli(["jobs", "retry", failed.find((f) => f.update_id === 950)?.id ?? ""], d.env);
    expect(retried).toMatchObject({ code: 0, out: "Retried 1 failed update(s)." });
    await d.standIn.waitFor((s) => s.sentMessages({ chatId: 95 }).length === 1);
    const left = JSON.parse((await cli(["jobs", "failed", "--bot", "Queued", "--json"], d.env)).out) as Failed[];
    expect(left.map((f) => f.update_id)).toEqual([951]);
    // The retried 950 took its claim back: the sender's redelivery of it now is a duplicate.
    expect((await postUpdate(api2, "Queued", textUpdate(950, 95, "0:fragile-950"))).status).toBe(200);
    // 951 ran through its redelivery: retrying its failed job would reply a second time.
    const all = await cli(["jobs", "retry", "--all"], d.env);
    expect(all.code).toBe(0);
    expect(all.out).toBe(`Retried 0 failed update(s). Not run again, accepted again since (a redelivery): ${left[0]?.id ?? ""}`);
    await new Promise((r) => setTimeout(r, 500));
    expect(d.standIn.sentMessages({ chatId: 95 })).toHaveLength(1);
    expect(d.standIn.sentMessages({ chatId: 96 })).toHaveLength(1);
    expect((await cli(["jobs", "retry"], d.env)).code).toBe(1);
  });

  it("at the shutdown deadline hands an update waiting for its retry back, ahead of the chat's later updates", async () => {
    const [api1] = d.apis as [ServiceProcess];
    expect(d.workers).toHaveLength(2);
    writeFileSync(flag, "on");
    expect((await postUpdate(api1, "Queued", textUpdate(850, 85, "0:later-850"))).status).toBe(200);
    const leaving = await until(() => d.workers.find((w) => w.logs().some((l) => l.msg === "handler failed, update will run again" && l.update_id === 850)));
    expect((await postUpdate(api1, "Queued", textUpdate(851, 85, "0:after-851"))).status).toBe(200);
    rmSync(flag);
    leaving.kill("SIGTERM");
    expect(await leaving.exited).toEqual({ code: 0, signal: null });
    expect(leaving.logs().some((l) => l.msg === "update handed back to the queue at shutdown" && l.update_id === 850)).toBe(true);
    await d.standIn.waitFor((s) => s.sentMessages({ chatId: 85 }).length === 2);
    expect(d.standIn.sentMessages({ chatId: 85 }).map((m) => m.text)).toEqual(["later-850", "after-851"]);
    d.workers = d.workers.filter((w) => w !== leaving);
    // The one worker left watches every partition, and `jobs workers` lists it alone.
    expect((await sharesSettled(d.workers)).map((share) => share.length)).toEqual([8]);
    const live = JSON.parse((await cli(["jobs", "workers", "--json"], d.env)).out) as Array<{ worker: string; partitions: number[] }>;
    const idOf = (w: ServiceProcess) => w.logs().find((l) => l.msg === "watching partitions")?.worker;
    expect(live).toEqual([expect.objectContaining({ worker: idOf(d.workers[0] as ServiceProcess), partitions: [0, 1, 2, 3, 4, 5, 6, 7] })]);
  });

  it("drains on SIGTERM: the update in progress finishes, then the worker exits 0", async () => {
    const [api1] = d.apis as [ServiceProcess];
    expect((await postUpdate(api1, "Queued", textUpdate(800, 8, "1200:drained"))).status).toBe(200);
    const worker = await until(() => d.workers.find((w) => startedOn(w, 800)));
    worker.kill("SIGTERM");
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(d.standIn.sentMessages({ chatId: 8 }).map((m) => m.text)).toEqual(["drained"]);
    expect(worker.logs().filter((l) => l.msg === "shutdown complete")).toEqual([expect.objectContaining({ unfinished: 0 })]);
  });
});
