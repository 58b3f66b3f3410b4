/**
 * Live reload in queue mode over real processes (an API and two workers, BOTS_WATCH=false), each
 * change made visible by `npm run bots -- reload`: the scenario of live-reload-scenario.ts, with
 * every process answering the reload, and none restarted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/main.ts";
import { LIVE_RELOAD_BOTS, runLiveReloadScenario, SCENARIO_TIMEOUT_MS } from "../testing/live-reload-scenario.ts";
import { startQueueDeployment, type QueueDeployment } from "../testing/queue-deployment.ts";
import { redisSkipReason, SHARED_REDIS_URL } from "../testing/redis.ts";

const skipReason = await redisSkipReason();

describe.skipIf(skipReason !== undefined)(`live reload in queue mode${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  let d: QueueDeployment;
  const answers: string[] = [];

  beforeAll(async () => {
    d = await startQueueDeployment({ redisUrl: SHARED_REDIS_URL, bots: LIVE_RELOAD_BOTS, apis: 1, workers: 2, env: { BOTS_WATCH: "false", FLOOD_CONTROL: "false" } });
  });
  afterAll(async () => {
    await d?.close();
  });

  it("adds, changes, keeps a broken edit out, takes the fix and the last of 30 edits, removes, under load, after bots reload", { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const reload = async (): Promise<void> => {
      const out: string[] = [];
      const err: string[] = [];
      await runCli(["reload", "--json"], d.env, { out: (t) => out.push(t), err: (t) => err.push(t) });
      const body = JSON.parse(out.join("\n")) as { receivers: number; answers: Array<{ process: string }> };
      // The API and both workers heard it and answered.
      expect(body.answers.map((a) => a.process.split(" ")[0]).sort()).toEqual(["api", "worker", "worker"]);
      answers.push(...body.answers.map((a) => a.process));
    };
    const { timings, sent } = await runLiveReloadScenario({ standIn: d.standIn, bots: d.bots, urls: d.apis.map((a) => a.url), reload, logs: () => [...d.apis, ...d.workers].flatMap((p) => p.logs()) });
    for (const child of [...d.apis, ...d.workers]) {
      expect(child.child.exitCode).toBeNull();
      expect(child.logs().filter((l) => l.msg === "bot state changed" && l.version === undefined && l.from === "starting")).toHaveLength(2);
    }
    expect(answers.length).toBe(6 * 3);
    console.log(`live reload (queue, 1 API + 2 workers), ms from the file change to the first answer: ${JSON.stringify(timings)}; steady load: ${sent} updates`);
  });
});
