import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.ts";
import { SecretScrubber } from "../logging/secret-scrubber.ts";
import { composerSource, createBotsDir, envFile, simpleBot, testKey, testToken, type BotsDir } from "../testing/bot-fixtures.ts";
import { LogCapture } from "../testing/log-capture.ts";
import { loadBots, type BotRegistry } from "./bot-registry.ts";
import type { BotFailure } from "./loaded-bot.ts";
import { discoverBots } from "./discover-bots.ts";

const PINO_INFO = 30;
const PINO_ERROR = 50;
/** Only in one bot's .env: it must not reach process.env. */
const BOT_ONLY_VARIABLE = "REGISTRY_TEST_ONLY_IN_BETA_ENV";

const emptyComposer = composerSource("");

async function load(bots: BotsDir, concurrency?: number) {
  const logs = new LogCapture();
  const scrubber = new SecretScrubber();
  const { logger } = createLogger({ level: "debug", scrubber, extraStream: logs, stdout: false });
  const secrets: string[] = [];
  const registry = await loadBots(await discoverBots(bots.dir), {
    logger,
    // As the service wires it: every secret goes to the scrubber before anything could log it.
    onSecret: (secret) => {
      secrets.push(secret);
      scrubber.add(secret);
    },
    apiRoot: "http://127.0.0.1:9",
    apiTimeoutSeconds: 5,
    ...(concurrency === undefined ? {} : { concurrency }),
  });
  return { registry, logs, secrets };
}

describe("loadBots", () => {
  let bots: BotsDir;
  let registry: BotRegistry;
  let logs: LogCapture;
  let secrets: string[];
  let envBefore: Record<string, string | undefined>;

  beforeAll(async () => {
    envBefore = { ...process.env };
    bots = createBotsDir({
      alpha: simpleBot("Alpha", { "start.ts": emptyComposer, "z_rest.ts": emptyComposer, "menu.ts": emptyComposer }),
      beta: simpleBot(
        "Beta",
        {
          // default + a second named Composer + the default again under another name: 2 Composers.
          "multi.ts": composerSource("export const second = new Composer();\nexport const again = c;\nexport const helper = 1;"),
          // named exports only
          "named.ts": 'import { Composer } from "grammy";\nexport const a = new Composer();\nexport const b = new Composer();\nexport const c = new Composer();\n',
        },
        { [BOT_ONLY_VARIABLE]: "beta-only" },
      ),
      configured: {
        "config.ts": `export const BOT_NAME = "Configured";\nexport const BOT_TOKEN = ${JSON.stringify(testToken("FromConfig"))};\n`,
        ".env": envFile({ BOT_NAME: "EnvName", BOT_TOKEN: testToken("FromEnv"), BOT_INTERNAL_KEY: testKey("Configured") }),
      },
      missing_key: { ".env": envFile({ BOT_NAME: "MissingKey", BOT_TOKEN: testToken("MissingKey") }) },
      // Code-point order puts "Dup_b" before "dup_a" (a case-insensitive sort would not).
      dup_a: simpleBot("Dup"),
      Dup_b: { ...simpleBot("Dup"), ".env": envFile({ BOT_NAME: "Dup", BOT_TOKEN: testToken("Dup2"), BOT_INTERNAL_KEY: testKey("Dup2") }) },
      broken: simpleBot("Broken", { "a.ts": emptyComposer, "broken.ts": 'throw new Error("boom at import");\n' }),
      empty_handler: simpleBot("Empty", { "nothing.ts": "export const value = 42;\nexport default function handler() {}\n" }),
      leaky: simpleBot("Leaky", {
        "leak.ts": `throw new Error("cannot use ${testToken("Leaky")} with ${testKey("Leaky")}");\n`,
      }),
    });
    ({ registry, logs, secrets } = await load(bots));
  });
  afterAll(() => bots.cleanup());

  it("loads the good bots and only them, in folder order", () => {
    expect(registry.bots().map((b) => b.name)).toEqual(["Dup", "Alpha", "Beta", "Configured"]);
    expect(registry.counts()).toEqual({ loaded: 4, ready: 0, starting: 4, failed: 5, loading: 0, draining: 0 });
  });

  it("reports each failed folder with its code, file and reason", () => {
    expect(registry.failures()).toEqual<BotFailure[]>([
      { folder: "broken", name: "Broken", code: "HANDLER_IMPORT_FAILED", file: "handlers/broken.ts", reason: expect.stringContaining("boom at import") as string },
      { folder: "dup_a", name: "Dup", code: "DUPLICATE_BOT_NAME", file: ".env", reason: expect.stringContaining('folder "Dup_b"') as string },
      { folder: "empty_handler", name: "Empty", code: "HANDLER_WITHOUT_COMPOSER", file: "handlers/nothing.ts", reason: expect.stringContaining("nothing.ts") as string },
      { folder: "leaky", name: "Leaky", code: "HANDLER_IMPORT_FAILED", file: "handlers/leak.ts", reason: expect.any(String) as string },
      { folder: "missing_key", name: undefined, code: "MISSING_KEY", file: ".env", reason: expect.stringContaining("BOT_INTERNAL_KEY") as string },
    ]);
  });

  it("takes a constant exported by config.ts over the .env, and the other keys from the .env", () => {
    const configured = registry.get("Configured");
    expect(registry.get("EnvName")).toBeUndefined();
    expect(configured?.token).toBe(testToken("FromConfig"));
    expect(configured?.matchesKey(testKey("Configured"))).toBe(true);
  });

  it("keeps the first folder of a duplicated BOT_NAME", () => {
    const dup = registry.get("Dup");
    expect(dup?.folder.folderName).toBe("Dup_b");
    expect(dup?.token).toBe(testToken("Dup2"));
    expect(dup?.matchesKey(testKey("Dup2"))).toBe(true);
    expect(dup?.matchesKey(testKey("Dup"))).toBe(false);
  });

  it("logs each folder that did not load at error level, naming folder, file and reason", () => {
    const lines = logs.find("bot not loaded").map(({ level, folder, bot, file, code, reason }) => ({ level, folder, bot, file, code, reason }));
    expect(lines).toEqual([
      { level: PINO_ERROR, folder: "broken", bot: "Broken", file: "handlers/broken.ts", code: "HANDLER_IMPORT_FAILED", reason: expect.stringContaining("boom at import") as string },
      { level: PINO_ERROR, folder: "dup_a", bot: "Dup", file: ".env", code: "DUPLICATE_BOT_NAME", reason: expect.stringContaining("Dup_b") as string },
      { level: PINO_ERROR, folder: "empty_handler", bot: "Empty", file: "handlers/nothing.ts", code: "HANDLER_WITHOUT_COMPOSER", reason: expect.any(String) as string },
      { level: PINO_ERROR, folder: "leaky", bot: "Leaky", file: "handlers/leak.ts", code: "HANDLER_IMPORT_FAILED", reason: expect.any(String) as string },
      { level: PINO_ERROR, folder: "missing_key", bot: undefined, file: ".env", code: "MISSING_KEY", reason: expect.stringContaining("BOT_INTERNAL_KEY") as string },
    ]);
  });

  it("logs each loaded bot with its handlers in mount order, its fallbacks and whether echo is on", () => {
    const lines = logs.find("bot loaded").map(({ level, bot, folder, handlers, fallbacks, echo }) => ({ level, bot, folder, handlers, fallbacks, echo }));
    expect(lines).toEqual([
      { level: PINO_INFO, bot: "Dup", folder: "Dup_b", handlers: [], fallbacks: [], echo: true },
      { level: PINO_INFO, bot: "Alpha", folder: "alpha", handlers: ["menu.ts", "start.ts", "z_rest.ts"], fallbacks: ["z_rest.ts"], echo: false },
      { level: PINO_INFO, bot: "Beta", folder: "beta", handlers: ["multi.ts", "named.ts"], fallbacks: [], echo: true },
      { level: PINO_INFO, bot: "Configured", folder: "configured", handlers: [], fallbacks: [], echo: true },
    ]);
  });

  it("mounts every Composer a file exports, default and named, counting one exported twice once", () => {
    const beta = registry.get("Beta");
    expect(beta?.handlers.map((h) => ({ name: h.file.name, composers: h.composers }))).toEqual([
      { name: "multi.ts", composers: 2 },
      { name: "named.ts", composers: 3 },
    ]);
    expect(registry.get("Alpha")?.handlers.map((h) => [h.file.name, h.composers, h.file.fallback])).toEqual([
      ["menu.ts", 1, false],
      ["start.ts", 1, false],
      ["z_rest.ts", 1, true],
    ]);
  });

  it("keeps a bot's .env out of process.env and hands it to the bot instead", () => {
    expect(process.env[BOT_ONLY_VARIABLE]).toBeUndefined();
    for (const key of ["BOT_NAME", "BOT_TOKEN", "BOT_INTERNAL_KEY"]) expect(process.env[key]).toBe(envBefore[key]);
    expect(registry.get("Beta")?.env).toEqual({
      BOT_NAME: "Beta",
      BOT_TOKEN: testToken("Beta"),
      BOT_INTERNAL_KEY: testKey("Beta"),
      [BOT_ONLY_VARIABLE]: "beta-only",
    });
  });

  it("passes every token and internal key it read to onSecret, also from .env files of bots that fail or are overridden", () => {
    const expected = [
      testToken("FromEnv"),
      testToken("MissingKey"),
      ...["Alpha", "Beta", "Dup", "Broken", "Empty", "Leaky"].flatMap((name) => [testToken(name), testKey(name)]),
      testToken("FromConfig"),
      testKey("Configured"),
      testToken("Dup2"),
      testKey("Dup2"),
    ];
    expect([...new Set(secrets)].sort()).toEqual([...expected].sort());
  });

  it("writes no token or internal key to the log, even from an error message that held them", () => {
    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(0);
    const names = ["Alpha", "Beta", "Dup", "Dup2", "Broken", "Empty", "Leaky", "MissingKey", "FromConfig", "FromEnv", "Configured"];
    const leaked = names.flatMap((name) => [testToken(name), testKey(name)]).filter((secret) => text.includes(secret));
    expect(leaked).toEqual([]);
    // The leaky handler's message is still there, with the secrets cut out.
    expect(logs.find("bot not loaded", { folder: "leaky" })[0]?.reason).toContain("[redacted]");
  });
});

describe("loadBots with a single failing folder", () => {
  let bots: BotsDir | undefined;
  afterAll(() => bots?.cleanup());

  it("loads nothing and fails nothing for no folders", async () => {
    bots = createBotsDir();
    const { registry, logs } = await load(bots);
    expect(registry.bots()).toEqual([]);
    expect(registry.failures()).toEqual([]);
    expect(logs.lines).toEqual([]);
  });

  it("accepts the keys from a default-exported config object", async () => {
    bots?.cleanup();
    bots = createBotsDir({
      only: {
        "config.ts": `export default { BOT_NAME: "FromDefault", BOT_TOKEN: ${JSON.stringify(testToken("FromDefault"))}, BOT_INTERNAL_KEY: ${JSON.stringify(testKey("FromDefault"))} };\n`,
      },
    });
    const { registry } = await load(bots);
    expect(registry.failures()).toEqual([]);
    expect(registry.get("FromDefault")?.token).toBe(testToken("FromDefault"));
  });

  it("fails a folder whose config.ts throws at import with CONFIG_IMPORT_FAILED naming config.ts", async () => {
    bots?.cleanup();
    bots = createBotsDir({
      bad_config: { "config.ts": 'throw new Error("config exploded");\n', ".env": envFile({ BOT_NAME: "BadConfig" }) },
      good: simpleBot("Good"),
    });
    const { registry, logs } = await load(bots);
    expect(registry.bots().map((b) => b.name)).toEqual(["Good"]);
    expect(registry.failures()).toEqual<BotFailure[]>([
      { folder: "bad_config", name: undefined, code: "CONFIG_IMPORT_FAILED", file: "config.ts", reason: expect.stringContaining("config exploded") as string },
    ]);
    expect(logs.find("bot not loaded").map((l) => [l.folder, l.file, l.code])).toEqual([["bad_config", "config.ts", "CONFIG_IMPORT_FAILED"]]);
  });

  it("keeps the .env's internal key out of the log when config.ts fails with it in its message", async () => {
    bots?.cleanup();
    bots = createBotsDir({
      bad_config: {
        "config.ts": `throw new Error("refusing key ${testKey("BadConfig")}");\n`,
        ".env": envFile({ BOT_NAME: "BadConfig", BOT_TOKEN: testToken("BadConfig"), BOT_INTERNAL_KEY: testKey("BadConfig") }),
      },
    });
    const { registry, logs } = await load(bots);
    expect(registry.failures().map((f) => f.code)).toEqual(["CONFIG_IMPORT_FAILED"]);
    expect(logs.text()).not.toContain(testKey("BadConfig"));
  });
});

describe("loadBots' concurrency", () => {
  const PROBE = Symbol.for("cb.test.loadConcurrency");
  let bots: BotsDir | undefined;
  afterAll(() => {
    bots?.cleanup();
    delete (globalThis as Record<symbol, unknown>)[PROBE];
  });

  it("imports at most `concurrency` folders at once (BOTS_LOAD_CONCURRENCY), and that many side by side", async () => {
    const total = 7;
    const limit = 3;
    const probe = { inflight: 0, max: 0, started: 0, waiting: [] as Array<() => void>, timer: undefined as NodeJS.Timeout | undefined };
    const release = () => {
      probe.timer = undefined;
      for (const wake of probe.waiting.splice(0)) wake();
    };
    // Each handler holds its import open until `limit` imports are under way, and then a little
    // longer, so that an import past the limit (were there one) would be counted; the last ones
    // go at once. A slow machine can only hide a fault here, never fail a correct loader.
    const peers = () =>
      new Promise<void>((resolve) => {
        probe.waiting.push(resolve);
        if (probe.started === total) release();
        else if (probe.inflight >= limit) probe.timer ??= setTimeout(release, 100);
      });
    (globalThis as Record<symbol, unknown>)[PROBE] = { probe, peers };
    const handler = `import { Composer } from "grammy";
const { probe, peers } = globalThis[Symbol.for("cb.test.loadConcurrency")];
probe.inflight++; probe.started++; probe.max = Math.max(probe.max, probe.inflight);
await peers();
probe.inflight--;
export default new Composer();
`;
    bots = createBotsDir(Object.fromEntries(Array.from({ length: total }, (_, i) => [`bot_${i}`, simpleBot(`Conc${i}`, { "a.ts": handler })])));
    const { registry } = await load(bots, limit);
    expect(registry.bots()).toHaveLength(total);
    expect(probe.max).toBe(limit);
  });
});
