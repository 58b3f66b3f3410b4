/**
 * The default log of a real service process holds events, not traffic: with no JOURNAL_URL and
 * JOURNAL_LOG unset, no line speaks of an update that succeeded, while a failed one is still
 * logged by the runner; JOURNAL_LOG=all writes one "journal record" per processed update.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, type TestContext } from "vitest";
import { startBotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { composerSource, createBotsDir, simpleBot, testKey } from "../testing/bot-fixtures.ts";
import { logFileLines } from "../testing/log-files.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { spawnService } from "../testing/service-process.ts";

const handler = composerSource(`c.on("message:text", async (ctx) => { if (ctx.message.text === "fail") throw new Error("handler gave up"); await ctx.reply("ok"); });`);
const SUCCEEDING = [1, 2, 3];
const FAILING = 4;

/** Runs a service process over three updates that succeed and one that fails, and returns the lines of its log files. */
async function logOfOneRun(env: Record<string, string>, onTestFinished: TestContext["onTestFinished"]) {
  const standIn = await startBotApiStandIn();
  const botsDir = createBotsDir({ t: simpleBot("Traffic", { "a.ts": handler }) });
  const logDir = mkdtempSync(path.join(os.tmpdir(), "cb-journal-logs-"));
  onTestFinished(async () => {
    await standIn.close();
    botsDir.cleanup();
    rmSync(logDir, { recursive: true, force: true });
  });
  const service = await spawnService({ env: { BOTS_DIR: botsDir.dir, TELEGRAM_API_ROOT: standIn.apiRoot, LOG_DIR: logDir, HANDLER_MAX_ATTEMPTS: "1", ...env } });
  onTestFinished(() => {
    if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill("SIGKILL");
  });
  for (const id of [...SUCCEEDING, FAILING]) {
    const response = await fetch(`${service.url}/internal/update`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-internal-key": testKey("Traffic") },
      body: JSON.stringify({ bot_name: "Traffic", update: textUpdate(id, 100 + id, id === FAILING ? "fail" : "hi") }),
    });
    expect(response.status).toBe(200);
  }
  await standIn.waitFor((s) => s.sentMessages().length === SUCCEEDING.length);
  await service.waitForLog((l) => l.msg === "update failed" && l.update_id === FAILING);
  service.kill("SIGTERM");
  expect((await service.exited).code).toBe(0);
  return logFileLines(logDir);
}

// Each test runs its own process, stand-in and folders: they run side by side.
describe.concurrent("the journal in the log of a service process", () => {
  it("by default writes no line for an update that succeeded, and still logs the one that failed", async ({ onTestFinished }) => {
    const lines = await logOfOneRun({}, onTestFinished);
    expect(lines.filter((l) => SUCCEEDING.includes(l.update_id as number))).toEqual([]);
    expect(lines.filter((l) => l.msg === "journal record")).toEqual([]);
    expect(lines.filter((l) => l.update_id === FAILING).map(({ level, msg, bot }) => ({ level, msg, bot }))).toEqual([{ level: 50, msg: "update failed", bot: "Traffic" }]);
    // The events are there: start, the bot, shutdown.
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["service starting", "bot loaded", "bot state changed", "service started", "shutdown complete"]));
  });

  it("with JOURNAL_LOG=all writes one journal record per processed update", async ({ onTestFinished }) => {
    const lines = await logOfOneRun({ JOURNAL_LOG: "all" }, onTestFinished);
    const records = lines.filter((l) => l.msg === "journal record").map((l) => [l.update_id, (l.journal as { status: string }).status]);
    expect(records.sort()).toEqual([
      [1, "success"],
      [2, "success"],
      [3, "success"],
      [4, "error"],
    ]);
  });
});
