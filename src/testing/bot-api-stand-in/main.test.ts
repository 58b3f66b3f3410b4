/**
 * main.ts started as its own process, the way the benchmarks run it, driven through the control API.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { Api } from "grammy";
import { grammyError, TOKEN_A } from "./stand-in-test-helpers.ts";

describe("main.ts as its own process", () => {
  it("prints its apiRoot, serves the Bot API and control API, and exits 0 on SIGTERM", async () => {
    const mainPath = fileURLToPath(new URL("./main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", mainPath, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const deadline = performance.now() + 20_000;
      while (!stdout.includes("\n")) {
        if (performance.now() > deadline || child.exitCode !== null) throw new Error(`stand-in did not start: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const { apiRoot } = JSON.parse(stdout.split("\n")[0] ?? "") as { apiRoot: string };
      expect(apiRoot).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const remote = new Api(TOKEN_A, { apiRoot });
      await expect(remote.sendMessage(3, "from afar")).resolves.toMatchObject({ text: "from afar" });
      const injected = await fetch(`${apiRoot}/__stand-in/faults`, {
        method: "POST",
        body: JSON.stringify({ fault: { kind: "server-error" } }),
      });
      expect(injected.status).toBe(200);
      expect((await grammyError(remote.getMe())).error_code).toBe(500);
      const calls = (await (await fetch(`${apiRoot}/__stand-in/calls`)).json()) as Array<{ method: string }>;
      expect(calls.map((c) => c.method)).toEqual(["sendMessage", "getMe"]);

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stdout.trim().split("\n")).toHaveLength(1);
      expect(stdout + stderr).not.toContain(TOKEN_A);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
