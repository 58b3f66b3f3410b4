/**
 * Runs the service as a real child process (`node --import <engine loader> src/main.ts`, or `npm start`) for
 * tests of signals, exit codes and log output. Reads the address from the "service started" line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { engineNodeArgs } from "../boot/engine-node-args.ts";
import { PROJECT_ROOT } from "./bot-fixtures.ts";

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** Every stdout line so far. */
  stdout: string[];
  stderr: string[];
  /** Parsed JSON log lines from stdout. */
  logs(): Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals): void;
}

export interface SpawnServiceOptions {
  env: Record<string, string>;
  /** Run through `npm start` in its own process group (as a terminal or systemd would). */
  viaNpm?: boolean;
  /** Wait for "service started". @defaultValue true */
  waitStarted?: boolean;
  timeoutMs?: number;
  /** Entry module relative to the project (`npm run worker` is src/worker-main.ts). @defaultValue src/main.ts */
  entry?: string;
  /** Extra command-line arguments (not with viaNpm). */
  args?: string[];
  /** The log line that means "started". @defaultValue service started */
  startedMessage?: string;
}

/**
 * One temporary log folder for every child of this test file that is not given its own, and a
 * fresh DATA_DIR per child: tests never write the project's logs/ or data/.
 */
let sharedLogDir: string | undefined;
function temporaryLogDir(): string {
  sharedLogDir ??= mkdtempSync(path.join(os.tmpdir(), "cb-test-logs-"));
  return sharedLogDir;
}

/**
 * Node flags of every child started here. Without TurboFan (`--no-opt`): a test's child lives for
 * seconds, and the optimising compiles V8 makes on its background threads were about 13% of the
 * CPU of a service's start (1.00-1.15 against 0.88-0.94 CPU-s; docs/architecture.md, "The test
 * suite's cost"), paid by some 50 children per `npm test`. Behaviour is the same; speed is never
 * tested.
 */
export const TEST_CHILD_NODE_FLAGS: readonly string[] = ["--no-opt"];

export async function spawnService(options: SpawnServiceOptions): Promise<ServiceProcess> {
  // A DATA_DIR made here is this child's alone and goes when it exits; one the test passes is the test's.
  const ownDataDir = options.env.DATA_DIR === undefined ? mkdtempSync(path.join(os.tmpdir(), "cb-test-data-")) : undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, INTERNAL_BOT_API_PORT: "0", LOG_DIR: temporaryLogDir(), ...(ownDataDir === undefined ? {} : { DATA_DIR: ownDataDir }), ...options.env };
  delete env.NODE_OPTIONS;
  delete env.VITEST;
  const child =
    options.viaNpm === true
      ? spawn("npm", ["start", "--silent"], { cwd: PROJECT_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] })
      : spawn(process.execPath, [...TEST_CHILD_NODE_FLAGS, ...engineNodeArgs(), path.join(PROJECT_ROOT, options.entry ?? "src/main.ts"), ...(options.args ?? [])], { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const parsed: Array<Record<string, unknown>> = [];
  const listeners = new Set<() => void>();
  const collect = (into: string[], parse: boolean) => {
    let buffer = "";
    return (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        into.push(line);
        if (parse && line.startsWith("{")) {
          try {
            parsed.push(JSON.parse(line) as Record<string, unknown>);
          } catch {
            // not a log line
          }
        }
      }
      for (const listener of listeners) listener();
    };
  };
  child.stdout?.on("data", collect(stdout, true));
  child.stderr?.on("data", collect(stderr, false));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // "close", not "exit": a child's last lines may still be in the pipe when it has exited.
    child.on("close", (code, signal) => {
      if (ownDataDir !== undefined) rmSync(ownDataDir, { recursive: true, force: true });
      for (const listener of listeners) listener();
      resolve({ code, signal });
    });
  });

  const waitForLog = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = options.timeoutMs ?? 60_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = parsed.find(predicate);
        if (found !== undefined) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`service exited before the expected log line; stderr: ${stderr.join("\n").slice(0, 2000)}`));
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for a log line; last lines: ${stdout.slice(-5).join("\n")}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });

  // Through npm the child is npm's shell: signal the whole process group.
  const kill = (signal: NodeJS.Signals = "SIGTERM") => {
    if (options.viaNpm === true && child.pid !== undefined) process.kill(-child.pid, signal);
    else child.kill(signal);
  };

  let url = "";
  if (options.waitStarted !== false) {
    const startedMessage = options.startedMessage ?? "service started";
    let started: Record<string, unknown>;
    try {
      started = await waitForLog((l) => l.msg === startedMessage);
    } catch (error) {
      // A child that never started must not outlive the test that asked for it.
      if (child.exitCode === null && child.signalCode === null) kill("SIGKILL");
      throw error;
    }
    url = typeof started.address === "string" ? started.address : "";
  }
  return {
    child,
    url,
    stdout,
    stderr,
    logs: () => parsed,
    exited,
    waitForLog,
    kill,
  };
}

/** POSTs an update to the service's `/internal/update` as the gateway would; returns the status. */
export async function postUpdate(service: Pick<ServiceProcess, "url">, botName: string, update: unknown, key: string): Promise<number> {
  const response = await fetch(`${service.url}/internal/update`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-internal-key": key },
    body: JSON.stringify({ bot_name: botName, update }),
  });
  await response.body?.cancel();
  return response.status;
}
