/**
 * botStorage(): one storage per bot and namespace that follows the mode. In the embedded default
 * it is the local store, so what a plugin kept survives a restart on the same DATA_DIR; two bots
 * (and two namespaces of one bot) never see each other's values; a bad namespace or a module
 * outside a bot folder is refused with a clear message.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { composerSource, simpleBot } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate } from "../testing/service-harness.ts";
import { botStorage } from "./bot-storage.ts";

/** "put <k> <v>" keeps v under k in namespace "notes"; "get <k>" replies what is kept (both with its bot's name). */
const notes = `import { botStorage } from "clustered-bots";
const storage = botStorage(import.meta.url, "notes");
const other = botStorage(import.meta.url, "other");
c.on("message:text", async (ctx) => {
  const [verb, key, value] = ctx.message.text.split(" ");
  if (verb === "put") { await storage.write(key, value); await other.write(key, "other-" + value); await ctx.reply("kept"); }
  else await ctx.reply(ctx.botName + ":" + String(await storage.read(key)));
});`;

describe("botStorage", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "bot-storage-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const bots = { a: simpleBot("KeeperA", { "a.ts": composerSource(notes) }), b: simpleBot("KeeperB", { "a.ts": composerSource(notes) }) };

  it("keeps a plugin's values per bot and namespace, across a restart of the embedded default", async () => {
    const first = await startTestService({ bots, dataDir });
    await first.postUpdate("KeeperA", textUpdate(1, 1, "put color blue"));
    await first.idle();
    await first.close();

    const second = await startTestService({ bots, dataDir });
    try {
      await second.postUpdate("KeeperA", textUpdate(2, 1, "get color"));
      await second.postUpdate("KeeperB", textUpdate(1, 1, "get color"));
      await second.idle();
      expect(second.standIn.sentMessages().map((m) => m.text).sort()).toEqual(["KeeperA:blue", "KeeperB:undefined"]);
    } finally {
      await second.close();
    }
  });

  it("refuses a namespace it cannot keep apart or that is the engine's, and a module outside any bot folder", () => {
    expect(() => botStorage({ botName: "A" }, "a:b")).toThrow(/namespace must be 1-64 letters/);
    // The engine's own namespaces (the getMe cache) start with "_".
    expect(() => botStorage({ botName: "A" }, "_getMe")).toThrow(/starting with '_' is the engine's own/);
    expect(() => botStorage(import.meta.url, "notes")).toThrow(/is not inside a bot folder loaded by the engine/);
  });
});
