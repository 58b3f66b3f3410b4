/**
 * Starting the systems under test as processes: the Bot API stand-in, this service
 * (`src/main.ts` on generated bots) and the baseline servers. Each resolves once it listens.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { freePort } from "../../src/testing/free-port.ts";
import os from "node:os";
import path from "node:path";
import type { BotFarm } from "./bot-farm.ts";
import { startNodeScript, type Child } from "./processes.ts";
import { StandInClient } from "./stand-in-client.ts";

export interface StandInProcess {
  child: Child;
  client: StandInClient;
}

/** `latencyMs`: every answer that much later, as a Bot API across a network would be. */
export async function startStandIn(options: { latencyMs?: number } = {}): Promise<StandInProcess> {
  const args = options.latencyMs === undefined ? [] : ["--latency-ms", String(options.latencyMs)];
  const child = startNodeScript("bot-api-stand-in", "src/testing/bot-api-stand-in/main.ts", args);
  const line = await child.waitForJson((v) => typeof v.apiRoot === "string", 30_000);
  return { child, client: new StandInClient(String(line.apiRoot)) };
}

export interface ServiceProcess {
  child: Child;
  url: string;
  /** ms from spawn to the "service started" line (bots loaded, HTTP listening). */
  startedMs: number;
}

export interface ServiceStartOptions {
  env?: Record<string, string>;
  nodeFlags?: string[];
  timeoutMs?: number;
  /** Listen here (a restarted service keeps its address). @defaultValue a free port */
  port?: number;
}

/** Log folders of the services started here, removed when the bench exits (kept, and named, with BENCH_KEEP_LOGS=1: to find out why a chaos run lost an update). */
const logDirs: string[] = [];
process.once("exit", () => {
  if (process.env.BENCH_KEEP_LOGS === "1") {
    if (logDirs.length > 0) process.stderr.write(`[bench] service logs kept in: ${logDirs.join(" ")}\n`);
    return;
  }
  for (const dir of logDirs) rmSync(dir, { recursive: true, force: true });
});

/** `--set KEY=VALUE` of the bench command: applied to every service process (API and workers). */
let overrides: Record<string, string> = {};
export function setServiceEnvOverrides(env: Record<string, string>): void {
  overrides = { ...env };
}

/** Environment of the service under test: generated bots, the stand-in, any free port, a temp log dir. */
export function serviceEnv(farm: BotFarm, apiRoot: string, extra: Record<string, string> = {}): Record<string, string> {
  const logDir = mkdtempSync(path.join(os.tmpdir(), "bench-logs-"));
  logDirs.push(logDir);
  return {
    BOTS_DIR: farm.dir,
    TELEGRAM_API_ROOT: apiRoot,
    INTERNAL_BOT_API_PORT: "0",
    INTERNAL_BOT_API_IP: "127.0.0.1",
    // warn: keeps the log out of the measurement. The default info log has no line per processed
    // update any more (JOURNAL_LOG=off), but a farm of many bots writes lines per bot at start
    // (loaded, state changed), and a `--set JOURNAL_LOG=all` would add one per update: that would
    // measure pino and the bench's own pipe reading instead of the service. Warnings still show.
    LOG_LEVEL: "warn",
    LOG_DIR: logDir,
    // Each service process its own store (a fresh one: nothing recovered from an earlier run).
    DATA_DIR: mkdtempSync(path.join(logDir, "data-")),
    ...extra,
    ...overrides,
  };
}


export async function startService(farm: BotFarm, apiRoot: string, options: ServiceStartOptions = {}): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const begin = performance.now();
  const child = startNodeScript("service", "src/main.ts", [], {
    env: serviceEnv(farm, apiRoot, { INTERNAL_BOT_API_PORT: String(port), ...options.env }),
    nodeFlags: options.nodeFlags,
    keepLines: 200,
  });
  // /healthz answers once bots are imported and the server listens (what "service started" logs).
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const ok = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (child.process.exitCode !== null) throw new Error(`service exited (${child.process.exitCode}): ${child.stderr.join("\n").slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`service not listening within ${options.timeoutMs ?? 120_000} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, url, startedMs: performance.now() - begin };
}

/**
 * Polls `/readyz?brief` until `count` bots are ready (getMe done). The full /readyz lists every
 * bot folder, 10 ms of the service's main thread at 10,000 ready bots and up to about 100 ms while
 * they start, so the probe held back the start it measured; the brief answer has the counts only.
 * It still waits four times as long as the last answer took (at least 25 ms), so a probe never
 * takes more than a fifth of the service's time.
 */
export async function waitBotsReady(url: string, count: number, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const asked = performance.now();
    const response = await fetch(`${url}/readyz?brief`).catch(() => undefined);
    if (response !== undefined) {
      const body = (await response.json()) as { bots?: { ready?: number } };
      if ((body.bots?.ready ?? 0) >= count) return;
    }
    if (Date.now() > deadline) throw new Error(`${count} bots not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, Math.max(25, 4 * (performance.now() - asked))));
  }
}

/** Starts a baseline script that prints `{"listening": url}`. */
export async function startBaseline(name: string, script: string, args: string[], env: Record<string, string> = {}): Promise<{ child: Child; url: string }> {
  const child = startNodeScript(name, script, args, { env });
  const line = await child.waitForJson((v) => typeof v.listening === "string", 300_000);
  return { child, url: String(line.listening) };
}
