/**
 * The bot module hooks in a real Node process (vitest's own module runner bypasses Node's hooks):
 * what a bot module imports resolves as it would through tsx and Node alone, with the hooks'
 * shortcuts (file URLs, bare imports resolved once per folder, sources read here).
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { createBotsDir, PROJECT_ROOT, type BotsDir } from "../testing/bot-fixtures.ts";

const run = promisify(execFile);

const probe = "export const url = import.meta.url;\n";
const usesGrammy = `import { Composer, Context } from "grammy";\nimport pLimit from "p-limit";\n${probe}export const C = Composer;\nexport const Ctx = Context;\nexport const limit = pLimit.name;\n`;

/** Imports each file (relative to `dir`) in a process with the hooks for `dir`; one JSON line per file. */
const IMPORTER = `
import path from "node:path";
import { pathToFileURL } from "node:url";
const [project, dir, ...files] = process.argv.slice(2);
const { registerBotModuleResolver } = await import(path.join(project, "src/bots/register-bot-module-resolver.ts"));
registerBotModuleResolver(dir);
const { BotContext } = await import(path.join(project, "src/bots/bot-context.ts"));
const engineContext = Object.getPrototypeOf(BotContext);
for (const file of files) {
  try {
    const m = await import(pathToFileURL(path.join(dir, file)).href);
    console.log(JSON.stringify({ file, url: m.url, which: m.which, limit: m.limit, grammy: m.Ctx === undefined ? undefined : m.Ctx === engineContext ? "engine" : m.C.name }));
  } catch (error) {
    console.log(JSON.stringify({ file, error: error.code }));
  }
}
`;

interface Imported {
  file: string;
  url?: string;
  which?: string;
  limit?: string;
  grammy?: string;
  error?: string;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function importAll(bots: BotsDir, files: string[]): Promise<Map<string, Imported>> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "cb-importer-"));
  cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
  // TypeScript, as the engine module that imports bot files is (tsx maps `.js` to `.ts` for those).
  const importer = path.join(scratch, "importer.mts");
  writeFileSync(importer, IMPORTER);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.VITEST;
  const { stdout } = await run(process.execPath, ["--import", "tsx", importer, PROJECT_ROOT, bots.dir, ...files], { cwd: PROJECT_ROOT, env });
  const lines = stdout.trim().split("\n").map((line) => JSON.parse(line) as Imported);
  return new Map(lines.map((line) => [line.file, line]));
}

function botsDir(outside: boolean): BotsDir {
  const bots = createBotsDir(
    {
      a: { "handlers/one.ts": usesGrammy, "handlers/two.js": usesGrammy, "handlers/lib/deep.ts": usesGrammy, "handlers/dup.js": `${probe}export const which = "js";\n`, "handlers/dup.ts": `${probe}export const which = "ts";\n`, "handlers/missing.ts": 'import "no-such-package-anywhere";\n', "_shared/y.ts": probe },
      own: {
        "handlers/one.ts": usesGrammy,
        "handlers/lib/deep.ts": usesGrammy,
        "node_modules/grammy/package.json": '{"name":"grammy","type":"module","main":"index.js"}',
        "node_modules/grammy/index.js": "export class OwnComposer {}\nexport { OwnComposer as Composer };\nexport class Context {}\n",
        "node_modules/p-limit/package.json": '{"name":"p-limit","type":"module","main":"index.js"}',
        "node_modules/p-limit/index.js": "export default function ownPLimit() {}\n",
      },
      scoped: { "package.json": '{"type":"commonjs"}', "handlers/one.ts": usesGrammy },
    },
    { outside },
  );
  cleanups.push(() => bots.cleanup());
  const elsewhere = mkdtempSync(path.join(os.tmpdir(), "cb-elsewhere-"));
  cleanups.push(() => rmSync(elsewhere, { recursive: true, force: true }));
  writeFileSync(path.join(elsewhere, "x.ts"), probe);
  mkdirSync(path.join(bots.dir, "a", "handlers"), { recursive: true });
  symlinkSync(path.join(elsewhere, "x.ts"), path.join(bots.dir, "a", "handlers", "outside.ts"));
  symlinkSync(path.join("..", "_shared", "y.ts"), path.join(bots.dir, "a", "handlers", "inside.ts"));
  return bots;
}

describe.each([
  ["inside the project", false],
  ["outside the project", true],
])("bot module hooks, bots folder %s", (_where, outside) => {
  it("resolve each bot's imports as Node and tsx would", async () => {
    const bots = botsDir(outside);
    const files = ["a/handlers/one.ts", "own/handlers/one.ts", "a/handlers/two.js", "own/handlers/lib/deep.ts", "a/handlers/lib/deep.ts", "scoped/handlers/one.ts", "a/handlers/dup.js", "a/handlers/outside.ts", "a/handlers/inside.ts", "a/handlers/missing.ts", "a/handlers/gone.ts"];
    const imported = await importAll(bots, files);
    const url = (file: string) => pathToFileURL(path.join(realpathSync(bots.dir), file)).href;

    // The engine's grammY always, even for a bot folder with a grammy of its own.
    const grammyUsers = ["a/handlers/one.ts", "a/handlers/two.js", "a/handlers/lib/deep.ts", "scoped/handlers/one.ts", "own/handlers/one.ts", "own/handlers/lib/deep.ts"];
    expect(grammyUsers.map((f) => imported.get(f)?.grammy)).toEqual(grammyUsers.map(() => "engine"));
    // Any other package: the bot folder's own copy, in every folder of that bot, else the project's.
    expect(grammyUsers.map((f) => imported.get(f)?.limit)).toEqual(["pLimit", "pLimit", "pLimit", "pLimit", "ownPLimit", "ownPLimit"]);
    expect(imported.get("a/handlers/one.ts")?.url).toBe(url("a/handlers/one.ts"));
    // tsx maps a .js import to its .ts sibling.
    expect(imported.get("a/handlers/dup.js")).toMatchObject({ which: "ts", url: url("a/handlers/dup.ts") });
    // Symlinks resolve to the real file, inside the bots folder or not.
    expect(imported.get("a/handlers/inside.ts")?.url).toBe(url("a/_shared/y.ts"));
    expect(imported.get("a/handlers/outside.ts")?.url).toMatch(/cb-elsewhere-[^/]+\/x\.ts$/);
    expect(imported.get("a/handlers/missing.ts")?.error).toBe("ERR_MODULE_NOT_FOUND");
    expect(imported.get("a/handlers/gone.ts")?.error).toBe("ERR_MODULE_NOT_FOUND");
  });
});
