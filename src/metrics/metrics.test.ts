/**
 * `GET /metrics` of a real service: the counters equal what was sent (accepted, duplicate, refused
 * by code, processed by status, Telegram requests by outcome), the gauges say how many bots are
 * ready, and Prometheus's own tool (`promtool check metrics`) accepts the page: it parses, and
 * none of our metrics has a lint problem (promtool reports prom-client's default
 * `nodejs_active_*_total` gauges by their suffix; those names are prom-client's, not ours).
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composerSource, simpleBot, testKey, testToken } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate, type TestService } from "../testing/service-harness.ts";

const promtool = spawnSync("promtool", ["--version"]).status === 0;
if (!promtool && process.env.CI === "true") throw new Error("promtool is required under CI=true (Debian's prometheus package; .ci/run installs it)");

/** One sample of the page: `name{labels} value`. */
function sample(page: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of page.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).startsWith("{") ? line.slice(name.length + 1, line.indexOf("}")) : "";
    const have = labelText === "" ? [] : labelText.split(",");
    if (wanted.length === have.length && wanted.every((pair) => have.includes(pair))) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

describe("GET /metrics", () => {
  let t: TestService;
  let page: string;
  beforeAll(async () => {
    const failing = composerSource(`c.hears("fail", () => { throw new Error("nope"); });`);
    t = await startTestService({ bots: { a: simpleBot("Counted"), b: simpleBot("Failing", { "a.ts": failing }) }, env: { HANDLER_MAX_ATTEMPTS: 2 } });
    for (let i = 1; i <= 5; i++) expect((await t.postUpdate("Counted", textUpdate(i, 10 + i, `hi ${i}`))).status).toBe(200);
    expect((await t.postUpdate("Counted", textUpdate(1, 11, "hi 1"))).status).toBe(200);
    expect((await t.postUpdate("Failing", textUpdate(1, 20, "fail"))).status).toBe(200);
    expect((await t.postUpdate("Counted", textUpdate(9, 1, "x"), { key: testKey("Failing") })).status).toBe(403);
    expect((await t.postUpdate("Nobody", textUpdate(9, 1, "x"))).status).toBe(404);
    await t.idle();
    const response = await fetch(`${t.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    page = await response.text();
  });
  afterAll(() => t.close());

  it("counts what intake took, refused and found twice, and how each update ended", () => {
    expect(sample(page, "clustered_bots_updates_accepted_total", { bot: "Counted" })).toBe(5);
    expect(sample(page, "clustered_bots_updates_accepted_total", { bot: "Failing" })).toBe(1);
    expect(sample(page, "clustered_bots_updates_duplicate_total", { bot: "Counted" })).toBe(1);
    expect(sample(page, "clustered_bots_updates_refused_total", { code: "WRONG_INTERNAL_KEY" })).toBe(1);
    expect(sample(page, "clustered_bots_updates_refused_total", { code: "UNKNOWN_BOT" })).toBe(1);
    expect(sample(page, "clustered_bots_updates_processed_total", { bot: "Counted", status: "success" })).toBe(5);
    expect(sample(page, "clustered_bots_updates_processed_total", { bot: "Failing", status: "error" })).toBe(1);
    expect(sample(page, "clustered_bots_update_retries_total", { bot: "Failing" })).toBe(1);
    // Every reply, and the getMe of each bot, went out once and was answered ok.
    expect(sample(page, "clustered_bots_telegram_requests_total", { method: "sendMessage", outcome: "ok" })).toBe(t.standIn.calls({ method: "sendMessage" }).length);
    expect(sample(page, "clustered_bots_telegram_requests_total", { method: "getMe", outcome: "ok" })).toBe(2);
    // One handling time per run: five successes and the failing update's two runs.
    expect(sample(page, "clustered_bots_update_duration_seconds_count")).toBe(7);
    expect(sample(page, "clustered_bots_update_wait_seconds_count")).toBe(6);
    expect(sample(page, "clustered_bots_bots", { state: "ready" })).toBe(2);
    expect(sample(page, "clustered_bots_backlog_updates")).toBe(0);
    expect(sample(page, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(page).not.toContain(testToken("Counted"));
    expect(page).not.toContain(testKey("Counted"));
  });

  it.skipIf(!promtool)(`passes promtool check metrics${promtool ? "" : " (skipped: no promtool; install Debian's prometheus package)"}`, () => {
    const checked = spawnSync("promtool", ["check", "metrics"], { input: page, encoding: "utf8" });
    // 0: clean; 3: lint problems only (1 would be a page that does not parse).
    expect([0, 3]).toContain(checked.status);
    const problems = `${checked.stdout}${checked.stderr}`.split("\n").filter((line) => line.trim() !== "");
    expect(problems.filter((line) => !/^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/.test(line))).toEqual([]);
  });
});
