/**
 * `npm run demo`: the whole flow with no Telegram account. Copies the example bots to a temporary
 * folder with demo tokens, starts a local Bot API stand-in and the service (real HTTP on both
 * sides), sends a few updates the way a gateway would, and prints what each bot answered.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseServiceConfig } from "../config/service-config.ts";
import { LogFile, logRotationOf } from "../logging/log-file.ts";
import { createLogger } from "../logging/logger.ts";
import { SecretScrubber } from "../logging/secret-scrubber.ts";
import { buildService } from "../service/build-service.ts";
import { startBotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";

export interface DemoStep {
  bot: string;
  text: string;
  chatId: number;
  /** Deliver this update twice, as a gateway retry would: it is still handled once. */
  twice?: boolean;
}

export const DEMO_STEPS: readonly DemoStep[] = [
  { bot: "EnglishBot", text: "/start", chatId: 1001 },
  { bot: "EnglishBot", text: "/word", chatId: 1001 },
  { bot: "EnglishBot", text: "concise", chatId: 1001, twice: true },
  { bot: "EnglishBot", text: "/quiz", chatId: 1001 },
  { bot: "EnglishBot", text: "what is this?", chatId: 1001 },
  { bot: "EchoBot", text: "/ping", chatId: 2002 },
  { bot: "EchoBot", text: "hello there", chatId: 2002 },
];

export interface DemoResult {
  answers: Array<{ bot: string; chatId: number | string; text: string }>;
  wrongKeyStatus: number;
  logFile: string | undefined;
}

function demoToken(index: number): string {
  return `${700000 + index}:DEMO-token-not-a-real-one-${index}`;
}

/** Copies `botsDir` to a temp folder and gives every bot a demo token and key. */
function prepareBots(botsDir: string): { dir: string; keys: Map<string, string> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "clustered-bots-demo-"));
  cpSync(botsDir, dir, { recursive: true, filter: (src) => path.basename(src) !== ".env" });
  const keys = new Map<string, string>();
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("_") && !e.name.startsWith("."))
    .forEach((entry, index) => {
      const example = path.join(dir, entry.name, ".env.example");
      const base = existsSync(example) ? readFileSync(example, "utf8") : "";
      const kept = base.split("\n").filter((line) => !/^(BOT_TOKEN|BOT_INTERNAL_KEY)=/.test(line));
      const key = `demo-key-${entry.name}`;
      keys.set(entry.name, key);
      writeFileSync(path.join(dir, entry.name, ".env"), [...kept, `BOT_TOKEN=${demoToken(index)}`, `BOT_INTERNAL_KEY=${key}`].join("\n"));
    });
  return { dir, keys };
}

function textUpdate(updateId: number, chatId: number, text: string): Record<string, unknown> {
  const entities = text.startsWith("/") ? [{ type: "bot_command", offset: 0, length: text.split(" ")[0]?.length ?? 0 }] : undefined;
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: "private", first_name: "Demo" },
      from: { id: chatId, is_bot: false, first_name: "Demo" },
      text,
      ...(entities === undefined ? {} : { entities }),
    },
  };
}

export interface DemoOptions {
  botsDir: string;
  print: (line: string) => void;
  /** Called with the temporary bots folder before the bots load (main installs the module hooks). */
  prepareFolder?: (dir: string) => void;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { print } = options;
  const standIn = await startBotApiStandIn();
  const { dir, keys } = prepareBots(options.botsDir);
  options.prepareFolder?.(dir);
  const logDir = path.join(dir, "_logs");
  const config = parseServiceConfig({ INTERNAL_BOT_API_PORT: 0, BOTS_DIR: dir, TELEGRAM_API_ROOT: standIn.apiRoot, LOG_DIR: logDir, LOG_LEVEL: "debug", DATA_DIR: path.join(dir, "_data") });
  const scrubber = new SecretScrubber();
  const { logger, logFile, close: closeLog } = createLogger({ level: config.LOG_LEVEL, scrubber, stdout: false, file: await LogFile.open({ dir: logDir, rotation: logRotationOf(config) }) });
  const service = await buildService({ config, logger, scrubber });
  try {
    const { address } = await service.start();
    while (service.registry.bots().some((b) => b.status === "starting")) await new Promise((r) => setTimeout(r, 20));
    print(`Bot API stand-in: ${standIn.apiRoot}`);
    print(`Service:          ${address}`);
    for (const failure of service.registry.failures()) print(`  not loaded: ${failure.folder}: ${failure.code}: ${failure.reason}`);
    for (const bot of service.registry.bots()) {
      print(`  bot ${bot.name}: handlers ${bot.handlers.map((h) => h.file.name).join(", ") || "(none)"}${bot.echo ? " + echo" : ""}`);
    }
    const keyOf = (botName: string) => keys.get(service.registry.get(botName)?.folder.folderName ?? "") ?? "";
    const post = async (botName: string, update: unknown, key: string) => {
      const response = await fetch(`${address}/internal/update`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-internal-key": key },
        body: JSON.stringify({ bot_name: botName, update }),
      });
      return { status: response.status, body: await response.text() };
    };

    print("");
    print("Gateway -> POST /internal/update:");
    let updateId = 1;
    for (const step of DEMO_STEPS) {
      const update = textUpdate(updateId++, step.chatId, step.text);
      for (let i = 0; i < (step.twice === true ? 2 : 1); i++) {
        const res = await post(step.bot, update, keyOf(step.bot));
        print(`  ${step.bot.padEnd(11)} ${JSON.stringify(step.text).padEnd(16)} -> ${res.status} ${res.body}${i > 0 ? "  (same update again: handled once)" : ""}`);
      }
    }
    const wrong = await post("EchoBot", textUpdate(updateId++, 2002, "sneaky"), keyOf("EnglishBot"));
    print(`  EchoBot     with EnglishBot's key -> ${wrong.status} ${wrong.body}`);

    await service.embedded?.onIdle();
    const answers = standIn.sentMessages().map((m) => {
      const bot = service.registry.bots().find((b) => b.token === m.token);
      return { bot: bot?.name ?? "?", chatId: m.chatId, text: m.text };
    });
    print("");
    print("Bots -> Bot API (sendMessage):");
    for (const a of answers) print(`  ${a.bot.padEnd(11)} to chat ${a.chatId}: ${a.text.replace(/\n/g, "\n" + " ".repeat(28))}`);
    print("");
    print(`Service log: ${logFile ?? "(none)"} (deleted with the demo folder)`);
    return { answers, wrongKeyStatus: wrong.status, logFile };
  } finally {
    await service.stop(2000);
    await closeLog();
    await standIn.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
