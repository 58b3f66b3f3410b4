/**
 * A bots folder outside the project with its own package.json and node_modules, installed by a
 * real `npm install` (kept between runs, src/testing/installed-packages.ts): its bot modules import
 * ES and CommonJS packages, named exports included, as plain Node does in that folder, except
 * grammy, which is always the service's (so its plugins share it); and a real service process
 * loads bots using Menu and conversations from it and answers through the Bot API stand-in.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { createBotsDir, PROJECT_ROOT, simpleBot, testKey, testToken, type BotsDir } from "../testing/bot-fixtures.ts";
import { BOT_FOLDER_PACKAGES, copyInstalledPackages, installedPackages, requireInstall, type PackagesInstall } from "../testing/installed-packages.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { postUpdate, spawnService } from "../testing/service-process.ts";

const run = promisify(execFile);

const PACKAGE_NAMES = BOT_FOLDER_PACKAGES.map((spec) => spec.slice(0, spec.lastIndexOf("@")));

/**
 * A bot module that reports, for each package, where it resolves, what it exports (static
 * namespace imports: tsx gives a dynamic import() of CommonJS its own interop, with or without
 * these hooks) and which grammY the CommonJS plugins got.
 */
const PROBE = `
import { createRequire } from "node:module";
import * as grammy from "grammy";
${PACKAGE_NAMES.map((name, i) => `import * as package${i} from ${JSON.stringify(name)};`).join("\n")}
const namespaces = { ${PACKAGE_NAMES.map((name, i) => `${JSON.stringify(name)}: package${i}`).join(", ")} };
export const result = { resolved: {}, exports: {}, pluginsGrammy: {} };
for (const [name, namespace] of Object.entries(namespaces)) {
  result.resolved[name] = import.meta.resolve(name);
  result.exports[name] = Object.keys(namespace).sort();
  if (name.startsWith("@grammyjs/")) result.pluginsGrammy[name] = createRequire(result.resolved[name])("grammy").Composer === grammy.Composer;
}
export const Context = grammy.Context;
`;

/** Imports each probe in a process with the bot module hooks for `dir`, as the service does. */
const HOOKED_IMPORTER = `
import path from "node:path";
import { pathToFileURL } from "node:url";
const [project, dir, file] = process.argv.slice(2);
const { registerBotModuleResolver } = await import(path.join(project, "src/bots/register-bot-module-resolver.ts"));
registerBotModuleResolver(dir);
const { BotContext } = await import(path.join(project, "src/bots/bot-context.ts"));
const m = await import(pathToFileURL(path.join(dir, file)).href);
console.log(JSON.stringify({ ...m.result, engineGrammy: m.Context === Object.getPrototypeOf(BotContext) }));
`;

interface ProbeResult {
  resolved: Record<string, string>;
  exports: Record<string, string[]>;
  pluginsGrammy: Record<string, boolean>;
  engineGrammy?: boolean;
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.VITEST;
  return env;
}

async function probeWithHooks(dir: string, file: string): Promise<ProbeResult> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "cb-importer-"));
  cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
  const importer = path.join(scratch, "importer.mts");
  writeFileSync(importer, HOOKED_IMPORTER);
  const { stdout } = await run(process.execPath, ["--import", "tsx", importer, PROJECT_ROOT, dir, file], { cwd: PROJECT_ROOT, env: childEnv() });
  return JSON.parse(stdout) as ProbeResult;
}

/** The same module under plain Node, run from the bots folder: no hooks, no tsx. */
async function probeWithPlainNode(dir: string, file: string): Promise<ProbeResult> {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(path.join(dir, file)).href)}); console.log(JSON.stringify(m.result));`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: dir, env: childEnv() });
  return JSON.parse(stdout) as ProbeResult;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let plugins: PackagesInstall;
let oldGrammy: PackagesInstall;
beforeAll(async () => {
  plugins = await installedPackages(BOT_FOLDER_PACKAGES);
  // grammY's 0.x line: another major than the service's 1.x, as a folder pinning an old bot would have.
  oldGrammy = await installedPackages(["grammy@0.6.0"]);
});

/** A bots folder outside the project with the plugins installed in it. */
function botsFolderWithPackages(install: { dir: string }, bots: Record<string, Record<string, string>>): BotsDir {
  const folder = createBotsDir(bots, { outside: true });
  cleanups.push(() => folder.cleanup());
  copyInstalledPackages(install, folder.dir);
  return folder;
}

const SERVICE_GRAMMY = pathToFileURL(path.join(PROJECT_ROOT, "node_modules/grammy/out/mod.js")).href;
const SERVICE_GRAMMY_VERSION = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "node_modules/grammy/package.json"), "utf8")) as { version: string }).version;

describe("a bots folder with its own package.json and node_modules", () => {
  it("imports its ES and CommonJS packages as plain Node does there, named exports included, and grammy from the service", async ({ skip }) => {
    const install = requireInstall(plugins, skip);
    const folder = botsFolderWithPackages(install, { probe: { "handlers/probe.mjs": PROBE } });
    const [hooked, plain] = await Promise.all([probeWithHooks(folder.dir, "probe/handlers/probe.mjs"), probeWithPlainNode(folder.dir, "probe/handlers/probe.mjs")]);

    expect(hooked.exports).toEqual(plain.exports);
    expect(hooked.exports["@grammyjs/menu"]).toContain("Menu");
    expect(hooked.exports["@grammyjs/conversations"]).toEqual(expect.arrayContaining(["conversations", "createConversation"]));
    expect(hooked.exports.grammy).toEqual(expect.arrayContaining(["Bot", "Composer", "Context", "GrammyError", "HttpError"]));
    expect(hooked.exports["p-limit"]).toContain("default");
    for (const name of PACKAGE_NAMES.filter((n) => n !== "grammy")) expect(hooked.resolved[name]).toBe(plain.resolved[name]);
    // p-limit is the folder's 5.x (ES only), not the project's 7.x.
    expect(hooked.resolved["p-limit"]).toContain(pathToFileURL(folder.dir).href);
    // grammy: the folder's copy for plain Node, the service's with the hooks, for the bot and its plugins alike.
    expect(plain.resolved.grammy).toContain(pathToFileURL(folder.dir).href);
    expect(hooked.resolved.grammy).toBe(SERVICE_GRAMMY);
    expect(hooked.engineGrammy).toBe(true);
    expect(hooked.pluginsGrammy).toEqual({ "@grammyjs/menu": true, "@grammyjs/conversations": true, "@grammyjs/auto-retry": true, "@grammyjs/transformer-throttler": true });
  });

  it("gives its plugins the service's grammY when the folder has no grammy of its own", async ({ skip }) => {
    const install = requireInstall(plugins, skip);
    const folder = botsFolderWithPackages(install, { probe: { "handlers/probe.mjs": PROBE } });
    rmSync(path.join(folder.dir, "node_modules", "grammy"), { recursive: true });
    const hooked = await probeWithHooks(folder.dir, "probe/handlers/probe.mjs");
    expect(hooked.exports["@grammyjs/menu"]).toContain("Menu");
    expect(hooked.resolved.grammy).toBe(SERVICE_GRAMMY);
    expect(Object.values(hooked.pluginsGrammy)).toEqual([true, true, true, true]);
  });
});

const MENU_HANDLER = `
import { Composer } from "grammy";
import { Menu } from "@grammyjs/menu";
import type { BotContext } from "clustered-bots";

const colours = new Menu<BotContext>("colours").text("Red", (ctx) => ctx.reply("You chose red"));
export const menu = new Composer<BotContext>();
menu.use(colours);
menu.command("menu", (ctx) => ctx.reply("Pick a colour", { reply_markup: colours }));
`;

const CONVERSATION_HANDLER = `
import { Composer } from "grammy";
import { conversations, createConversation } from "@grammyjs/conversations";

async function greet(conversation, ctx) {
  await ctx.reply("Your name?");
  const answer = await conversation.waitFor("message:text");
  await answer.reply("Hello, " + answer.message.text);
}
export const greeting = new Composer();
greeting.use(conversations());
greeting.use(createConversation(greet, "greet"));
greeting.command("greet", (ctx) => ctx.conversation.enter("greet"));
`;

/** A folder that installed another grammY major; its handler still gets the service's grammY. */
const OLD_GRAMMY_HANDLER = `
import { Composer, Context } from "grammy";
export const c = new Composer();
c.on("message:text", (ctx) => ctx.reply(ctx instanceof Context ? "one grammY" : "two grammYs"));
`;

interface InlineButton {
  callback_data?: string;
}

describe("the service over a bots folder with its own packages", () => {
  it("loads bots using Menu and conversations, which answer through the Bot API stand-in; a folder with another grammY major is warned about", async ({ skip }) => {
    const install = requireInstall(plugins, skip);
    const old = requireInstall(oldGrammy, skip);
    const folder = botsFolderWithPackages(install, {
      shop: simpleBot("Shop", { "greet.ts": CONVERSATION_HANDLER, "menu.ts": MENU_HANDLER }),
      old_bot: simpleBot("OldBot", { "reply.ts": OLD_GRAMMY_HANDLER }),
    });
    copyInstalledPackages(old, path.join(folder.dir, "old_bot"));
    const standIn = await startBotApiStandIn();
    cleanups.push(() => standIn.close());
    const service = await spawnService({ env: { BOTS_DIR: folder.dir, TELEGRAM_API_ROOT: standIn.apiRoot } });
    cleanups.push(async () => {
      service.kill("SIGTERM");
      await service.exited;
    });
    // Loaded and started, or the reason it did not load.
    for (const bot of ["Shop", "OldBot"]) {
      const line = await service.waitForLog((l) => ((l.msg === "bot state changed" && l.state === "ready") || l.msg === "bot not loaded") && l.bot === bot);
      expect(line).toMatchObject({ msg: "bot state changed", state: "ready" });
    }
    const shopToken = testToken("Shop");
    const sent = (chatId: number) => standIn.sentMessages({ token: shopToken, chatId }).map((m) => m.text);

    // Menu: the keyboard goes out, and pressing its button runs the button's handler.
    expect(await postUpdate(service, "Shop", textUpdate(1, 5, "/menu"), testKey("Shop"))).toBe(200);
    await standIn.waitFor(() => sent(5).length === 1);
    const menuCall = standIn.calls({ token: shopToken, method: "sendMessage" }).find((c) => c.payload.text === "Pick a colour");
    const keyboard = (menuCall?.payload.reply_markup as { inline_keyboard?: InlineButton[][] } | undefined)?.inline_keyboard;
    const data = keyboard?.[0]?.[0]?.callback_data;
    expect(data).toMatch(/^colours\//);
    const press = {
      update_id: 2,
      callback_query: {
        id: "press-1",
        from: { id: 5, is_bot: false, first_name: "Test" },
        chat_instance: "chat-5",
        data,
        message: { message_id: 1, date: 1767225600, chat: { id: 5, type: "private", first_name: "Test" }, text: "Pick a colour" },
      },
    };
    expect(await postUpdate(service, "Shop", press, testKey("Shop"))).toBe(200);
    await standIn.waitFor(() => sent(5).length === 2);
    expect(sent(5)).toEqual(["Pick a colour", "You chose red"]);

    // conversations: the question, then the answer to the reply, across two updates.
    expect(await postUpdate(service, "Shop", textUpdate(3, 6, "/greet"), testKey("Shop"))).toBe(200);
    await standIn.waitFor(() => sent(6).length === 1);
    expect(await postUpdate(service, "Shop", textUpdate(4, 6, "Ada"), testKey("Shop"))).toBe(200);
    await standIn.waitFor(() => sent(6).length === 2);
    expect(sent(6)).toEqual(["Your name?", "Hello, Ada"]);

    // Another grammY major in a bot's folder: named in the log, and the bot runs on the service's.
    expect(await postUpdate(service, "OldBot", textUpdate(5, 7, "hi"), testKey("OldBot"))).toBe(200);
    await standIn.waitFor((s) => s.sentMessages({ token: testToken("OldBot") }).length === 1);
    expect(standIn.sentMessages({ token: testToken("OldBot") }).map((m) => m.text)).toEqual(["one grammY"]);
    const mismatches = service.logs().filter((l) => l.code === "GRAMMY_VERSION_MISMATCH");
    expect(mismatches).toEqual([expect.objectContaining({ level: 40, folderGrammy: "0.6.0", serviceGrammy: SERVICE_GRAMMY_VERSION, folders: ["old_bot"] })]);
    // Menu's and conversations' own transformers are not taken for plugins that overlap with the engine.
    expect(service.logs().filter((l) => l.code === "API_PLUGIN_OVERLAP")).toEqual([]);
  });
});
