/**
 * Live reload in the embedded default over a real child process and real files, with the default
 * settings (BOTS_DIR watched): the scenario of live-reload-scenario.ts, in one process throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBotApiStandIn, type BotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { createBotsDir, type BotsDir } from "../testing/bot-fixtures.ts";
import { LIVE_RELOAD_BOTS, runLiveReloadScenario, SCENARIO_TIMEOUT_MS } from "../testing/live-reload-scenario.ts";
import { spawnService, type ServiceProcess } from "../testing/service-process.ts";

describe("live reload in the embedded default", () => {
  let standIn: BotApiStandIn;
  let bots: BotsDir;
  let service: ServiceProcess;

  beforeAll(async () => {
    standIn = await startBotApiStandIn();
    bots = createBotsDir(LIVE_RELOAD_BOTS);
    service = await spawnService({ env: { BOTS_DIR: bots.dir, TELEGRAM_API_ROOT: standIn.apiRoot, BOT_MODE: "internal", FLOOD_CONTROL: "false" } });
  });
  afterAll(async () => {
    service?.kill("SIGTERM");
    await service?.exited;
    await standIn?.close();
    bots?.cleanup();
  });

  it("adds, changes, keeps a broken edit out, takes the fix and the last of 30 edits, removes, under load, in one process", { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const { timings, sent } = await runLiveReloadScenario({ standIn, bots, urls: [service.url], reload: async () => undefined, logs: () => service.logs() });
    expect(service.child.exitCode).toBeNull();
    expect(service.logs().filter((l) => l.msg === "service started")).toHaveLength(1);
    console.log(`live reload (embedded), ms from the file change to the first answer: ${JSON.stringify(timings)}; steady load: ${sent} updates`);
  });
});
