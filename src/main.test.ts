/**
 * The service as a real process: signals (to the process and to its whole group through
 * `npm start`), the drain on shutdown, exit codes, config errors, secrets in stdout and the
 * log file, and a bots folder outside the project.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startBotApiStandIn } from "./testing/bot-api-stand-in/bot-api-stand-in.ts";
import { composerSource, createBotsDir, simpleBot, testKey, testToken } from "./testing/bot-fixtures.ts";
import { logFilesText } from "./testing/log-files.ts";
import { textUpdate } from "./testing/service-harness.ts";
import { spawnService, type ServiceProcess } from "./testing/service-process.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(bots: Record<string, Record<string, string>>, options: { outside?: boolean; env?: Record<string, string>; viaNpm?: boolean } = {}) {
  const standIn = await startBotApiStandIn();
  const botsDir = createBotsDir(bots, { outside: options.outside });
  const logDir = mkdtempSync(path.join(os.tmpdir(), "cb-logs-"));
  cleanups.push(() => standIn.close(), () => botsDir.cleanup(), () => rmSync(logDir, { recursive: true, force: true }));
  const service = await spawnService({
    env: { BOTS_DIR: botsDir.dir, TELEGRAM_API_ROOT: standIn.apiRoot, LOG_DIR: logDir, HANDLER_RETRY_BASE_MS: "20", API_RETRY_BASE_MS: "10", ...options.env },
    viaNpm: options.viaNpm,
  });
  cleanups.push(() => {
    if (service.child.exitCode === null) service.child.kill("SIGKILL");
  });
  return { standIn, botsDir, logDir, service };
}

async function post(service: ServiceProcess, botName: string, update: unknown, key = testKey(botName)) {
  const response = await fetch(`${service.url}/internal/update`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-internal-key": key },
    body: JSON.stringify({ bot_name: botName, update }),
  });
  return { status: response.status, headers: response.headers };
}

const slowHandler = composerSource(
  `c.on("message:text", async (ctx) => { const [ms, label] = ctx.message.text.split(":"); await new Promise((r) => setTimeout(r, Number(ms))); await ctx.reply(label ?? ""); });`,
);

describe("service process", () => {
  it("on SIGTERM refuses new updates with 503, finishes accepted ones, then exits 0", async () => {
    const { service, standIn } = await setup({ d: simpleBot("Drainer", { "a.ts": slowHandler }) });
    await service.waitForLog((l) => l.msg === "bot state changed" && l.state === "ready");
    for (let i = 1; i <= 3; i++) expect((await post(service, "Drainer", textUpdate(i, i, `700:done-${i}`))).status).toBe(200);
    service.kill("SIGTERM");
    await service.waitForLog((l) => l.msg === "shutting down: intake closed, finishing accepted updates");
    const refused = await post(service, "Drainer", textUpdate(9, 9, "0:late"));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).not.toBeNull();
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(standIn.sentMessages().map((m) => m.text).sort()).toEqual(["done-1", "done-2", "done-3"]);
  });

  it("through npm start, SIGINT to the whole process group drains and exits 0", async () => {
    const { service, standIn } = await setup({ g: simpleBot("Group", { "a.ts": slowHandler }) }, { viaNpm: true });
    await service.waitForLog((l) => l.msg === "bot state changed" && l.state === "ready");
    expect((await post(service, "Group", textUpdate(1, 1, "500:finished"))).status).toBe(200);
    service.kill("SIGINT");
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(standIn.sentMessages().map((m) => m.text)).toEqual(["finished"]);
    // The signal reached the service twice (group + npm's forwarding); the drain ran once.
    expect(service.logs().filter((l) => l.msg === "shutdown complete")).toHaveLength(1);
  });

  it("logs what could not finish by SHUTDOWN_DEADLINE_MS, by bot and update_id, and still exits 0", async () => {
    const { service } = await setup({ s: simpleBot("Stuck", { "a.ts": slowHandler }) }, { env: { SHUTDOWN_DEADLINE_MS: "300" } });
    await service.waitForLog((l) => l.msg === "bot state changed" && l.state === "ready");
    expect((await post(service, "Stuck", textUpdate(77, 1, "60000:never"))).status).toBe(200);
    service.kill("SIGTERM");
    expect(await service.exited).toEqual({ code: 0, signal: null });
    // The durable default keeps it for the next start (DURABILITY=memory would give it up).
    expect(service.logs().filter((l) => l.msg === "update not finished at shutdown, kept in the local store for the next start")).toEqual([expect.objectContaining({ bot: "Stuck", update_id: 77 })]);
  });

  it("keeps tokens and internal keys out of stdout and the log files, even when errors carry them", async () => {
    const leaky = composerSource(
      `c.on("message:text", async (ctx) => { if (ctx.message.text === "leak") throw new Error("token is " + ctx.api.token + " key " + ctx.env.BOT_INTERNAL_KEY); await ctx.reply("ok"); });`,
    );
    const { service, standIn, logDir } = await setup({ l: simpleBot("Leaky", { "a.ts": leaky }), o: simpleBot("Other") }, { env: { LOG_LEVEL: "debug", HANDLER_MAX_ATTEMPTS: "2" } });
    await service.waitForLog((l) => l.msg === "bot state changed" && l.state === "ready" && l.bot === "Leaky");
    standIn.injectFault({ token: testToken("Other"), method: "sendMessage", times: 2, fault: { kind: "drop-connection" } });
    await post(service, "Leaky", textUpdate(1, 1, "leak"));
    await post(service, "Other", textUpdate(1, 1, "hi"));
    await post(service, "Leaky", textUpdate(2, 1, "x"), testKey("Other"));
    await service.waitForLog((l) => l.msg === "update failed" && l.bot === "Leaky");
    await standIn.waitFor((s) => s.sentMessages({ token: testToken("Other") }).length === 1);
    service.kill("SIGTERM");
    await service.exited;
    const fileText = logFilesText(logDir);
    const stdoutText = service.stdout.join("\n") + service.stderr.join("\n");
    expect(fileText).toContain("update failed");
    for (const text of [fileText, stdoutText]) {
      for (const secret of [testToken("Leaky"), testToken("Other"), testKey("Leaky"), testKey("Other")]) {
        expect(text).not.toContain(secret);
        // Nor the secret part of a token on its own.
        expect(text).not.toContain(secret.slice(secret.indexOf(":") + 1));
      }
    }
  });

  it("loads bots from a folder outside the project (no package.json, no node_modules)", async () => {
    const external = composerSource(`import { botEnv } from "clustered-bots";\nconst env = botEnv(import.meta.url);\nc.command("where", (ctx) => ctx.reply("outside " + env.PLACE));`);
    const { service, standIn } = await setup({ ext: simpleBot("Outsider", { "where.ts": external }, { PLACE: "tmp" }) }, { outside: true });
    await service.waitForLog((l) => l.msg === "bot state changed" && l.state === "ready" && l.bot === "Outsider");
    expect((await post(service, "Outsider", textUpdate(1, 5, "/where"))).status).toBe(200);
    await standIn.waitFor((s) => s.sentMessages().length === 1);
    expect(standIn.sentMessages()[0]?.text).toBe("outside tmp");
    service.kill("SIGTERM");
    expect((await service.exited).code).toBe(0);
  });

  it("stops at start with exit code 1 and a message naming each bad variable, never a URL's password", async () => {
    const service = await spawnService({ env: { INTERNAL_BOT_API_PORT: "not-a-port", REDIS_URL: "redis://:s3cretPW@127.0.0.1:notaport" }, waitStarted: false });
    expect((await service.exited).code).toBe(1);
    const stderr = service.stderr.join("\n");
    expect(stderr).toContain('INTERNAL_BOT_API_PORT="not-a-port" is not a port number (1-65535, or 0 for any free port)');
    expect(stderr).toContain('REDIS_URL="redis://:***@127.0.0.1:notaport"');
    expect(stderr).not.toContain("s3cretPW");
    expect(service.stdout.join("\n")).not.toContain("s3cretPW");
  });
});
