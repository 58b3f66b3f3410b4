/**
 * Webhook ingress inside the service, end to end: `webhook set` registers each bot at the Bot API
 * stand-in, the stand-in delivers queued updates to `/telegram/<bot path>` with the secret header,
 * and the bot's reply arrives back at the stand-in. Wrong secrets, the allow-list and the CLI's
 * per-bot errors are checked over the same real sockets.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startBotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { simpleBot, testKey, testToken } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate, type TestService } from "../testing/service-harness.ts";
import { runWebhookCommand } from "./webhook-cli.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const BETA_SECRET = "beta_secret-0123456789";

async function setup(env: Record<string, string | number> = {}, bots = { alpha: simpleBot("Alpha"), beta: simpleBot("Beta", {}, { BOT_WEBHOOK_SECRET: BETA_SECRET }) }) {
  const standIn = await startBotApiStandIn();
  cleanups.push(() => standIn.close());
  const t = await startTestService({
    bots,
    standIn,
    env: { BOT_MODE: "webhook", ...env },
  });
  cleanups.push(() => t.close());
  return { t, standIn };
}

async function cli(t: TestService, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runWebhookCommand(args, t.config, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function postWebhook(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as { error?: { code: string } }) };
}

describe("webhook ingress in the service", () => {
  it("takes Telegram's deliveries with each bot's secret, and the bots answer", async () => {
    const { t, standIn } = await setup();
    const set = await cli(t, ["set", "--url", t.url]);
    expect(set.code).toBe(0);
    expect(set.out).toContain(`Alpha: webhook set to ${t.url}/telegram/Alpha`);
    expect(standIn.webhook(testToken("Beta"))).toMatchObject({ url: `${t.url}/telegram/Beta`, secretToken: BETA_SECRET, maxConnections: 40, allowedUpdates: [] });
    const alphaSecret = standIn.webhook(testToken("Alpha"))?.secretToken ?? "";
    // Derived from the internal key, but not the key itself.
    expect(alphaSecret).toMatch(/^[A-Za-z0-9_-]{20,256}$/);
    expect(alphaSecret).not.toContain(testKey("Alpha"));

    standIn.pushUpdate(testToken("Alpha"), textUpdate(1, 11, "hello"));
    standIn.pushUpdate(testToken("Alpha"), textUpdate(2, 11, "again"));
    standIn.pushUpdate(testToken("Beta"), textUpdate(1, 12, "beta here"));
    expect((await standIn.deliverWebhook(testToken("Alpha"))).map((d) => [d.updateId, d.status, d.secretSent])).toEqual([
      [1, 200, true],
      [2, 200, true],
    ]);
    expect((await standIn.deliverWebhook(testToken("Beta"))).map((d) => d.status)).toEqual([200]);
    await t.idle();
    expect(standIn.sentMessages({ token: testToken("Alpha") }).map((m) => m.text)).toEqual(["Echo from Alpha: hello", "Echo from Alpha: again"]);
    expect(standIn.sentMessages({ token: testToken("Beta") }).map((m) => m.text)).toEqual(["Echo from Beta: beta here"]);
    expect(standIn.pendingUpdates(testToken("Alpha"))).toEqual([]);

    // A redelivery (Telegram retries when an answer got lost) is handled once.
    standIn.pushUpdate(testToken("Alpha"), textUpdate(2, 11, "again"));
    expect((await standIn.deliverWebhook(testToken("Alpha")))[0]?.status).toBe(200);
    await t.idle();
    expect(standIn.sentMessages({ token: testToken("Alpha") })).toHaveLength(2);

    const info = await cli(t, ["info", "--bot", "Alpha"]);
    expect(info.code).toBe(0);
    expect(info.out).toContain(`url: ${t.url}/telegram/Alpha`);
    expect(info.out).toContain("pending_update_count: 0");
    expect(info.out).toContain("last error: none");
    // No secret in logs or CLI output.
    for (const text of [t.logs.text(), set.out, set.err, info.out]) {
      expect(text).not.toContain(alphaSecret);
      expect(text).not.toContain(BETA_SECRET);
      expect(text).not.toContain(testToken("Alpha"));
    }
  });

  it("answers 401 to a wrong, missing or other bot's secret, before reading the body, and processes nothing", async () => {
    const { t, standIn } = await setup();
    expect((await cli(t, ["set", "--url", t.url])).code).toBe(0);
    standIn.pushUpdate(testToken("Alpha"), textUpdate(1, 11, "sneaky"));
    expect((await standIn.deliverWebhook(testToken("Alpha"), { secret: "wrong" }))[0]?.status).toBe(401);
    expect((await standIn.deliverWebhook(testToken("Alpha"), { secret: null }))[0]?.status).toBe(401);
    expect((await standIn.deliverWebhook(testToken("Alpha"), { secret: BETA_SECRET }))[0]?.status).toBe(401);
    // Telegram keeps the update and shows the error.
    expect(standIn.pendingUpdates(testToken("Alpha"))).toHaveLength(1);
    expect(standIn.webhook(testToken("Alpha"))?.lastErrorMessage).toBe("Wrong response from the webhook: 401 Unauthorized");
    const garbage = await postWebhook(`${t.url}/telegram/Alpha`, "{not json", { "x-telegram-bot-api-secret-token": "wrong" });
    expect(garbage.status).toBe(401);
    expect(garbage.body?.error?.code).toBe("WRONG_WEBHOOK_SECRET");
    await t.idle();
    expect(t.settled).toEqual([]);
    expect(standIn.sentMessages()).toEqual([]);
    // With the right secret the same update goes through.
    expect((await standIn.deliverWebhook(testToken("Alpha")))[0]?.status).toBe(200);
    await t.idle();
    expect(standIn.sentMessages().map((m) => m.text)).toEqual(["Echo from Alpha: sneaky"]);
  });

  it("answers 404 for an unknown bot path and 400 for a body that is not an update", async () => {
    const { t } = await setup();
    const unknown = await postWebhook(`${t.url}/telegram/Nobody`, JSON.stringify(textUpdate(1, 1, "x")), { "x-telegram-bot-api-secret-token": BETA_SECRET });
    expect(unknown.status).toBe(404);
    expect(unknown.body?.error?.code).toBe("UNKNOWN_BOT");
    const bad = await postWebhook(`${t.url}/telegram/Beta`, JSON.stringify({ message: {} }), { "x-telegram-bot-api-secret-token": BETA_SECRET });
    expect(bad.status).toBe(400);
    expect(bad.body?.error?.code).toBe("INVALID_UPDATE");
  });

  it("serves bots at a random-looking id with WEBHOOK_PATH_STYLE=id, not at their name", async () => {
    const { t, standIn } = await setup({ WEBHOOK_PATH_STYLE: "id" });
    expect((await cli(t, ["set", "--url", `${t.url}/`, "--bot", "Beta"])).code).toBe(0);
    const url = standIn.webhook(testToken("Beta"))?.url ?? "";
    expect(url).toMatch(new RegExp(`^${t.url}/telegram/[0-9a-f]{32}$`));
    expect(standIn.webhook(testToken("Alpha"))).toBeUndefined();
    standIn.pushUpdate(testToken("Beta"), textUpdate(1, 5, "by id"));
    expect((await standIn.deliverWebhook(testToken("Beta")))[0]?.status).toBe(200);
    const byName = await postWebhook(`${t.url}/telegram/Beta`, JSON.stringify(textUpdate(2, 5, "x")), { "x-telegram-bot-api-secret-token": BETA_SECRET });
    expect(byName.status).toBe(404);
    await t.idle();
    expect(standIn.sentMessages().map((m) => m.text)).toEqual(["Echo from Beta: by id"]);
  });

  it("has no webhook route unless BOT_MODE=webhook", async () => {
    const { t } = await setup({ BOT_MODE: "internal" });
    const res = await postWebhook(`${t.url}/telegram/Beta`, JSON.stringify(textUpdate(1, 1, "x")), { "x-telegram-bot-api-secret-token": BETA_SECRET });
    expect(res.status).toBe(404);
    expect(res.body?.error?.code).toBe("NOT_FOUND");
  });
});

describe("webhook allow-list", () => {
  const update = JSON.stringify(textUpdate(1, 3, "from telegram"));
  const secret = { "x-telegram-bot-api-secret-token": BETA_SECRET };

  it("behind a trusted proxy, takes the caller from X-Forwarded-For and accepts Telegram's networks only", async () => {
    const { t } = await setup({ WEBHOOK_IP_ALLOWLIST: "on", TRUSTED_PROXIES: "127.0.0.1,::1" });
    const url = `${t.url}/telegram/Beta`;
    expect((await postWebhook(url, update, { ...secret, "x-forwarded-for": "8.8.8.8" })).body?.error?.code).toBe("FORBIDDEN_SOURCE");
    expect((await postWebhook(url, update, secret)).status).toBe(403);
    // A client cannot smuggle an address in front of the one the proxy appended.
    expect((await postWebhook(url, update, { ...secret, "x-forwarded-for": "149.154.167.99, 8.8.8.8" })).status).toBe(403);
    expect((await postWebhook(url, update, { ...secret, "x-forwarded-for": "8.8.8.8, 149.154.167.99" })).status).toBe(200);
    expect((await postWebhook(url, JSON.stringify(textUpdate(2, 3, "x")), { ...secret, "x-forwarded-for": "91.108.4.1" })).status).toBe(200);
    await t.idle();
    expect(t.settled.map((r) => r.update_id)).toEqual([1, 2]);
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    const { t } = await setup({ WEBHOOK_IP_ALLOWLIST: "on" });
    const res = await postWebhook(`${t.url}/telegram/Beta`, update, { ...secret, "x-forwarded-for": "149.154.167.99" });
    expect(res.status).toBe(403);
  });

  it("is off by default", async () => {
    const { t } = await setup({ TRUSTED_PROXIES: "127.0.0.1" });
    expect((await postWebhook(`${t.url}/telegram/Beta`, update, { ...secret, "x-forwarded-for": "8.8.8.8" })).status).toBe(200);
  });
});

describe("npm run bots -- webhook", () => {
  it("reports each bot's Telegram error on its own line, goes on with the others, and exits 1", async () => {
    const { t, standIn } = await setup();
    standIn.rejectToken(testToken("Alpha"));
    const set = await cli(t, ["set", "--url", "https://bots.example.com/base"]);
    expect(set.code).toBe(1);
    expect(set.err).toContain("Alpha: FAILED: Telegram answered 401: Unauthorized");
    expect(set.out).toContain("Beta: webhook set to https://bots.example.com/base/telegram/Beta");
    expect(set.err + set.out).not.toContain(testToken("Alpha"));
    expect(standIn.webhook(testToken("Beta"))?.url).toBe("https://bots.example.com/base/telegram/Beta");

    standIn.clearFaults();
    standIn.pushUpdate(testToken("Beta"), textUpdate(1, 1, "pending"));
    const info = await cli(t, ["info"]);
    expect(info.code).toBe(0);
    expect(info.out).toContain("Alpha:\n  url: (none: no webhook set)");
    expect(info.out).toContain("pending_update_count: 1");

    const del = await cli(t, ["delete", "--drop-pending"]);
    expect(del.code).toBe(0);
    expect(del.out).toContain("Beta: webhook deleted (pending updates dropped)");
    expect(standIn.webhook(testToken("Beta"))).toBeUndefined();
    expect(standIn.pendingUpdates(testToken("Beta"))).toEqual([]);
  });

  it("sends allowed_updates and max_connections from the bot's settings", async () => {
    const { t, standIn } = await setup({}, {
      alpha: simpleBot("Alpha", {}, { BOT_ALLOWED_UPDATES: "message, chat_member,message_reaction", BOT_WEBHOOK_MAX_CONNECTIONS: "7" }),
      beta: simpleBot("Beta", {}, { BOT_ALLOWED_UPDATES: "all" }),
    });
    expect((await cli(t, ["set", "--url", "https://h"])).code).toBe(0);
    expect(standIn.webhook(testToken("Alpha"))).toMatchObject({ maxConnections: 7, allowedUpdates: ["message", "chat_member", "message_reaction"] });
    expect(standIn.webhook(testToken("Beta"))?.allowedUpdates).toContain("message_reaction_count");
  });

  it("refuses a missing --url, an unknown bot and an unknown action", async () => {
    const { t } = await setup();
    expect((await cli(t, ["set"])).code).toBe(1);
    expect((await cli(t, ["info", "--bot", "Nope"])).err).toContain('No loadable bot named "Nope"');
    expect((await cli(t, ["frobnicate"])).code).toBe(1);
  });
});
