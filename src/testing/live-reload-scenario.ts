/**
 * The live-reload checks of a deployment (the embedded service, or queue mode's API and workers),
 * from outside: while another bot takes a steady 20 updates/s, a folder is added, a service module
 * and a handler change, an edit breaks the handler and is fixed, 30 edits come in quick
 * succession, and a folder is removed; after each, `reload()` (nothing when the process watches
 * BOTS_DIR; `bots reload` in queue mode) and the answers and /readyz are checked. Returns how long
 * each change took to show (printed by the tests, not asserted: the machine may be busy).
 */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import type { BotApiStandIn } from "./bot-api-stand-in/bot-api-stand-in.ts";
import { composerSource, simpleBot, testKey, type BotFiles, type BotsDir } from "./bot-fixtures.ts";
import { textUpdate } from "./service-harness.ts";
import { fleetEntry } from "./fleet-entry.ts";
import { outOfOrderChats, startSteadyLoad } from "./steady-load.ts";
import { until } from "./until.ts";

/**
 * A hang guard for each step, not a speed limit: with a second test suite beside this one, a
 * reload in a child process took over 30 s. A scenario's test gives itself SCENARIO_TIMEOUT_MS.
 */
const HANG_MS = 90_000;
export const SCENARIO_TIMEOUT_MS = 600_000;

/** A handler that answers "<prefix> <text>", the prefix from services/greeting.ts unless given. */
function alphaHandler(prefix?: string): string {
  const source = prefix === undefined ? "greeting" : JSON.stringify(prefix);
  return `import { Composer } from "grammy";\nimport { greeting } from "../services/greeting.ts";\nvoid greeting;\nconst c = new Composer();\nc.on("message:text", (ctx) => ctx.reply(${source} + " " + ctx.message.text));\nexport default c;\n`;
}

/** The bot folders the scenario starts with. */
export const LIVE_RELOAD_BOTS: Record<string, BotFiles> = {
  steady: simpleBot("Steady", { "reply.ts": composerSource(`c.on("message:text", (ctx) => ctx.reply("steady " + ctx.message.text));`) }),
  alpha: { ...simpleBot("Alpha", { "a.ts": alphaHandler() }), "services/greeting.ts": 'export const greeting = "v1";\n' },
};

export interface LiveReloadTarget {
  standIn: BotApiStandIn;
  bots: BotsDir;
  /** Where updates are posted (the API processes). */
  urls: readonly string[];
  /** Makes the deployment see the change just written. */
  reload: () => Promise<void>;
  /** The log lines of every process so far. */
  logs: () => ReadonlyArray<Record<string, unknown>>;
}

export async function runLiveReloadScenario(target: LiveReloadTarget): Promise<{ timings: Record<string, number>; sent: number }> {
  const { standIn, bots, urls } = target;
  let nextId = 1;
  const post = async (bot: string, text: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const id = nextId++;
    const response = await fetch(`${urls[id % urls.length] ?? ""}/internal/update`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-internal-key": testKey(bot) },
      body: JSON.stringify({ bot_name: bot, update: textUpdate(id, 900, `${text}-${id}`) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  /** Posts to `bot` until its reply to one starts with `prefix`; returns how long since `since`. */
  const answersWith = async (bot: string, prefix: string, since: number): Promise<number> => {
    await until(async () => {
      const before = standIn.sentMessages({ chatId: 900 }).length;
      if ((await post(bot, "probe")).status !== 200) return false;
      const reply = await until(() => standIn.sentMessages({ chatId: 900 })[before]?.text, HANG_MS);
      return reply.startsWith(`${prefix} `);
    }, HANG_MS, 50);
    return Date.now() - since;
  };
  const entryOf = (folder: string) => fleetEntry(urls[0] ?? "", folder);
  const write = (file: string, content: string): void => writeFileSync(path.join(bots.dir, file), content);

  await until(async () => (await entryOf("alpha"))?.state === "ready", HANG_MS);
  const load = startSteadyLoad({ urls: () => urls, botName: "Steady", internalKey: testKey("Steady"), rate: 20, chats: 4, base: 100 });
  const timings: Record<string, number> = {};
  try {
    // A new folder: served without a restart.
    let since = Date.now();
    bots.addBot("gamma", simpleBot("Gamma", { "g.ts": composerSource(`c.on("message:text", (ctx) => ctx.reply("gamma " + ctx.message.text));`) }));
    await target.reload();
    timings.added = await answersWith("Gamma", "gamma", since);

    // A service module the handler imports: the bot answers with the new code.
    since = Date.now();
    write("alpha/services/greeting.ts", 'export const greeting = "v2";\n');
    await target.reload();
    timings.serviceChanged = await answersWith("Alpha", "v2", since);

    // A broken edit: the older version keeps answering; /readyz names the folder and the file.
    write("alpha/handlers/a.ts", 'import { Composer } from "grammy";\nconst c = new Composer(;\nexport default c;\n');
    await target.reload();
    const broken = await until(async () => {
      const entry = await entryOf("alpha");
      return entry?.state === "ready-newer-failed" ? entry : undefined;
    }, HANG_MS);
    expect(broken.failure).toMatchObject({ code: "HANDLER_IMPORT_FAILED", file: "handlers/a.ts" });
    const ready = (await (await fetch(`${urls[0] ?? ""}/readyz`)).json()) as { failed: Array<Record<string, unknown>> };
    expect(ready.failed).toEqual([expect.objectContaining({ folder: "alpha", file: "handlers/a.ts", older_version_serving: true })]);
    // The log says it too: the folder, the file, why, and that the older version serves. The line
    // reaches this process through the child's stdout, which may be after /readyz has answered.
    const notLoaded = await until(() => target.logs().find((l) => l.msg === "bot not loaded" && l.folder === "alpha"), HANG_MS);
    expect(notLoaded).toMatchObject({ file: "handlers/a.ts", code: "HANDLER_IMPORT_FAILED", olderVersionServing: true, reason: expect.any(String) as unknown });
    await answersWith("Alpha", "v2", Date.now());

    // The fix is loaded.
    since = Date.now();
    write("alpha/handlers/a.ts", alphaHandler("fixed"));
    await target.reload();
    timings.fixed = await answersWith("Alpha", "fixed", since);
    expect((await entryOf("alpha"))?.state).toBe("ready");

    // 30 edits in quick succession: the last one serves.
    since = Date.now();
    for (let i = 1; i <= 30; i++) {
      write("alpha/handlers/a.ts", alphaHandler(`edit${i}`));
      await new Promise((r) => setTimeout(r, 40));
    }
    await target.reload();
    timings.lastOf30 = await answersWith("Alpha", "edit30", since);
    await new Promise((r) => setTimeout(r, 1000));
    await answersWith("Alpha", "edit30", Date.now());

    // A removed folder: 404 for its name.
    since = Date.now();
    rmSync(path.join(bots.dir, "gamma"), { recursive: true, force: true });
    await target.reload();
    const gone = await until(async () => {
      const answer = await post("Gamma", "after-removal");
      return answer.status === 404 ? answer : undefined;
    }, HANG_MS, 50);
    timings.removed = Date.now() - since;
    expect(gone.body).toMatchObject({ error: { code: "UNKNOWN_BOT" } });
    await until(async () => (await entryOf("gamma"))?.state === "removed", HANG_MS);
  } finally {
    await load.stop();
  }

  // The bot under load: every update accepted, every one answered once, in order per chat.
  expect(load.problems).toEqual([]);
  await until(() => [...load.expected].every(([chat, texts]) => standIn.sentMessages({ chatId: chat }).length >= texts.length), HANG_MS);
  expect(outOfOrderChats(standIn, load, (text) => `steady ${text}`)).toEqual([]);
  return { timings, sent: load.sent };
}
