/**
 * The bots of the plugin compatibility matrix (docs/plugins.md), one per grammY plugin, each
 * written the way the plugin's README shows, with `botStorage()` where the plugin takes a storage;
 * and each row's check, run the same way against the embedded default and queue mode: post
 * updates as the gateway does, then assert on what the Bot API stand-in received.
 */
import { expect } from "vitest";
import type { BotApiStandIn, RecordedCall } from "./bot-api-stand-in/bot-api-stand-in.ts";
import { composerSource, simpleBot, testToken, type BotFiles } from "./bot-fixtures.ts";
import { textUpdate } from "./service-harness.ts";

/** Long enough for a busy 2-core machine; nothing waits that long when all is well. */
export const PLUGIN_WAIT_MS = 60_000;

/** Where the matrix's checks send updates and look for answers. */
export interface PluginDeployment {
  standIn: BotApiStandIn;
  /** POSTs one update for a bot and expects it accepted (200). */
  post(botName: string, update: unknown): Promise<void>;
}

const CONVERSATION = `import { conversations, createConversation } from "@grammyjs/conversations";
import { botStorage } from "clustered-bots";
async function greet(conversation, ctx) {
  await ctx.reply("Your name?");
  const answer = await conversation.waitFor("message:text");
  await answer.reply("Hello, " + answer.message.text);
}
c.use(conversations({ storage: botStorage(import.meta.url, "conversations") }));
c.use(createConversation(greet, "greet"));
c.command("greet", (ctx) => ctx.conversation.enter("greet"));`;

const MENU = `import { Menu } from "@grammyjs/menu";
const colours = new Menu("colours").text("Red", (ctx) => ctx.reply("You chose red"));
c.use(colours);
c.command("menu", (ctx) => ctx.reply("Pick a colour", { reply_markup: colours }));`;

/** ctx.session is the engine's (per chat); "users" is a namespace of the bot's own, per user. */
const SESSION = `import { botStorage } from "clustered-bots";
const users = botStorage(import.meta.url, "users");
c.on("message:text", async (ctx) => {
  ctx.session.count = (typeof ctx.session.count === "number" ? ctx.session.count : 0) + 1;
  const key = String(ctx.from.id);
  const seen = ((await users.read(key)) ?? 0) + 1;
  await users.write(key, seen);
  await ctx.reply("chat " + ctx.session.count + ", user " + seen);
});`;

const I18N = `import { I18n } from "@grammyjs/i18n";
import { fileURLToPath } from "node:url";
const i18n = new I18n({ defaultLocale: "en", directory: fileURLToPath(new URL("../locales", import.meta.url)) });
c.use(i18n);
c.on("message:text", (ctx) => ctx.reply(ctx.t("greeting", { name: ctx.from.first_name })));`;

const HYDRATE = `import { hydrate } from "@grammyjs/hydrate";
c.use(hydrate());
c.on("message:text", async (ctx) => {
  const draft = await ctx.reply("draft");
  await draft.editText("final");
  await ctx.message.delete();
});`;

const PARSE_MODE = `import { bold, fmt, italic } from "@grammyjs/parse-mode";
c.command("html", (ctx) => ctx.reply("<b>bold</b>", { parse_mode: "HTML" }));
c.on("message:text", (ctx) => {
  const text = fmt\`\${bold}Bold\${bold} and \${italic}\${ctx.message.text}\${italic}\`;
  return ctx.reply(text.text, { entities: text.entities });
});`;

/** The rate limiter takes a Redis client or its in-memory default, not a StorageAdapter. */
const RATELIMITER = `import { limit } from "@grammyjs/ratelimiter";
c.use(limit({ timeFrame: 600_000, limit: 2, alwaysReply: true, onLimitExceeded: (ctx) => ctx.reply("slow down"), keyGenerator: (ctx) => ctx.from?.id.toString() }));
c.on("message:text", (ctx) => ctx.reply("ok " + ctx.message.text));`;

/** hydrateFiles goes on this update's ctx.api: a handler never sees bot.api. */
const FILES = `import { hydrateFiles } from "@grammyjs/files";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
c.on("message:document", async (ctx) => {
  ctx.api.config.use(hydrateFiles(ctx.api.token, { apiRoot: ctx.env.FILES_API_ROOT }));
  const file = await ctx.getFile();
  const where = await file.download();
  const text = await readFile(where, "utf8");
  await rm(path.dirname(where), { recursive: true, force: true });
  await ctx.reply("downloaded: " + text);
});`;

/** The matrix's bots, by folder; `filesApiRoot` is the stand-in's HTTPS file root. */
export function pluginBots(filesApiRoot: string): Record<string, BotFiles> {
  return {
    talker: simpleBot("Talker", { "greet.ts": composerSource(CONVERSATION) }),
    menus: simpleBot("Menus", { "menu.ts": composerSource(MENU) }),
    counter: simpleBot("Counter", { "count.ts": composerSource(SESSION) }),
    polyglot: {
      ...simpleBot("Polyglot", { "hello.ts": composerSource(I18N) }),
      "locales/en.ftl": "greeting = Hello, { $name }!\n",
      "locales/de.ftl": "greeting = Hallo, { $name }!\n",
    },
    hydrated: simpleBot("Hydrated", { "edit.ts": composerSource(HYDRATE) }),
    formatter: simpleBot("Formatter", { "format.ts": composerSource(PARSE_MODE) }),
    limited: simpleBot("Limited", { "limit.ts": composerSource(RATELIMITER) }),
    filer: simpleBot("Filer", { "download.ts": composerSource(FILES) }, { FILES_API_ROOT: filesApiRoot }),
  };
}

/** Every bot name of the matrix. */
export const PLUGIN_BOT_NAMES = ["Talker", "Menus", "Counter", "Polyglot", "Hydrated", "Formatter", "Limited", "Filer"] as const;

function texts(d: PluginDeployment, botName: string, chatId: number): string[] {
  return d.standIn.sentMessages({ token: testToken(botName), chatId }).map((m) => m.text);
}

async function waitForTexts(d: PluginDeployment, botName: string, chatId: number, count: number): Promise<string[]> {
  await d.standIn.waitFor(() => texts(d, botName, chatId).length >= count, { timeoutMs: PLUGIN_WAIT_MS });
  return texts(d, botName, chatId);
}

function callsOf(d: PluginDeployment, botName: string, method: string): RecordedCall[] {
  return d.standIn.calls({ token: testToken(botName), method });
}

/** conversations, first step: /greet enters the conversation, which asks. */
export async function conversationFirstStep(d: PluginDeployment, updateId: number, chatId: number): Promise<void> {
  await d.post("Talker", textUpdate(updateId, chatId, "/greet"));
  expect(await waitForTexts(d, "Talker", chatId, 1)).toEqual(["Your name?"]);
}

/** conversations, second step: the answer reaches the waiting conversation (not the echo handler). */
export async function conversationSecondStep(d: PluginDeployment, updateId: number, chatId: number): Promise<void> {
  await d.post("Talker", textUpdate(updateId, chatId, "Ada"));
  await waitForTexts(d, "Talker", chatId, 2);
  // The question may have gone out twice when the process died before the update was marked done.
  const sent = texts(d, "Talker", chatId);
  expect(sent.at(-1)).toBe("Hello, Ada");
  expect(new Set(sent.slice(0, -1))).toEqual(new Set(["Your name?"]));
}

interface InlineButton {
  text?: string;
  callback_data?: string;
}

/** menu: the keyboard goes out; a click runs the button's handler, and the query is answered. */
export async function menuRow(d: PluginDeployment, updateId: number, chatId: number): Promise<void> {
  await d.post("Menus", textUpdate(updateId, chatId, "/menu"));
  await waitForTexts(d, "Menus", chatId, 1);
  const menuCall = callsOf(d, "Menus", "sendMessage").find((c) => c.payload.text === "Pick a colour" && c.payload.chat_id === chatId);
  const button = (menuCall?.payload.reply_markup as { inline_keyboard?: InlineButton[][] } | undefined)?.inline_keyboard?.[0]?.[0];
  expect(button?.text).toBe("Red");
  expect(button?.callback_data).toMatch(/^colours\//);
  const queryId = `click-${updateId}`;
  const click = {
    update_id: updateId + 1,
    callback_query: {
      id: queryId,
      from: { id: chatId, is_bot: false, first_name: "Test" },
      chat_instance: `chat-${chatId}`,
      data: button?.callback_data,
      message: { message_id: 1, date: 1_764_000_000, chat: { id: chatId, type: "private", first_name: "Test" }, text: "Pick a colour" },
    },
  };
  await d.post("Menus", click);
  expect(await waitForTexts(d, "Menus", chatId, 2)).toEqual(["Pick a colour", "You chose red"]);
  await d.standIn.waitFor(() => callsOf(d, "Menus", "answerCallbackQuery").some((c) => c.payload.callback_query_id === queryId), { timeoutMs: PLUGIN_WAIT_MS });
}

/** sessions: the engine's ctx.session (per chat) and a botStorage namespace (per user) go on counting. */
export async function sessionStep(d: PluginDeployment, updateId: number, chatId: number, userId: number, expected: string): Promise<void> {
  const before = texts(d, "Counter", chatId).length;
  await d.post("Counter", textUpdate(updateId, chatId, "count", { userId }));
  const sent = await waitForTexts(d, "Counter", chatId, before + 1);
  expect(sent.at(-1)).toBe(expected);
}

/** i18n: each user is answered in their language_code, the default for one it has no locale of. */
export async function i18nRow(d: PluginDeployment, updateId: number, chatId: number): Promise<void> {
  const languages = ["de", "en", "fr"];
  for (const [i, language] of languages.entries()) {
    const update = textUpdate(updateId + i, chatId, "hi");
    const message = update.message as { from: Record<string, unknown> } | undefined;
    if (message !== undefined) message.from = { ...message.from, first_name: "Ada", language_code: language };
    await d.post("Polyglot", update);
    await waitForTexts(d, "Polyglot", chatId, i + 1);
  }
  // Fluent isolates placeables with Unicode marks: compare without them.
  expect(texts(d, "Polyglot", chatId).map((t) => t.replace(/[\u2068\u2069]/g, ""))).toEqual(["Hallo, Ada!", "Hello, Ada!", "Hello, Ada!"]);
}

/** hydrate: methods on the objects grammY returns reach the stand-in (editText, message.delete). */
export async function hydrateRow(d: PluginDeployment, updateId: number, chatId: number): Promise<void> {
  await d.post("Hydrated", textUpdate(updateId, chatId, "tidy up"));
  await d.standIn.waitFor(() => callsOf(d, "Hydrated", "deleteMessage").some((c) => c.payload.chat_id === chatId), { timeoutMs: PLUGIN_WAIT_MS });
  const draft = callsOf(d, "Hydrated", "sendMessage").find((c) => c.payload.chat_id === chatId);
  const edit = callsOf(d, "Hydrated", "editMessageText").find((c) => c.payload.chat_id === chatId);
  const deletion = callsOf(d, "Hydrated", "deleteMessage").find((c) => c.payload.chat_id === chatId);
  expect(draft?.payload.text).toBe("draft");
  expect(edit?.payload).toMatchObject({ chat_id: chatId, text: "final" });
  expect(typeof edit?.payload.message_id).toBe("number");
  expect(deletion?.payload).toMatchObject({ chat_id: chatId, message_id: updateId });
}

/** parse-mode: fmt`` sends entities (parse-mode 2 has no parse_mode transformer); parse_mode itself passes through. */
export async function parseModeRow(d: PluginDeployment, updateId: number, chatId: number): Promise<void> {
  await d.post("Formatter", textUpdate(updateId, chatId, "words"));
  await d.post("Formatter", textUpdate(updateId + 1, chatId, "/html"));
  await waitForTexts(d, "Formatter", chatId, 2);
  const [formatted, html] = callsOf(d, "Formatter", "sendMessage").filter((c) => c.payload.chat_id === chatId);
  expect(formatted?.payload.text).toBe("Bold and words");
  expect(formatted?.payload.entities).toEqual([
    { type: "bold", offset: 0, length: 4 },
    { type: "italic", offset: 9, length: 5 },
  ]);
  expect(html?.payload).toMatchObject({ text: "<b>bold</b>", parse_mode: "HTML" });
}

/** ratelimiter: of a burst of 5 messages from one user (limit 2 per 10 minutes), 3 are refused. */
export async function ratelimiterRow(d: PluginDeployment, updateId: number, chatId: number): Promise<void> {
  for (let i = 0; i < 5; i++) await d.post("Limited", textUpdate(updateId + i, chatId, `m${i}`));
  const sent = await waitForTexts(d, "Limited", chatId, 5);
  expect(sent).toEqual(["ok m0", "ok m1", "slow down", "slow down", "slow down"]);
}

/** files: ctx.getFile() then file.download() fetches the bytes from the stand-in's file root. */
export async function filesRow(d: PluginDeployment, updateId: number, chatId: number): Promise<void> {
  const fileId = `doc-${updateId}`;
  const update = {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 1_764_000_000,
      chat: { id: chatId, type: "private", first_name: "Test" },
      from: { id: chatId, is_bot: false, first_name: "Test" },
      document: { file_id: fileId, file_unique_id: `u-${fileId}`, file_name: "notes.txt" },
    },
  };
  await d.post("Filer", update);
  expect(await waitForTexts(d, "Filer", chatId, 1)).toEqual([`downloaded: contents of ${fileId}`]);
  expect(callsOf(d, "Filer", "getFile").map((c) => c.payload.file_id)).toContain(fileId);
  expect(callsOf(d, "Filer", "fileDownload").map((c) => c.payload.file_path)).toContain(`documents/${fileId}.txt`);
}
