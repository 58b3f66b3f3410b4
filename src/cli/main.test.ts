import { afterEach, describe, expect, it } from "vitest";
import { composerSource, createBotsDir, envFile, simpleBot, testKey, testToken, type BotsDir } from "../testing/bot-fixtures.ts";
import { runCli } from "./main.ts";

let dirs: BotsDir[] = [];
afterEach(() => {
  for (const d of dirs) d.cleanup();
  dirs = [];
});

async function run(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, env, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("npm run bots -- list", () => {
  it("shows bots with handler files in mount order, fallback or echo, and load errors, without secrets", async () => {
    const bots = createBotsDir({
      a_full: simpleBot("Full", { "b.ts": composerSource(""), "a.ts": composerSource(""), "z_last.ts": composerSource("") }),
      b_echo: simpleBot("Echoer", { "only.ts": composerSource("") }),
      c_broken: { ".env": envFile({ BOT_NAME: "Broken", BOT_TOKEN: testToken("Broken") }) },
      d_leaky: {
        ".env": envFile({ BOT_NAME: "Leaky", BOT_TOKEN: testToken("Leaky"), BOT_INTERNAL_KEY: testKey("Leaky") }),
        "config.ts": `throw new Error("cannot start with key ${testKey("Leaky")}");\n`,
      },
    });
    dirs.push(bots);
    const json = await run(["list", "--json"], { BOTS_DIR: bots.dir });
    // Two folders did not load: non-zero, so a deploy can be gated on it.
    expect(json.code).toBe(1);
    const listing = JSON.parse(json.out) as { bots: Array<Record<string, unknown>>; failed: Array<Record<string, unknown>> };
    expect(listing.bots).toEqual([
      { name: "Full", folder: "a_full", token: `${testToken("Full").split(":")[0]}:***`, handlers: ["a.ts", "b.ts", "z_last.ts"], fallbacks: ["z_last.ts"], echo: false },
      { name: "Echoer", folder: "b_echo", token: `${testToken("Echoer").split(":")[0]}:***`, handlers: ["only.ts"], fallbacks: [], echo: true },
    ]);
    expect(listing.failed).toEqual([
      expect.objectContaining({ folder: "c_broken", code: "MISSING_KEY" }),
      expect.objectContaining({ folder: "d_leaky", code: "CONFIG_IMPORT_FAILED", reason: expect.stringContaining("[redacted]") as unknown }),
    ]);

    const text = await run(["list"], { BOTS_DIR: bots.dir });
    expect(text.code).toBe(1);
    expect(text.out).toContain("2 loaded, 2 not loaded");
    expect(text.out).toMatch(/1\. handlers\/a\.ts\n {2}2\. handlers\/b\.ts\n {2}3\. handlers\/z_last\.ts {2}\[fallback\]/);
    expect(text.out).toContain('2. echo (no fallback file): replies "Echo from Echoer: <text>"');
    for (const output of [json.out, text.out]) {
      for (const name of ["Full", "Echoer", "Broken", "Leaky"]) {
        expect(output).not.toContain(testToken(name));
        expect(output).not.toContain(testKey(name));
      }
    }
  });

  it("exits 0 when every folder loaded", async () => {
    const bots = createBotsDir({ a: simpleBot("Fine") });
    dirs.push(bots);
    expect((await run(["list"], { BOTS_DIR: bots.dir })).code).toBe(0);
  });

  it("fails with exit code 1 and one line naming BOTS_DIR when the folder does not exist", async () => {
    const missing = await run(["list"], { BOTS_DIR: "/nonexistent/bots" });
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('BOTS_DIR="/nonexistent/bots" does not exist (/nonexistent/bots): point BOTS_DIR at the folder that holds one folder per bot');
  });

  it("fails with exit code 1 on an unknown command or a bad config variable", async () => {
    expect((await run(["frobnicate"], {})).code).toBe(1);
    const bad = await run(["list"], { GETME_CONCURRENCY: "zero" });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("GETME_CONCURRENCY");
  });
});
