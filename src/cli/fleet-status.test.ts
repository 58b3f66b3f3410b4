/**
 * `bots status` against a real in-process service: the table and --json from its admin API, and a
 * clear error naming ADMIN_TOKEN when it is unset, wrong, or the service has no admin page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleBot, testKey, testToken } from "../testing/bot-fixtures.ts";
import { startTestService, type TestService } from "../testing/service-harness.ts";
import type { AdminFleet } from "../admin/fleet-report.ts";
import { runCli } from "./main.ts";

const ADMIN_TOKEN = "status-token-0123456789abcdef";

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, env, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("bots status", () => {
  let t: TestService;
  let bare: TestService;
  beforeAll(async () => {
    t = await startTestService({ bots: { alpha: simpleBot("Alpha"), broken: simpleBot("Broken", { "b.ts": 'throw new Error("boom at import");\n' }) }, env: { ADMIN_TOKEN, BOTS_WATCH: "false" } });
    bare = await startTestService({ bots: { alpha: simpleBot("Alpha") }, env: { BOTS_WATCH: "false" } });
  });
  afterAll(async () => {
    await t.close();
    await bare.close();
  });

  it("prints the live fleet as a table", async () => {
    const result = await cli(["status", "--url", t.url], { ADMIN_TOKEN, BOTS_DIR: t.bots.dir });
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const lines = result.out.split("\n");
    expect(lines[0]).toMatch(/^Service http:\/\/127\.0\.0\.1:\d+: embedded mode \(internal\), version 0\.1\.0, up \d+ s$/);
    expect(lines.find((l) => l.startsWith("FOLDER"))?.split(/\s{2,}/)).toEqual(["FOLDER", "NAME", "STATE", "VERSION", "CHANGED AT", "ACCEPTED 5M", "HANDLED 5M", "FAILED 5M", "PROBLEM"]);
    expect(lines.find((l) => l.startsWith("alpha"))?.split(/\s{2,}/).slice(0, 4)).toEqual(["alpha", "Alpha", "ready", "0"]);
    expect(lines.find((l) => l.startsWith("broken"))).toContain("HANDLER_IMPORT_FAILED handlers/b.ts: ");
    for (const secret of [ADMIN_TOKEN, testToken("Alpha"), testKey("Alpha")]) expect(result.out).not.toContain(secret);
  });

  it("prints the admin API's document with --json", async () => {
    const result = await cli(["status", "--json", "--url", t.url], { ADMIN_TOKEN, BOTS_DIR: t.bots.dir });
    expect(result.code).toBe(0);
    const fleet = JSON.parse(result.out) as AdminFleet;
    expect(fleet.bots.map((b) => [b.folder, b.state])).toEqual([["alpha", "ready"], ["broken", "failed"]]);
  });

  it("names ADMIN_TOKEN when it is unset, refused, or the service has no admin page", async () => {
    const unset = await cli(["status", "--url", t.url], { BOTS_DIR: t.bots.dir });
    expect(unset).toMatchObject({ code: 1, out: "" });
    expect(unset.err).toContain("set ADMIN_TOKEN");
    const wrong = await cli(["status", "--url", t.url], { ADMIN_TOKEN: "not-the-token-of-the-service", BOTS_DIR: t.bots.dir });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toBe(`The service at ${t.url} refused ADMIN_TOKEN: it is not the token the service was started with`);
    const off = await cli(["status", "--url", bare.url], { ADMIN_TOKEN, BOTS_DIR: bare.bots.dir });
    expect(off.code).toBe(1);
    expect(off.err).toContain("has no admin page: start it with ADMIN_TOKEN set");
  });

  it("says when no service answers at the default address", async () => {
    const result = await cli(["status"], { ADMIN_TOKEN, BOTS_DIR: t.bots.dir, INTERNAL_BOT_API_IP: "127.0.0.1", INTERNAL_BOT_API_PORT: "1" });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^No service answers at http:\/\/127\.0\.0\.1:1 /);
  });
});
