/**
 * The admin page of a real in-process service over its socket: who gets in (Basic for the page,
 * Bearer or Basic for the API, 401 with WWW-Authenticate otherwise, 404 when ADMIN_TOKEN is
 * unset), what the JSON says (states, handlers in mount order, counts, scrubbed reasons and
 * errors), a reload from the API, and that no secret reaches the HTML, the JSON or the log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composerSource, simpleBot, testKey, testToken } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate, type TestService } from "../testing/service-harness.ts";
import { until } from "../testing/until.ts";
import type { AdminFleet } from "./fleet-report.ts";

const ADMIN_TOKEN = "admin-token-of-the-test-0123456789";
const SECRETS = [ADMIN_TOKEN, testToken("Alpha"), testKey("Alpha"), testToken("Leaky"), testKey("Leaky"), testToken("Oops"), testKey("Oops")];

function basic(password: string, user = "ops"): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe("the admin page", () => {
  let t: TestService;
  beforeAll(async () => {
    const oops = composerSource(`c.on("message:text", () => { throw new Error("handler broke with ${testToken("Oops")}"); });`);
    t = await startTestService({
      bots: {
        alpha: simpleBot("Alpha", { "10-first.ts": composerSource(`c.on("message:text", (ctx) => ctx.reply("ok"));`), "20-second.ts": composerSource("") }),
        leaky: simpleBot("Leaky", { "leak.ts": `throw new Error("cannot use ${testToken("Leaky")} with ${testKey("Leaky")}");\n` }),
        oops: simpleBot("Oops", { "a.ts": oops }),
      },
      env: { ADMIN_TOKEN, BOTS_WATCH: "false", HANDLER_MAX_ATTEMPTS: 1 },
    });
    for (let i = 1; i <= 3; i++) expect((await t.postUpdate("Alpha", textUpdate(i, 10 + i, `hi ${i}`))).status).toBe(200);
    expect((await t.postUpdate("Oops", textUpdate(1, 20, "go"))).status).toBe(200);
    await t.idle();
  });
  afterAll(() => t.close());

  it("answers 401 with WWW-Authenticate and ADMIN_UNAUTHORIZED without the token or with a wrong one", async () => {
    const attempts: Array<[string, Record<string, string>]> = [
      ["/admin", {}],
      ["/admin", { authorization: basic("wrong-token-wrong-token") }],
      ["/admin", { authorization: `Bearer ${ADMIN_TOKEN}` }],
      ["/admin/api/fleet", {}],
      ["/admin/api/fleet", { authorization: "Bearer nope" }],
      ["/admin/api/fleet", { authorization: basic(`${ADMIN_TOKEN}x`) }],
    ];
    for (const [route, headers] of attempts) {
      const response = await fetch(`${t.url}${route}`, { headers });
      expect(response.status, `${route} ${JSON.stringify(headers)}`).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Basic realm="clustered-bots admin"');
      const body = (await response.json()) as { error: { code: string } };
      expect(body.error.code).toBe("ADMIN_UNAUTHORIZED");
    }
    // The embedded default has no bull-board: an unknown route, once through the door.
    expect((await fetch(`${t.url}/admin/queues`, { headers: { authorization: basic(ADMIN_TOKEN) } })).status).toBe(404);
  });

  it("shows the page with Basic auth: bots, states, a failed bot's scrubbed reason, no secret", async () => {
    const response = await fetch(`${t.url}/admin`, { headers: { authorization: basic(ADMIN_TOKEN, "anyone") } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.headers.get("content-security-policy")).toContain("script-src 'nonce-");
    const html = await response.text();
    expect(html).toContain("Alpha");
    expect(html).toContain("HANDLER_IMPORT_FAILED");
    expect(html).toContain("cannot use [redacted] with [redacted]");
    expect(html).toContain("handler broke with [redacted]");
    expect(html).toContain("<li>10-first.ts</li><li>20-second.ts</li>");
    expectNoSecret(html);
  });

  it("serves the fleet as JSON with a Bearer token (and with Basic)", async () => {
    const response = await fetch(`${t.url}/admin/api/fleet`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    expectNoSecret(text);
    const fleet = JSON.parse(text) as AdminFleet;
    expect(fleet.service).toMatchObject({ mode: "embedded", bot_mode: "internal", version: "0.1.0", backlog: 0, in_flight: 0 });
    expect(fleet.service.workers).toBeUndefined();
    expect(fleet.failed_updates).toBeUndefined();
    const byFolder = Object.fromEntries(fleet.bots.map((b) => [b.folder, b]));
    expect(byFolder.alpha).toMatchObject({ name: "Alpha", state: "ready", version: 0, handlers: ["10-first.ts", "20-second.ts"], activity: { window_minutes: 5, accepted: 3, handled: 3, failed: 0 } });
    expect(byFolder.alpha?.failure).toBeUndefined();
    expect(byFolder.leaky).toMatchObject({ name: "Leaky", state: "failed", handlers: [], failure: { code: "HANDLER_IMPORT_FAILED", file: "handlers/leak.ts" } });
    expect(byFolder.leaky?.failure?.reason).toContain("cannot use [redacted] with [redacted]");
    expect(byFolder.oops).toMatchObject({ state: "ready", activity: { accepted: 1, handled: 0, failed: 1 } });
    expect(byFolder.oops?.last_error?.message).toContain("handler broke with [redacted]");
    const withBasic = await fetch(`${t.url}/admin/api/fleet`, { headers: { authorization: basic(ADMIN_TOKEN) } });
    expect(withBasic.status).toBe(200);
  });

  it("reloads one bot folder from the API (JSON POSTs only), a new version serving after it", async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const refused = await fetch(`${t.url}/admin/api/bots/alpha/reload`, { method: "POST", headers: auth });
    expect(refused.status).toBe(415);
    const unknown = await fetch(`${t.url}/admin/api/bots/nobody/reload`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{}" });
    expect(unknown.status).toBe(404);
    const response = await fetch(`${t.url}/admin/api/bots/alpha/reload`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{}" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ folder: "alpha", reloaded: true, version: 1 });
    const fleet = await until(async () => {
      const body = (await (await fetch(`${t.url}/admin/api/fleet`, { headers: auth })).json()) as AdminFleet;
      const alpha = body.bots.find((b) => b.folder === "alpha");
      return alpha?.state === "ready" && alpha.version === 1 ? body : undefined;
    });
    expect(fleet.bots.find((b) => b.folder === "alpha")?.handlers).toEqual(["10-first.ts", "20-second.ts"]);
  });

  it("keeps ADMIN_TOKEN and the bots' secrets out of the log", () => {
    expectNoSecret(t.logs.text());
    expect(t.logs.find("admin page: reload of a bot folder requested", { folder: "alpha" })).toHaveLength(1);
  });
});

describe("without ADMIN_TOKEN", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ bots: { alpha: simpleBot("Alpha") }, env: { BOTS_WATCH: "false" } });
  });
  afterAll(() => t.close());

  it("has no admin page: /admin and its API are unknown routes", async () => {
    for (const route of ["/admin", "/admin/api/fleet"]) {
      const response = await fetch(`${t.url}${route}`, { headers: { authorization: basic(ADMIN_TOKEN) } });
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    }
  });
});
