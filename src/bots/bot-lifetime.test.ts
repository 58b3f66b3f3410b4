/**
 * botRetired(): a bot module's own resources are closed with its version. A reload that replaced
 * a version aborts the old one's signal (once its updates finished) and not the new one's; a
 * version that failed to load is aborted at once; a module outside a bot folder is refused.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { composerSource, simpleBot } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate } from "../testing/service-harness.ts";
import { botRetired } from "./bot-lifetime.ts";

/** A handler module that opens an interval at import and closes it on its version's signal; "which" replies its label. */
const lifetimeHandler = (label: string) =>
  composerSource(`import { botRetired } from "clustered-bots";
const events = (globalThis.__cbLifetimeEvents ??= []);
const timer = setInterval(() => undefined, 60_000);
botRetired(import.meta.url).addEventListener("abort", () => { clearInterval(timer); events.push("retired ${label}"); });
events.push("opened ${label}");
c.on("message:text", (ctx) => ctx.reply("${label}"));`);

const events = (): string[] => ((globalThis as { __cbLifetimeEvents?: string[] }).__cbLifetimeEvents ??= []);

describe("botRetired", () => {
  it("aborts a replaced version's signal, not the serving one's, and a failed version's at once", async () => {
    events().length = 0;
    const t = await startTestService({ bots: { life: simpleBot("Lifetime", { "a.ts": lifetimeHandler("v1") }) }, env: { BOTS_WATCH: "false" } });
    try {
      expect(events()).toEqual(["opened v1"]);
      const file = path.join(t.bots.dir, "life", "handlers", "a.ts");
      writeFileSync(file, lifetimeHandler("v2"));
      await t.service.fleet.reloadFolder("life");
      await t.postUpdate("Lifetime", textUpdate(1, 1, "which"));
      await t.idle();
      expect(t.standIn.sentMessages({ chatId: 1 }).map((m) => m.text)).toEqual(["v2"]);
      await expect.poll(() => events()).toEqual(["opened v1", "opened v2", "retired v1"]);

      // A version whose module opened its interval and then threw: closed, and v2 still serves.
      writeFileSync(file, `${lifetimeHandler("v3")}\nthrow new Error("broken at import");\n`);
      await t.service.fleet.reloadFolder("life");
      expect(events()).toEqual(["opened v1", "opened v2", "retired v1", "opened v3", "retired v3"]);
      expect(t.service.registry.folders().find((f) => f.folder === "life")?.state).toBe("ready-newer-failed");
    } finally {
      await t.close();
    }
  });

  it("refuses a module that is not in a bot folder the engine loaded, saying so", () => {
    expect(() => botRetired(import.meta.url)).toThrow(/botRetired\(\): .* is not a module of a bot folder/);
  });
});
