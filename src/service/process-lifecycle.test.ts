/**
 * What happens to the log file around a real service process: a clean exit closes it with every
 * line in it, a crash still writes its last line, and with LOG_ROTATE off the process reopens
 * `bots.log` on SIGHUP, after logrotate moved it. Each child logs to its own temporary folder.
 */
import { existsSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, type TestContext } from "vitest";
import { startBotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { composerSource, createBotsDir, simpleBot, testKey } from "../testing/bot-fixtures.ts";
import { logFileLines, logFileNames } from "../testing/log-files.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { spawnService, type ServiceProcess } from "../testing/service-process.ts";

/** Crashes the process from outside any handler's reach, as a bug in a timer would. */
const crashing = composerSource(`c.hears("crash", () => { setTimeout(() => { throw new Error("a bug in a timer"); }, 0); });`);

async function start(onTestFinished: TestContext["onTestFinished"], env: Record<string, string> = {}) {
  const standIn = await startBotApiStandIn();
  const botsDir = createBotsDir({ c: simpleBot("Crashy", { "a.ts": crashing }) });
  const logDir = mkdtempSync(path.join(os.tmpdir(), "cb-lifecycle-logs-"));
  onTestFinished(async () => {
    await standIn.close();
    botsDir.cleanup();
    rmSync(logDir, { recursive: true, force: true });
  });
  const service = await spawnService({ env: { BOTS_DIR: botsDir.dir, TELEGRAM_API_ROOT: standIn.apiRoot, LOG_DIR: logDir, LOG_FORMAT: "json", ...env } });
  onTestFinished(() => {
    if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill("SIGKILL");
  });
  await service.waitForLog((l) => l.msg === "bot state changed" && l.state === "ready");
  return { service, logDir };
}

function messages(lines: ReadonlyArray<Record<string, unknown>>): unknown[] {
  return lines.map((line) => line.msg);
}

async function post(service: ServiceProcess, text: string) {
  await fetch(`${service.url}/internal/update`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-internal-key": testKey("Crashy") },
    body: JSON.stringify({ bot_name: "Crashy", update: textUpdate(1, 1, text) }),
  });
}

// Each test runs its own process, stand-in and folder: they run side by side.
describe.concurrent("the log file of a service process", () => {
  it("on SIGTERM is closed with every line stdout had, the last one included, in a rotated file linked by current.log", async ({ onTestFinished }) => {
    const { service, logDir } = await start(onTestFinished);
    service.kill("SIGTERM");
    expect(await service.exited).toEqual({ code: 0, signal: null });
    const fromFile = logFileLines(logDir);
    expect(messages(fromFile)).toEqual(messages(service.logs()));
    expect(fromFile.at(-1)).toMatchObject({ msg: "shutdown complete" });
    expect(fromFile[0]).toMatchObject({ msg: "service starting", logRotation: { sizeBytes: 50 * 1024 * 1024, keep: 10, interval: "daily" } });
    const [name] = logFileNames(logDir);
    expect(logFileNames(logDir)).toEqual([expect.stringMatching(/^bots\.\d{4}-\d{2}-\d{2}\.1\.log$/)]);
    expect(readlinkSync(path.join(logDir, "current.log"))).toBe(name);
  });

  it("on a crash still holds the fatal line", async ({ onTestFinished }) => {
    const { service, logDir } = await start(onTestFinished);
    await post(service, "crash");
    expect((await service.exited).code).toBe(1);
    expect(logFileLines(logDir).at(-1)).toMatchObject({ msg: "uncaught exception, exiting", err: { message: "a bug in a timer" } });
  });

  it("with LOG_ROTATE=off is bots.log, reopened on SIGHUP after logrotate moved it", async ({ onTestFinished }) => {
    const { service, logDir } = await start(onTestFinished, { LOG_ROTATE: "off" });
    expect(logFileNames(logDir)).toEqual(["bots.log"]);
    renameSync(path.join(logDir, "bots.log"), path.join(logDir, "bots.log.1"));
    service.kill("SIGHUP");
    await service.waitForLog((l) => l.msg === "log file reopened");
    service.kill("SIGTERM");
    expect(await service.exited).toEqual({ code: 0, signal: null });
    const moved = readFileSync(path.join(logDir, "bots.log.1"), "utf8");
    const current = readFileSync(path.join(logDir, "bots.log"), "utf8");
    expect(moved).toContain('"msg":"service starting"');
    expect(current).toContain('"msg":"log file reopened"');
    expect(current).toContain('"msg":"shutdown complete"');
    expect(existsSync(path.join(logDir, "current.log"))).toBe(false);
  });
});
