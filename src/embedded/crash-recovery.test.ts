/**
 * Nothing lost on a crash in the embedded default, with real processes: the service is SIGKILLed
 * while accepted updates wait and run, then started again on the same DATA_DIR. Every update that
 * got a 200 is handled, each chat's updates in acceptance order (only what ran at the kill may be
 * sent twice); a redelivery of an update handled before the kill is still a duplicate; a chat's
 * session continues where it was; journal records the backend had not taken are delivered after
 * the restart.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBotApiStandIn, type BotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { composerSource, createBotsDir, simpleBot, testKey, type BotsDir } from "../testing/bot-fixtures.ts";
import { startJournalBackendStandIn, type JournalBackendStandIn } from "../testing/journal-backend-stand-in.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { spawnService, type ServiceProcess } from "../testing/service-process.ts";
import { until } from "../testing/until.ts";

/** "<ms>:<label>": waits ms, then replies label with the chat's running count (its session). */
const handler = composerSource(`c.on("message:text", async (ctx) => {
  const [ms, label] = ctx.message.text.split(":");
  await new Promise((r) => setTimeout(r, Number(ms)));
  ctx.session.count = (typeof ctx.session.count === "number" ? ctx.session.count : 0) + 1;
  await ctx.reply(label + "#" + ctx.session.count);
});`);

async function post(service: ServiceProcess, update: unknown): Promise<number> {
  const response = await fetch(`${service.url}/internal/update`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-internal-key": testKey("Durable") },
    body: JSON.stringify({ bot_name: "Durable", update }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe("the embedded default across a SIGKILL", () => {
  let standIn: BotApiStandIn;
  let backend: JournalBackendStandIn;
  let bots: BotsDir;
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    standIn = await startBotApiStandIn();
    backend = await startJournalBackendStandIn();
    bots = createBotsDir({ d: simpleBot("Durable", { "a.ts": handler }) });
    dataDir = mkdtempSync(path.join(os.tmpdir(), "cb-crash-"));
    env = { BOTS_DIR: bots.dir, TELEGRAM_API_ROOT: standIn.apiRoot, DATA_DIR: dataDir, JOURNAL_URL: backend.url, JOURNAL_RETRY_BASE_MS: "50", JOURNAL_MAX_ATTEMPTS: "100", FLOOD_CONTROL: "false", BOT_MODE: "internal" };
  });
  afterAll(async () => {
    await standIn?.close();
    await backend?.close();
    bots?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("handles every accepted update after the restart, in order per chat, keeps claims, sessions and journal records", async () => {
    // The journal backend is down for the first run: its records wait in the store. (Enough
    // attempts that none is given up before the kill, however slow the machine makes this run.)
    backend.answerAll({ status: 503 });
    const first = await spawnService({ env });
    await first.waitForLog((l) => l.msg === "bot state changed" && l.state === "ready");
    const chats = [1, 2, 3];
    const perChat = 5;
    for (let i = 0; i < perChat; i++) {
      for (const chat of chats) expect(await post(first, textUpdate(chat * 100 + i, chat, `${i === 0 ? 0 : 400}:c${chat}-${i}`))).toBe(200);
    }
    // The first update of each chat is handled and journaled (not delivered); the rest wait or run.
    await until(() => chats.every((chat) => standIn.sentMessages({ chatId: chat }).length >= 1));
    first.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    const beforeRestart = standIn.sentMessages().length;
    expect(beforeRestart).toBeLessThan(chats.length * perChat);

    backend.answerAll({ status: 201 });
    const second = await spawnService({ env });
    try {
      expect(second.logs().some((l) => l.msg === "accepted updates from the last run found in the local store, handling them first")).toBe(true);
      await until(() => chats.every((chat) => new Set(standIn.sentMessages({ chatId: chat }).map((m) => m.text.split("#")[0])).size === perChat), 60_000);
      for (const chat of chats) {
        const labels = standIn.sentMessages({ chatId: chat }).map((m) => m.text.split("#")[0] ?? "");
        const firsts = labels.filter((label, i) => labels.indexOf(label) === i);
        expect(firsts).toEqual(Array.from({ length: perChat }, (_, i) => `c${chat}-${i}`));
        // At most the update running at the kill is sent again.
        expect(labels.length - firsts.length).toBeLessThanOrEqual(1);
        // The session went on counting from where the first run left it. The update running at the
        // kill may have sent its reply without its session write reaching the disk: run again, it
        // counts from the session before it, so the count is one per update, or one per reply.
        const count = Number(standIn.sentMessages({ chatId: chat }).at(-1)?.text.split("#")[1]);
        expect([firsts.length, labels.length]).toContain(count);
      }
      // A redelivery of an update the first run handled is a duplicate: answered 200, not handled.
      const sent = standIn.sentMessages().length;
      expect(await post(second, textUpdate(100, 1, "0:c1-0"))).toBe(200);
      expect(await post(second, textUpdate(999, 1, "0:fresh"))).toBe(200);
      await until(() => standIn.sentMessages({ chatId: 1 }).some((m) => m.text.startsWith("fresh")), 60_000);
      expect(standIn.sentMessages().length).toBe(sent + 1);
      // Every journal record got to the backend, the first run's included.
      await until(() => {
        const delivered = new Set(backend.received.filter((p) => p.status === 201).map((p) => (p.body as { update: { update_id: number } }).update.update_id));
        return chats.every((chat) => Array.from({ length: perChat }, (_, i) => chat * 100 + i).every((id) => delivered.has(id))) || undefined;
      }, 60_000);
    } finally {
      second.kill("SIGTERM");
      await second.exited;
    }
  });
});
