/**
 * Writes bot folder trees for tests. They go under `<project>/.test-tmp/` (not the OS temp dir)
 * so their `import "grammy"` resolves the way a bot in `bots/` does; tests of folders outside the
 * project use `outside: true`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A bot folder: file path (relative to the folder) to content. */
export type BotFiles = Record<string, string>;

export interface BotsDir {
  dir: string;
  /** Adds (or overwrites) a bot folder. */
  addBot(folder: string, files: BotFiles): string;
  cleanup(): void;
}

export function createBotsDir(bots: Record<string, BotFiles> = {}, options: { outside?: boolean } = {}): BotsDir {
  const base = options.outside === true ? os.tmpdir() : path.join(PROJECT_ROOT, ".test-tmp");
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(path.join(base, "bots-"));
  const addBot = (folder: string, files: BotFiles): string => {
    const botDir = path.join(dir, folder);
    for (const [file, content] of Object.entries(files)) {
      const target = path.join(botDir, file);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    mkdirSync(botDir, { recursive: true });
    return botDir;
  };
  for (const [folder, files] of Object.entries(bots)) addBot(folder, files);
  return { dir, addBot, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A `.env` text from key/value pairs. */
export function envFile(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
}

/** A bot folder whose keys come from `.env` and whose handlers are given as source text. */
export function simpleBot(name: string, handlers: Record<string, string> = {}, extraEnv: Record<string, string> = {}): BotFiles {
  const files: BotFiles = {
    ".env": envFile({ BOT_NAME: name, BOT_TOKEN: testToken(name), BOT_INTERNAL_KEY: testKey(name), ...extraEnv }),
  };
  for (const [file, source] of Object.entries(handlers)) files[`handlers/${file}`] = source;
  return files;
}

/** A token shaped like Telegram's, stable per name (tests use it to find the bot's calls). */
export function testToken(name: string): string {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `${100000 + (hash % 900000)}:TEST-${name}-token-${"x".repeat(24)}`;
}

export function testKey(name: string): string {
  return `key-of-${name}-0123456789`;
}

/** A handler file source that exports one Composer built by `body` (which sees `c`). */
export function composerSource(body: string, exportAs = "export default c;"): string {
  return `import { Composer } from "grammy";\nconst c = new Composer();\n${body}\n${exportAs}\n`;
}
