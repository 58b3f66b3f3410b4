/**
 * What a newcomer sees when a start goes wrong, from real child processes: a BOTS_DIR that does
 * not exist stops the service naming BOTS_DIR; an empty one starts with a loud warning; a port in
 * use names the address and the settings to change; and stdout is pretty in a terminal (a real
 * pseudo-terminal), JSON lines everywhere else.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createBotsDir, PROJECT_ROOT, simpleBot } from "../testing/bot-fixtures.ts";
import { spawnService } from "../testing/service-process.ts";

const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempDir(label: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${label}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** What `child` printed up to the line matching `started`; then it is stopped with SIGINT and awaited. */
async function outputUntilStarted(child: ChildProcess, started: RegExp): Promise<string> {
  let output = "";
  await new Promise<void>((resolve, reject) => {
    let errors = "";
    child.stderr?.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (started.test(output)) resolve();
    });
    child.once("exit", () => reject(new Error(`exited before starting: ${output.slice(-2000)}; stderr: ${errors.slice(-2000)}`)));
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  await exited;
  return output;
}

describe("starting the service", () => {
  it("stops with exit code 1 naming BOTS_DIR when the folder does not exist", async () => {
    const missing = path.join(tempDir("no-bots"), "nope");
    const service = await spawnService({ env: { BOTS_DIR: missing }, waitStarted: false });
    expect((await service.exited).code).toBe(1);
    const stderr = service.stderr.join("\n");
    expect(stderr).toContain(`BOTS_DIR=${JSON.stringify(missing)} does not exist`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("starts with a warning when the folder holds no bot", async () => {
    const service = await spawnService({ env: { BOTS_DIR: tempDir("empty-bots") } });
    try {
      expect(service.logs().find((l) => l.code === "NO_BOTS")).toMatchObject({ level: 40, msg: expect.stringContaining("BOTS_DIR holds no bot folder") as string });
    } finally {
      service.kill("SIGTERM");
      await service.exited;
    }
  });

  it("names the address, the port and the settings when the port is taken", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    const bots = createBotsDir({ a: simpleBot("Blocked") });
    try {
      const service = await spawnService({ env: { BOTS_DIR: bots.dir, INTERNAL_BOT_API_PORT: String(port) }, waitStarted: false });
      expect((await service.exited).code).toBe(1);
      const stderr = service.stderr.join("\n");
      expect(stderr).toContain(`cannot listen on 127.0.0.1:${port} (EADDRINUSE): another process already listens there; set INTERNAL_BOT_API_IP / INTERNAL_BOT_API_PORT`);
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      bots.cleanup();
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("pretty-prints its log in a terminal and writes JSON lines into a pipe", async () => {
    const bots = createBotsDir({ a: simpleBot("Printed") });
    const env: NodeJS.ProcessEnv = { ...process.env, BOTS_DIR: bots.dir, INTERNAL_BOT_API_PORT: "0", LOG_DIR: tempDir("pretty-logs"), NODE_OPTIONS: "" };
    delete env.VITEST;
    // Each process its own DATA_DIR: `script` may return before the service it ran let go of its store.
    const dataDir = (label: string): NodeJS.ProcessEnv => ({ ...env, DATA_DIR: tempDir(label) });
    try {
      const service = `${process.execPath} --import tsx src/main.ts`;
      // `script` gives the service a real pseudo-terminal.
      const inTerminal = await outputUntilStarted(spawn("script", ["-qfec", service, "/dev/null"], { cwd: PROJECT_ROOT, env: dataDir("terminal-data") }), /service started/);
      expect(inTerminal).toMatch(/INFO.*service started/);
      expect(inTerminal.split("\n").some((line) => line.trim().startsWith('{"level"'))).toBe(false);
      const piped = await outputUntilStarted(spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: PROJECT_ROOT, env: dataDir("piped-data") }), /"msg":"service started"/);
      const lines = piped.split("\n").filter((line) => line !== "");
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    } finally {
      bots.cleanup();
    }
  });
});
