/**
 * Generated bots for the benchmarks: N bot folders of 3 handler files each, written under
 * `<project>/.test-tmp/` so their `import "grammy"` resolves for the baselines too (which import
 * the very same handler files: "same handlers" on both sides of every comparison).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "./processes.ts";

export interface FarmBot {
  name: string;
  folder: string;
  token: string;
  key: string;
}

export interface BotFarm {
  dir: string;
  bots: FarmBot[];
  cleanup(): void;
}

/** The three handlers every generated bot has; the load only ever reaches the fallback's echo. */
const HANDLERS: Record<string, string> = {
  "a_start.ts": `import { Composer } from "grammy";\nconst c = new Composer();\nc.command("start", (ctx) => ctx.reply("welcome"));\nexport default c;\n`,
  "b_ping.ts": `import { Composer } from "grammy";\nconst c = new Composer();\nc.hears(/^ping$/, (ctx) => ctx.reply("pong"));\nexport default c;\n`,
  // The reply carries the update's text, whose send time the latency measurement reads back.
  "z_fallback.ts": `import { Composer } from "grammy";\nconst c = new Composer();\nc.on("message:text", (ctx) => ctx.reply("echo: " + ctx.message.text));\nexport default c;\n`,
};

export const HANDLER_FILES = Object.keys(HANDLERS);

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** A token shaped like Telegram's (digits, colon, 35 characters), unique per bot. */
function tokenFor(index: number): string {
  return `${700000 + index}:BENCH${pad(index, 6)}${"x".repeat(24)}`;
}

export interface BotFarmOptions {
  /**
   * The handler files live once in `_shared/` and each bot has one handler file that re-exports
   * them (a fleet of many bots built from one code base). @defaultValue false: three
   * handler files per bot
   */
  sharedHandlers?: boolean;
}

/** A bot's one handler file of a shared farm: the three handlers of `_shared/`, as they are, re-exported in mount order. */
const SHARED_REEXPORT = HANDLER_FILES.map((file) => `export { default as ${file.replace(/\.ts$/, "")} } from "../../_shared/${file}";\n`).join("");

export function createBotFarm(count: number, options: BotFarmOptions = {}): BotFarm {
  const base = path.join(PROJECT_ROOT, ".test-tmp");
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(path.join(base, "bench-bots-"));
  const width = String(count).length;
  if (options.sharedHandlers === true) {
    mkdirSync(path.join(dir, "_shared"), { recursive: true });
    for (const [file, source] of Object.entries(HANDLERS)) writeFileSync(path.join(dir, "_shared", file), source);
  }
  const bots: FarmBot[] = [];
  for (let i = 0; i < count; i++) {
    const name = `Bench${pad(i, width)}`;
    const folder = path.join(dir, `bot_${pad(i, width)}`);
    const bot: FarmBot = { name, folder, token: tokenFor(i), key: `bench-key-${pad(i, width)}-0123456789abcdef` };
    mkdirSync(path.join(folder, "handlers"), { recursive: true });
    writeFileSync(path.join(folder, ".env"), `BOT_NAME=${bot.name}\nBOT_TOKEN=${bot.token}\nBOT_INTERNAL_KEY=${bot.key}\n`);
    if (options.sharedHandlers === true) writeFileSync(path.join(folder, "handlers", "all.ts"), SHARED_REEXPORT);
    else for (const [file, source] of Object.entries(HANDLERS)) writeFileSync(path.join(folder, "handlers", file), source);
    bots.push(bot);
  }
  return { dir, bots, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Where a farm lists its bots for the baselines (a file in BOTS_DIR is not a bot folder). */
export function farmManifest(dir: string): string {
  return path.join(dir, "bench-bots.json");
}

export function writeFarmManifest(farm: BotFarm): string {
  const file = farmManifest(farm.dir);
  writeFileSync(file, JSON.stringify(farm.bots));
  return file;
}

export function readManifest(file: string): FarmBot[] {
  return JSON.parse(readFileSync(file, "utf8")) as FarmBot[];
}
