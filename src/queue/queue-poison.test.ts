/**
 * A poison update in queue mode: its handler kills the worker running it (SIGKILL, a real child
 * process). Past QUEUE_MAX_STALLED_COUNT deaths BullMQ fails its job without running it again;
 * the update still gets its journal record (status error, why), `jobs failed` lists it, and the
 * chat's next update runs after it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/main.ts";
import { composerSource, simpleBot } from "../testing/bot-fixtures.ts";
import { textUpdate } from "../testing/service-harness.ts";
import type { ServiceProcess } from "../testing/service-process.ts";
import { postUpdate, startQueueDeployment, type QueueDeployment } from "../testing/queue-deployment.ts";
import { redisSkipReason, SHARED_REDIS_URL } from "../testing/redis.ts";
import { until } from "../testing/until.ts";

const skipReason = await redisSkipReason();

const handler = composerSource(`c.on("message:text", async (ctx) => {
  if (ctx.message.text === "poison") process.kill(process.pid, "SIGKILL");
  await ctx.reply(ctx.message.text);
});`);

describe.skipIf(skipReason !== undefined)(`a poison update in queue mode${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  let d: QueueDeployment;

  beforeAll(async () => {
    d = await startQueueDeployment({
      redisUrl: SHARED_REDIS_URL,
      bots: { p: simpleBot("Poisoned", { "a.ts": handler }) },
      apis: 1,
      workers: 2,
      // The first death is already one too many.
      env: { QUEUE_MAX_STALLED_COUNT: "0", JOURNAL_LOG: "all" },
    });
  });
  afterAll(async () => {
    await d?.close();
  });

  it("fails the job after its worker died, writes the update's journal record, lists it, and runs the chat's next update", async () => {
    const api = d.apis[0] as ServiceProcess;
    expect((await postUpdate(api, "Poisoned", textUpdate(501, 5, "poison"))).status).toBe(200);
    const victim = await until(() => d.workers.find((w) => w.child.exitCode !== null || w.child.signalCode !== null));
    expect(victim.child.signalCode).toBe("SIGKILL");
    const survivor = d.workers.find((w) => w !== victim) as ServiceProcess;

    const record = await until(() => survivor.logs().find((l) => l.msg === "journal record" && l.update_id === 501));
    expect(record.journal).toMatchObject({ bot_name: "Poisoned", status: "error", chat_id: 5, attempts: 1 });
    expect(String((record.journal as { error?: unknown }).error)).toContain("stalled more than allowable limit");
    expect(survivor.logs().filter((l) => l.msg === "journal record" && l.update_id === 501)).toHaveLength(1);

    expect((await postUpdate(api, "Poisoned", textUpdate(502, 5, "after the poison"))).status).toBe(200);
    await d.standIn.waitFor((s) => s.sentMessages().some((m) => m.text === "after the poison"), { timeoutMs: 30_000 });
    expect(d.standIn.sentMessages().map((m) => m.text)).toEqual(["after the poison"]);

    const out: string[] = [];
    expect(await runCli(["jobs", "failed", "--bot", "Poisoned", "--json"], d.env, { out: (t) => out.push(t), err: () => undefined })).toBe(0);
    const failed = JSON.parse(out.join("")) as Array<{ update_id: number; error: string }>;
    expect(failed.map((f) => f.update_id)).toEqual([501]);
    expect(failed[0]?.error).toContain("stalled more than allowable limit");
  });
});
