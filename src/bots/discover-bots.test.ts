import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createBotsDir, composerSource, envFile, simpleBot, type BotsDir } from "../testing/bot-fixtures.ts";
import { describeBotFolder, discoverBots, isHandlerFileName } from "./discover-bots.ts";

const handler = composerSource("");

describe("discoverBots", () => {
  let bots: BotsDir | undefined;
  afterEach(() => {
    bots?.cleanup();
    bots = undefined;
  });

  it("skips folders whose name starts with _ or .", async () => {
    bots = createBotsDir({ alpha: simpleBot("Alpha"), _shared: simpleBot("Shared"), ".hidden": simpleBot("Hidden") });
    const found = await discoverBots(bots.dir);
    expect(found.map((f) => f.folderName)).toEqual(["alpha"]);
  });

  it("does not take a folder with neither config file nor .env for a bot", async () => {
    bots = createBotsDir({
      alpha: simpleBot("Alpha"),
      notes: { "README.md": "# not a bot", "handlers/start.ts": handler },
    });
    const found = await discoverBots(bots.dir);
    expect(found.map((f) => f.folderName)).toEqual(["alpha"]);
    expect(await describeBotFolder(path.join(bots.dir, "notes"))).toBeUndefined();
  });

  it("describes a bot with only a .env", async () => {
    bots = createBotsDir({ alpha: { ".env": envFile({ BOT_NAME: "Alpha" }) } });
    const dir = path.join(bots.dir, "alpha");
    expect(await discoverBots(bots.dir)).toEqual([
      { folderName: "alpha", dir, configFile: undefined, envFile: path.join(dir, ".env"), handlerFiles: [] },
    ]);
  });

  it.each([["config.ts"], ["config.js"]])("describes a bot with only %s", async (configName) => {
    bots = createBotsDir({ alpha: { [configName]: 'export const BOT_NAME = "Alpha";\n' } });
    const dir = path.join(bots.dir, "alpha");
    expect(await discoverBots(bots.dir)).toEqual([
      { folderName: "alpha", dir, configFile: path.join(dir, configName), envFile: undefined, handlerFiles: [] },
    ]);
  });

  it("lists handler files in mount order with their fallback flags", async () => {
    bots = createBotsDir({
      alpha: simpleBot("Alpha", {
        "z_catch_all.ts": handler,
        "menu.ts": handler,
        "MyFallBack.ts": handler,
        "Admin.js": handler,
        "a10.mts": handler,
        "a9.mjs": handler,
      }),
    });
    const handlersDir = path.join(bots.dir, "alpha", "handlers");
    const [alpha] = await discoverBots(bots.dir);
    expect(alpha?.handlerFiles).toEqual([
      { name: "Admin.js", path: path.join(handlersDir, "Admin.js"), fallback: false },
      { name: "a10.mts", path: path.join(handlersDir, "a10.mts"), fallback: false },
      { name: "a9.mjs", path: path.join(handlersDir, "a9.mjs"), fallback: false },
      { name: "menu.ts", path: path.join(handlersDir, "menu.ts"), fallback: false },
      { name: "MyFallBack.ts", path: path.join(handlersDir, "MyFallBack.ts"), fallback: true },
      { name: "z_catch_all.ts", path: path.join(handlersDir, "z_catch_all.ts"), fallback: true },
    ]);
  });

  it("does not take declarations, tests, helpers, hidden files, non-JS files or sub-folders for handlers", async () => {
    bots = createBotsDir({
      alpha: simpleBot("Alpha", {
        "start.ts": handler,
        "types.d.ts": "export type X = number;\n",
        "start.test.ts": "",
        "start.spec.js": "",
        "_helper.ts": "export const x = 1;\n",
        ".draft.ts": handler,
        "notes.md": "# notes",
        "data.json": "{}",
        "start.ts.bak": handler,
        "nested/inner.ts": handler,
      }),
    });
    mkdirSync(path.join(bots.dir, "alpha", "handlers", "folder.ts"));
    const [alpha] = await discoverBots(bots.dir);
    expect(alpha?.handlerFiles.map((f) => f.name)).toEqual(["start.ts"]);
  });

  it("gives no handlers when handlers/ is missing or is a file", async () => {
    bots = createBotsDir({ alpha: simpleBot("Alpha"), beta: { ...simpleBot("Beta"), handlers: "not a folder" } });
    const found = await discoverBots(bots.dir);
    expect(found.map((f) => [f.folderName, f.handlerFiles])).toEqual([
      ["alpha", []],
      ["beta", []],
    ]);
  });

  it("refuses a BOTS_DIR that does not exist or is not a folder with a ConfigError naming BOTS_DIR, and lists an empty one as empty", async () => {
    bots = createBotsDir({ a: { "file.txt": "x" } });
    await expect(discoverBots(path.join(bots.dir, "missing"))).rejects.toThrow(/^BOTS_DIR=".*missing" does not exist/);
    await expect(discoverBots(path.join(bots.dir, "a", "file.txt"))).rejects.toThrow(/is not a folder/);
    await expect(discoverBots(path.join(bots.dir, "a"))).resolves.toEqual([]);
  });

  it("ignores plain files in BOTS_DIR", async () => {
    bots = createBotsDir({ alpha: simpleBot("Alpha") });
    writeFileSync(path.join(bots.dir, "README.md"), "# bots");
    writeFileSync(path.join(bots.dir, ".env"), "X=1");
    expect((await discoverBots(bots.dir)).map((f) => f.folderName)).toEqual(["alpha"]);
  });

  it("returns folders in code-point order", async () => {
    const names = ["beta", "Alpha", "a10", "a9", "émile", "zeta", "Zed"];
    bots = createBotsDir(Object.fromEntries(names.map((n) => [n, simpleBot(n)])));
    const found = await discoverBots(bots.dir);
    expect(found.map((f) => f.folderName)).toEqual(["Alpha", "Zed", "a10", "a9", "beta", "zeta", "émile"]);
  });

  it("resolves a relative BOTS_DIR", async () => {
    bots = createBotsDir({ alpha: simpleBot("Alpha") });
    const relative = path.relative(process.cwd(), bots.dir);
    const found = await discoverBots(relative);
    expect(found.map((f) => f.dir)).toEqual([path.join(bots.dir, "alpha")]);
  });
});

describe("describeBotFolder", () => {
  let bots: BotsDir | undefined;
  afterEach(() => {
    bots?.cleanup();
    bots = undefined;
  });

  it("returns undefined for a folder that does not exist", async () => {
    bots = createBotsDir();
    expect(await describeBotFolder(path.join(bots.dir, "nothing"))).toBeUndefined();
  });

  it("reports both a config file and a .env when both exist", async () => {
    bots = createBotsDir({ alpha: { ...simpleBot("Alpha"), "config.ts": "export {};\n" } });
    const dir = path.join(bots.dir, "alpha");
    const folder = await describeBotFolder(dir);
    expect({ config: folder?.configFile, env: folder?.envFile }).toEqual({ config: path.join(dir, "config.ts"), env: path.join(dir, ".env") });
  });

  it("does not count a config.ts folder as a config file", async () => {
    bots = createBotsDir({ alpha: { "config.ts/readme.md": "x" } });
    const dir = path.join(bots.dir, "alpha");
    expect(await describeBotFolder(dir)).toBeUndefined();
  });
});

describe("isHandlerFileName", () => {
  it.each([
    ["start.ts", true],
    ["start.js", true],
    ["start.mts", true],
    ["start.mjs", true],
    ["start.d.ts", false],
    ["start.test.ts", false],
    ["start.spec.mjs", false],
    ["_helper.ts", false],
    [".start.ts", false],
    ["start.json", false],
    ["start.tsx", false],
    ["start", false],
  ])("%s -> %s", (name, expected) => {
    expect(isHandlerFileName(name)).toBe(expected);
  });
});
