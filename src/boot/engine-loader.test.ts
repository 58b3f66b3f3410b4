/**
 * The engine loader in real Node processes (vitest's module runner bypasses Node's hooks): the
 * engine's TypeScript loads through it with source maps, tsx is not there until bots are, and then
 * bot modules load as under tsx, with the engine's grammY; each engine file is transformed once.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../testing/bot-fixtures.ts";
import { engineNodeArgs } from "./engine-node-args.ts";

const run = promisify(execFile);

const scratch = mkdtempSync(path.join(os.tmpdir(), "cb-engine-loader-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const botsDir = path.join(scratch, "bots");
mkdirSync(path.join(botsDir, "probe_bot", "handlers"), { recursive: true });
// TypeScript only tsx takes: a type annotation, and `./helper.js` that is helper.ts on disk.
writeFileSync(path.join(botsDir, "probe_bot", "handlers", "helper.ts"), "export const answer: number = 42;\n");
writeFileSync(
  path.join(botsDir, "probe_bot", "handlers", "start.ts"),
  'import { Composer, Context } from "grammy";\nimport { answer } from "./helper.js";\nconst c: Composer<Context> = new Composer();\nexport default c;\nexport { answer, Context };\n',
);

// Plain JavaScript, so that nothing but the engine loader is in play before the first import.
const PROBE = `
import path from "node:path";
import { pathToFileURL } from "node:url";
const [project, botsDir] = process.argv.slice(2);
const out = {};
const { botEnv } = await import(pathToFileURL(path.join(project, "src/bots/bot-env.ts")).href);
try {
  botEnv("file:///not-a-bot/module.ts");
} catch (error) {
  out.engineFrame = error.stack.split("\\n")[1].trim();
}
const handler = pathToFileURL(path.join(botsDir, "probe_bot/handlers/start.ts")).href;
try {
  await import(handler + "?before");
  out.beforeBots = "loaded";
} catch (error) {
  out.beforeBots = error.code;
}
const { registerBotModuleResolver } = await import(pathToFileURL(path.join(project, "src/bots/register-bot-module-resolver.ts")).href);
registerBotModuleResolver(botsDir);
const { BotContext } = await import(pathToFileURL(path.join(project, "src/bots/bot-context.ts")).href);
const bot = await import(handler);
out.answer = bot.answer;
out.enginesGrammy = bot.Context === Object.getPrototypeOf(BotContext);
console.log(JSON.stringify(out));
`;
const probe = path.join(scratch, "probe.mjs");
writeFileSync(probe, PROBE);

interface ProbeResult {
  engineFrame: string;
  beforeBots: string;
  answer: number;
  enginesGrammy: boolean;
}

/** Runs the probe on the engine loader, with its transform cache under `tmp`. */
async function runProbe(tmp: string): Promise<ProbeResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  delete env.NODE_OPTIONS;
  delete env.VITEST;
  const { stdout } = await run(process.execPath, [...engineNodeArgs(), probe, PROJECT_ROOT, botsDir], { cwd: scratch, env, timeout: 60_000 });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as ProbeResult;
}

/** Each cached file with its inode and mtime: a file written again (renamed over) gets a new inode. */
function cachedFiles(tmp: string): string[] {
  const [dir] = readdirSync(tmp).filter((name) => name.startsWith("clustered-bots-engine-"));
  if (dir === undefined) return [];
  return readdirSync(path.join(tmp, dir))
    .sort()
    .map((name) => {
      const { ino, mtimeMs } = statSync(path.join(tmp, dir, name));
      return `${name} ${ino} ${mtimeMs}`;
    });
}

function freshTmp(name: string): string {
  const tmp = path.join(scratch, name);
  mkdirSync(tmp);
  return tmp;
}

describe("node --import src/boot/engine-loader.mjs", { timeout: 120_000 }, () => {
  it("loads the engine's TypeScript with its own line numbers, and tsx only once bots are registered", async () => {
    const result = await runProbe(freshTmp("first"));
    // The frame that threw is given by its line in the TypeScript source, not in esbuild's output.
    const source = readFileSync(path.join(PROJECT_ROOT, "src/bots/bot-env.ts"), "utf8").split("\n");
    const line = source.findIndex((text) => text.includes("is not inside a bot folder loaded by the engine")) + 1;
    expect(line).toBeGreaterThan(0);
    expect(result.engineFrame).toContain(`src/bots/bot-env.ts:${line}:`);
    // Before registerBotModuleResolver, a TypeScript file outside the engine is Node's to refuse.
    expect(result.beforeBots).toBe("ERR_UNKNOWN_FILE_EXTENSION");
    expect(result.answer).toBe(42);
    expect(result.enginesGrammy).toBe(true);
  });

  it("transforms each engine file once: a second start reads them all from its cache", async () => {
    const tmp = freshTmp("cached");
    await runProbe(tmp);
    const first = cachedFiles(tmp);
    expect(first.length).toBeGreaterThan(3);
    expect(first.every((entry) => entry.split(" ")[0]?.endsWith(".mjs"))).toBe(true);
    await runProbe(tmp);
    // Not one file written again: the second start read every engine file from the cache.
    expect(cachedFiles(tmp)).toEqual(first);
  });
});
