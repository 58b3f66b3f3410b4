/**
 * Live reload over a real child process and real files, with the default settings (BOTS_DIR
 * watched): while another bot takes a steady 20 updates/s, a folder is added, a service module
 * and a handler change, an edit breaks the handler and is fixed, 30 edits come in quick
 * succession, and a folder is removed, each checked from outside (answers, /readyz). The process
 * is never restarted, and the bot under load has every update accepted and answered in order.
 * Timings are printed, not asserted (the machine may be busy): the bounds here only catch a hang.
 */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBotApiStandIn, type BotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { composerSource, createBotsDir, simpleBot, testKey, type BotsDir } from "../testing/bot-fixtures.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { spawnService, type ServiceProcess } from "../testing/service-process.ts";
import { outOfOrderChats, startSteadyLoad } from "../testing/steady-load.ts";
import { until } from "../testing/until.ts";

const HANG_MS = 30_000;

/** A handler that answers "<prefix> <text>", the prefix from services/greeting.ts unless given. */
function alphaHandler(prefix?: string): string {
  const source = prefix === undefined ? "greeting" : JSON.stringify(prefix);
  return `import { Composer } from "grammy";\nimport { greeting } from "../services/greeting.ts";\nvoid greeting;\nconst c = new Composer();\nc.on("message:text", (ctx) => ctx.reply(${source} + " " + ctx.message.text));\nexport default c;\n`;
}

describe("live reload in the embedded default", () => {
  let standIn: BotApiStandIn;
  let bots: BotsDir;
  let service: ServiceProcess;
  let nextId = 1;

  beforeAll(async () => {
    standIn = await startBotApiStandIn();
    bots = createBotsDir({
      steady: simpleBot("Steady", { "reply.ts": composerSource(`c.on("message:text", (ctx) => ctx.reply("steady " + ctx.message.text));`) }),
      alpha: { ...simpleBot("Alpha", { "a.ts": alphaHandler() }), "services/greeting.ts": 'export const greeting = "v1";\n' },
    });
    service = await spawnService({ env: { BOTS_DIR: bots.dir, TELEGRAM_API_ROOT: standIn.apiRoot, BOT_MODE: "internal", FLOOD_CONTROL: "false" } });
  });
  afterAll(async () => {
    service?.kill("SIGTERM");
    await service?.exited;
    await standIn?.close();
    bots?.cleanup();
  });

  async function post(bot: string, text: string, chat = 900): Promise<{ status: number; body: Record<string, unknown> }> {
    const id = nextId++;
    const response = await fetch(`${service.url}/internal/update`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-internal-key": testKey(bot) },
      body: JSON.stringify({ bot_name: bot, update: textUpdate(id, chat, `${text}-${id}`) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Posts to `bot` until its reply to one starts with `prefix`; returns how long that took. */
  async function answersWith(bot: string, prefix: string, since: number): Promise<number> {
    await until(async () => {
      const before = standIn.sentMessages({ chatId: 900 }).length;
      const { status } = await post(bot, "probe");
      if (status !== 200) return false;
      const reply = await until(() => standIn.sentMessages({ chatId: 900 })[before]?.text, HANG_MS);
      return reply.startsWith(`${prefix} `);
    }, HANG_MS, 50);
    return Date.now() - since;
  }

  async function fleetEntry(folder: string): Promise<Record<string, unknown> | undefined> {
    const ready = (await (await fetch(`${service.url}/readyz`)).json()) as { fleet: Array<Record<string, unknown>> };
    return ready.fleet.find((f) => f.folder === folder);
  }

  it("adds, changes, keeps a broken edit out, takes the fix and the last of 30 edits, removes, under load, in one process", async () => {
    await until(async () => (await fleetEntry("alpha"))?.state === "ready", HANG_MS);
    const load = startSteadyLoad({ urls: () => [service.url], botName: "Steady", internalKey: testKey("Steady"), rate: 20, chats: 4, base: 100 });
    const timings: Record<string, number> = {};
    try {
      // A new folder: served without a restart.
      let since = Date.now();
      bots.addBot("gamma", simpleBot("Gamma", { "g.ts": composerSource(`c.on("message:text", (ctx) => ctx.reply("gamma " + ctx.message.text));`) }));
      timings.added = await answersWith("Gamma", "gamma", since);

      // A service module the handler imports: the bot answers with the new code.
      since = Date.now();
      writeFileSync(path.join(bots.dir, "alpha/services/greeting.ts"), 'export const greeting = "v2";\n');
      timings.serviceChanged = await answersWith("Alpha", "v2", since);

      // A broken edit: the older version keeps answering; /readyz names the folder and the file.
      writeFileSync(path.join(bots.dir, "alpha/handlers/a.ts"), 'import { Composer } from "grammy";\nconst c = new Composer(;\nexport default c;\n');
      const broken = await until(async () => {
        const entry = await fleetEntry("alpha");
        return entry?.state === "ready-newer-failed" ? entry : undefined;
      }, HANG_MS);
      expect(broken.failure).toMatchObject({ code: "HANDLER_IMPORT_FAILED", file: "handlers/a.ts" });
      const ready = (await (await fetch(`${service.url}/readyz`)).json()) as { failed: Array<Record<string, unknown>> };
      expect(ready.failed).toEqual([expect.objectContaining({ folder: "alpha", file: "handlers/a.ts", older_version_serving: true })]);
      await answersWith("Alpha", "v2", Date.now());

      // The fix is loaded.
      since = Date.now();
      writeFileSync(path.join(bots.dir, "alpha/handlers/a.ts"), alphaHandler("fixed"));
      timings.fixed = await answersWith("Alpha", "fixed", since);
      expect((await fleetEntry("alpha"))?.state).toBe("ready");

      // 30 edits in quick succession: the last one serves.
      since = Date.now();
      for (let i = 1; i <= 30; i++) {
        writeFileSync(path.join(bots.dir, "alpha/handlers/a.ts"), alphaHandler(`edit${i}`));
        await new Promise((r) => setTimeout(r, 40));
      }
      timings.lastOf30 = await answersWith("Alpha", "edit30", since);
      await new Promise((r) => setTimeout(r, 1000));
      await answersWith("Alpha", "edit30", Date.now());

      // A removed folder: 404 for its name.
      since = Date.now();
      rmSync(path.join(bots.dir, "gamma"), { recursive: true, force: true });
      const gone = await until(async () => {
        const answer = await post("Gamma", "after-removal");
        return answer.status === 404 ? answer : undefined;
      }, HANG_MS, 50);
      timings.removed = Date.now() - since;
      expect(gone.body).toMatchObject({ error: { code: "UNKNOWN_BOT" } });
      await until(async () => (await fleetEntry("gamma"))?.state === "removed", HANG_MS);
    } finally {
      await load.stop();
    }

    // The bot under load: every update accepted, every one answered once, in order per chat.
    expect(load.problems).toEqual([]);
    await until(() => [...load.expected].every(([chat, texts]) => standIn.sentMessages({ chatId: chat }).length >= texts.length), HANG_MS);
    expect(outOfOrderChats(standIn, load, (text) => `steady ${text}`)).toEqual([]);
    // One process throughout.
    expect(service.child.exitCode).toBeNull();
    expect(service.logs().filter((l) => l.msg === "service started")).toHaveLength(1);
    console.log(`live reload (embedded), ms from the file change to the first answer: ${JSON.stringify(timings)}; steady load: ${load.sent} updates`);
  });
});
