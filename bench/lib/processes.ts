/**
 * Child processes of a benchmark: the service, the Bot API stand-in, the baselines and the load
 * generators each run in their own process, so none of them steals the event loop of another.
 * Every child started here is remembered and stopped at exit, even when a suite throws.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { engineNodeArgs } from "../../src/boot/engine-node-args.ts";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** Every stdout line so far. */
  readonly lines: string[];
  readonly stderr: string[];
  /** Resolves with the first stdout line (parsed as JSON) that `predicate` accepts. */
  waitForJson(predicate: (value: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Child>();

/**
 * Node flags for every child, from BENCH_CHILD_NODE_FLAGS (space-separated; none by default). The
 * smoke tests set `--no-opt`: their children live seconds, and TurboFan's compiles were about a
 * sixth of their CPU (docs/architecture.md, "The test suite's cost").
 */
const CHILD_NODE_FLAGS = (process.env.BENCH_CHILD_NODE_FLAGS ?? "").split(" ").filter((flag) => flag !== "");

export interface StartOptions {
  env?: Record<string, string>;
  /** Extra flags for node before the script (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Keep only the last lines of stdout (long-running, chatty children). @defaultValue 10000 */
  keepLines?: number;
}

/**
 * Starts `node <loader> <script> ...args` from the project root: the engine loader, as `npm start`
 * does, except for the baselines, which run as a user of grammY or BullMQ alone runs them, on tsx.
 */
export function startNodeScript(name: string, script: string, args: string[] = [], options: StartOptions = {}): Child {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.NODE_OPTIONS;
  delete env.VITEST;
  const loader = script.startsWith("bench/baselines/") ? ["--import", "tsx"] : engineNodeArgs();
  const child = spawn(process.execPath, [...CHILD_NODE_FLAGS, ...(options.nodeFlags ?? []), ...loader, path.resolve(PROJECT_ROOT, script), ...args], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${script}`);
  const keepLines = options.keepLines ?? 10_000;
  const lines: string[] = [];
  const stderr: string[] = [];
  const listeners = new Set<() => void>();
  const collect = (into: string[]) => {
    let buffer = "";
    return (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      into.push(...parts);
      if (into.length > keepLines) into.splice(0, into.length - keepLines);
      for (const listener of listeners) listener();
    };
  };
  child.stdout?.on("data", collect(lines));
  child.stderr?.on("data", collect(stderr));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => {
      exitCode = code;
      running.delete(handle);
      for (const listener of listeners) listener();
      resolve(code);
    });
  });

  const waitForJson = (predicate: (value: Record<string, unknown>) => boolean, timeoutMs = 60_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      let scanned = 0;
      const check = () => {
        for (; scanned < lines.length; scanned++) {
          const line = lines[scanned] ?? "";
          if (!line.startsWith("{")) continue;
          try {
            const value = JSON.parse(line) as Record<string, unknown>;
            if (predicate(value)) return done(undefined, value);
          } catch {
            // not JSON: ignore
          }
        }
        if (exitCode !== undefined) done(new Error(`${name} exited (${String(exitCode)}) first; stderr: ${stderr.join("\n").slice(-2000)}`));
      };
      const done = (error: Error | undefined, value?: Record<string, unknown>) => {
        listeners.delete(check);
        clearTimeout(timer);
        if (error !== undefined) reject(error);
        else resolve(value ?? {});
      };
      const timer = setTimeout(() => done(new Error(`${name}: no matching line within ${timeoutMs} ms; stderr: ${stderr.join("\n").slice(-2000)}`)), timeoutMs);
      listeners.add(check);
      check();
    });

  const handle: Child = {
    name,
    process: child,
    pid: child.pid,
    lines,
    stderr,
    waitForJson,
    exited,
    async stop(graceMs = 10_000) {
      if (exitCode !== undefined) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(handle);
  return handle;
}

/**
 * Runs a script that prints one JSON result as its last stdout line, and returns that result. The
 * input goes in a file named by the script's first argument (a plan for 1000 bots is over the
 * size of an argument list); the script reads it with `readScriptInput`.
 */
export async function runJsonScript<T>(name: string, script: string, input: unknown, timeoutMs: number): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-input-"));
  const file = path.join(dir, "input.json");
  writeFileSync(file, JSON.stringify(input));
  const child = startNodeScript(name, script, [file]);
  const timer = setTimeout(() => child.process.kill("SIGKILL"), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  rmSync(dir, { recursive: true, force: true });
  const last = [...child.lines].reverse().find((line) => line.startsWith("{"));
  if (code !== 0 || last === undefined) throw new Error(`${name} failed (exit ${String(code)}): ${child.stderr.join("\n").slice(-2000)}`);
  return JSON.parse(last) as T;
}

/** The input `runJsonScript` handed to this script. */
export function readScriptInput<T>(): T {
  const file = process.argv[2];
  if (file === undefined) throw new Error("usage: <script> <input.json>");
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

/** Stops every child still running (at the end, or when a suite failed). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop(3000)));
}

/** Resident memory of a process split by kind, in bytes (Linux /proc): all of it, anonymous (heap and native allocations) and file-backed (mapped files: code, and the local store's memory-mapped data file). */
export function residentParts(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
    if (match === null) throw new Error(`no ${field} for pid ${pid}`);
    return Number(match[1]) * 1024;
  };
  return { rss: kb("VmRSS"), anon: kb("RssAnon"), file: kb("RssFile") };
}

/** Resident memory of a process in bytes (Linux /proc). */
export function residentBytes(pid: number): number {
  return residentParts(pid).rss;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system, all threads) a process used so far, in ms (Linux /proc). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}
