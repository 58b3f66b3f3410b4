/**
 * An edit made while the service starts, after the start read a folder and before the watcher is
 * up, is loaded once the service has started (FleetReloader.catchUp): the handler below rewrites
 * its own file when it is imported, so the edit always falls in that gap, whatever the
 * machine's speed. Without the catch-up the bot would answer with the first version for good.
 */
import { afterAll, describe, expect, it } from "vitest";
import { composerSource, simpleBot } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate, type TestService } from "../testing/service-harness.ts";
import { until } from "../testing/until.ts";

/** The handler's second version: answers "v2 <text>". */
const SECOND_VERSION = composerSource('c.on("message:text", (ctx) => ctx.reply("v2 " + ctx.message.text));');

/** The first version answers "v1 <text>" and, when imported, puts the second version in its place. */
const SELF_EDITING_HANDLER = [
  'import { writeFileSync } from "node:fs";',
  'import { fileURLToPath } from "node:url";',
  `writeFileSync(fileURLToPath(import.meta.url), ${JSON.stringify(SECOND_VERSION)});`,
  composerSource('c.on("message:text", (ctx) => ctx.reply("v1 " + ctx.message.text));'),
].join("\n");

describe("live reload at start", () => {
  let t: TestService | undefined;
  afterAll(async () => {
    await t?.close();
  });

  it("loads an edit made while the service started, which no watcher saw", async () => {
    t = await startTestService({
      bots: {
        edited: simpleBot("Edited", { "a.ts": SELF_EDITING_HANDLER }),
        other: simpleBot("Other", { "b.ts": composerSource('c.on("message:text", (ctx) => ctx.reply("other"));') }),
      },
    });
    const service = t;
    let id = 0;
    const reply = await until(async () => {
      id++;
      const before = service.standIn.sentMessages({ chatId: 7 }).length;
      expect((await service.postUpdate("Edited", textUpdate(id, 7, `probe-${id}`))).status).toBe(200);
      const text = await until(() => service.standIn.sentMessages({ chatId: 7 })[before]?.text, 60_000);
      return text.startsWith("v2 ") ? text : undefined;
    }, 60_000, 100).catch((error: unknown) => {
      // What the service did instead, for the failure's reader.
      console.log(service.logs.lines.map((l) => `${String(l.msg)} ${JSON.stringify({ folder: l.folder, reloaded: l.reloaded })}`).join("\n"));
      throw error;
    });
    expect(reply).toBe(`v2 probe-${id}`);
    // The untouched folder was not loaded again.
    expect(service.logs.lines.filter((l) => l.msg === "bot loaded" && l.folder === "other")).toHaveLength(1);
    expect(service.logs.lines.find((l) => l.msg === "BOTS_DIR changed while the service started: loaded what changed")).toMatchObject({ reloaded: ["edited"], removed: [] });
  });
});
