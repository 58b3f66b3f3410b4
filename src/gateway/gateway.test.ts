/**
 * The separate gateway: Telegram (the Bot API stand-in) delivers webhooks to the gateway, which
 * forwards them to the service running as its own child process, and answers 200 only once the
 * service took the update. A service that is down, slow or refusing gets Telegram a non-2xx, so
 * Telegram keeps the update; a service that calls the update invalid gets a 200 (no endless
 * redelivery). Shutdown lets forwards in flight finish.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../config/service-config.ts";
import { createLogger } from "../logging/logger.ts";
import { SecretScrubber } from "../logging/secret-scrubber.ts";
import { startBotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { createBotsDir, simpleBot, testKey, testToken } from "../testing/bot-fixtures.ts";
import { LogCapture } from "../testing/log-capture.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { spawnService } from "../testing/service-process.ts";
import { buildGateway, type Gateway } from "./build-gateway.ts";
import { webhookUrlOf } from "./webhook-bot.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startGateway(botsDir: string, forwardUrl: string, env: Record<string, string | number> = {}): Promise<{ gateway: Gateway; url: string; logs: LogCapture }> {
  const config = parseGatewayConfig({ BOTS_DIR: botsDir, GATEWAY_PORT: 0, GATEWAY_FORWARD_URL: forwardUrl, GATEWAY_FORWARD_TIMEOUT_MS: 2000, LOG_LEVEL: "debug", ...env });
  const logs = new LogCapture();
  const scrubber = new SecretScrubber();
  const { logger } = createLogger({ level: config.LOG_LEVEL, scrubber, extraStream: logs, stdout: false });
  const gateway = await buildGateway({ config, logger, scrubber });
  const { address } = await gateway.start();
  cleanups.push(() => gateway.stop());
  return { gateway, url: address, logs };
}

/** A stand-in for the service's /internal/update that answers what the test says, after `delayMs`. */
async function fakeService(answer: (req: IncomingMessage) => { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }) {
  const seen: Array<{ key: string | undefined; body: unknown }> = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({ key: req.headers["x-internal-key"] as string | undefined, body: JSON.parse(Buffer.concat(chunks).toString()) as unknown });
      const { status, body, headers, delayMs } = answer(req);
      setTimeout(() => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(body ?? {}));
      }, delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${port}`, seen };
}

describe("separate gateway process", () => {
  it("forwards webhooks to the service process with the bot's key, and answers Telegram 200 once it accepted; non-200 while it is down", async () => {
    const standIn = await startBotApiStandIn();
    const bots = createBotsDir({ a: simpleBot("Alpha"), b: simpleBot("Beta") });
    const logDir = mkdtempSync(path.join(os.tmpdir(), "cb-gw-logs-"));
    cleanups.push(() => standIn.close(), () => bots.cleanup(), () => rmSync(logDir, { recursive: true, force: true }));
    const service = await spawnService({ env: { BOTS_DIR: bots.dir, TELEGRAM_API_ROOT: standIn.apiRoot, LOG_DIR: logDir } });
    cleanups.push(() => {
      if (service.child.exitCode === null) service.child.kill("SIGKILL");
    });
    const { gateway, url } = await startGateway(bots.dir, service.url);
    for (const bot of gateway.bots) {
      await fetch(`${standIn.apiRoot}/bot${testToken(bot.name)}/setWebhook`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: webhookUrlOf(url, bot), secret_token: bot.secret }),
      });
    }
    await service.waitForLog((l) => l.msg === "bot state changed" && l.state === "ready" && l.bot === "Beta");
    standIn.pushUpdate(testToken("Alpha"), textUpdate(1, 21, "via gateway"));
    standIn.pushUpdate(testToken("Beta"), textUpdate(1, 22, "beta via gateway"));
    expect((await standIn.deliverWebhook(testToken("Alpha"))).map((d) => d.status)).toEqual([200]);
    expect((await standIn.deliverWebhook(testToken("Beta"))).map((d) => d.status)).toEqual([200]);
    await standIn.waitFor((s) => s.sentMessages().length === 2);
    expect(standIn.sentMessages().map((m) => m.text).sort()).toEqual(["Echo from Alpha: via gateway", "Echo from Beta: beta via gateway"]);

    // The service goes away: Telegram is answered non-200 and keeps the update.
    service.child.kill("SIGKILL");
    await service.exited;
    standIn.pushUpdate(testToken("Alpha"), textUpdate(2, 21, "while down"));
    const down = await standIn.deliverWebhook(testToken("Alpha"));
    expect(down.map((d) => d.status)).toEqual([503]);
    expect(standIn.pendingUpdates(testToken("Alpha")).map((u) => u.update_id)).toEqual([2]);
    expect(standIn.webhook(testToken("Alpha"))?.lastErrorMessage).toBe("Wrong response from the webhook: 503 Service Unavailable");
  });

  it("refuses a wrong secret with 401 without forwarding", async () => {
    const service = await fakeService(() => ({ status: 200, body: { accepted: true } }));
    const bots = createBotsDir({ a: simpleBot("Alpha") });
    cleanups.push(() => bots.cleanup());
    const { url } = await startGateway(bots.dir, service.url);
    const res = await fetch(`${url}/telegram/Alpha`, { method: "POST", headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "wrong" }, body: JSON.stringify(textUpdate(1, 1, "x")) });
    expect(res.status).toBe(401);
    expect(service.seen).toEqual([]);
  });

  it("maps the service's answers: 503 passes on with Retry-After, 403 and 500 keep the update, 400 is answered 200", async () => {
    const answers = [
      { status: 503, body: { error: { code: "BACKLOG_FULL", message: "full" } }, headers: { "retry-after": "7" } },
      { status: 403, body: { error: { code: "WRONG_INTERNAL_KEY", message: "no" } } },
      { status: 500, body: { error: { code: "INTERNAL_ERROR", message: "bug" } } },
      { status: 400, body: { error: { code: "INVALID_UPDATE", message: "bad" } } },
    ];
    let next = 0;
    const service = await fakeService(() => answers[next++] ?? { status: 200 });
    const bots = createBotsDir({ a: simpleBot("Alpha", {}, { BOT_WEBHOOK_SECRET: "s3cret" }) });
    cleanups.push(() => bots.cleanup());
    const { url, logs } = await startGateway(bots.dir, service.url);
    const statuses: Array<[number, string | null, string | undefined]> = [];
    for (let i = 1; i <= 5; i++) {
      const res = await fetch(`${url}/telegram/Alpha`, { method: "POST", headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "s3cret" }, body: JSON.stringify(textUpdate(i, 1, "x")) });
      const body = (await res.json()) as { error?: { code: string } };
      statuses.push([res.status, res.headers.get("retry-after"), body.error?.code]);
    }
    expect(statuses).toEqual([
      [503, "7", "BACKLOG_FULL"],
      [503, "1", "BOT_UNAVAILABLE"],
      [503, "1", "BOT_UNAVAILABLE"],
      [200, null, undefined],
      [200, null, undefined],
    ]);
    expect(service.seen[0]).toEqual({ key: testKey("Alpha"), body: { bot_name: "Alpha", update: textUpdate(1, 1, "x") } });
    expect(logs.find("service rejected the update as invalid; answering Telegram 200 so it is not redelivered", { bot: "Alpha", update_id: 4 })).toHaveLength(1);
    expect(logs.text()).not.toContain("s3cret");
    expect(logs.text()).not.toContain(testKey("Alpha"));
  });

  it("answers 503 when the service does not answer in time", async () => {
    const service = await fakeService(() => ({ status: 200, delayMs: 1500 }));
    const bots = createBotsDir({ a: simpleBot("Alpha", {}, { BOT_WEBHOOK_SECRET: "s3cret" }) });
    cleanups.push(() => bots.cleanup());
    const { url } = await startGateway(bots.dir, service.url, { GATEWAY_FORWARD_TIMEOUT_MS: 300 });
    const res = await fetch(`${url}/telegram/Alpha`, { method: "POST", headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "s3cret" }, body: JSON.stringify(textUpdate(1, 1, "x")) });
    expect(res.status).toBe(503);
  });

  it("on stop lets a forward in flight finish with 200, then takes no more", async () => {
    const service = await fakeService(() => ({ status: 200, body: { accepted: true }, delayMs: 400 }));
    const bots = createBotsDir({ a: simpleBot("Alpha", {}, { BOT_WEBHOOK_SECRET: "s3cret" }) });
    cleanups.push(() => bots.cleanup());
    const { gateway, url } = await startGateway(bots.dir, service.url);
    const post = () => fetch(`${url}/telegram/Alpha`, { method: "POST", headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "s3cret" }, body: JSON.stringify(textUpdate(1, 1, "x")) });
    const inFlight = post();
    await new Promise((r) => setTimeout(r, 100));
    const stopped = gateway.stop();
    expect((await inFlight).status).toBe(200);
    await stopped;
    await expect(post()).rejects.toThrow();
  });

  it("npm run gateway exits 1 with a clear message without GATEWAY_FORWARD_URL", async () => {
    const { spawnSync } = await import("node:child_process");
    const logDir = mkdtempSync(path.join(os.tmpdir(), "gateway-logs-"));
    const env: NodeJS.ProcessEnv = { ...process.env, BOTS_DIR: "/nonexistent", GATEWAY_PORT: "0", LOG_DIR: logDir };
    delete env.GATEWAY_FORWARD_URL;
    delete env.NODE_OPTIONS;
    const result = spawnSync(process.execPath, ["--import", "tsx", path.resolve(import.meta.dirname, "../gateway-main.ts")], { env, encoding: "utf8", timeout: 15_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("GATEWAY_FORWARD_URL is required");
    // One clear line, nothing after it (an unready log stream used to add an unhandled rejection).
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stdout).toBe("");
    rmSync(logDir, { recursive: true, force: true });
  });
});
