/** Which grammy a bot folder would get from plain Node, and which folders installed another major than the service's, over real folder trees. */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createBotsDir, type BotsDir } from "../testing/bot-fixtures.ts";
import { compatibleMajor, GrammyLookup, grammyMismatches } from "./grammy-version.ts";

const grammyPackage = (version: string) => JSON.stringify({ name: "grammy", version });

let bots: BotsDir | undefined;
afterEach(() => bots?.cleanup());

describe("grammy versions of bot folders", () => {
  it("finds the nearest node_modules/grammy walking up, as Node would, and groups other majors by copy", () => {
    bots = createBotsDir(
      {
        node_modules: { "grammy/package.json": grammyPackage("2.1.0") },
        uses_shared: { "config.ts": "" },
        also_shared: { "config.ts": "" },
        own_one: { "config.ts": "", "node_modules/grammy/package.json": grammyPackage("1.40.0") },
        own_zero: { "config.ts": "", "node_modules/grammy/package.json": grammyPackage("0.6.0") },
      },
      { outside: true },
    );
    const folders = ["uses_shared", "also_shared", "own_one", "own_zero"].map((folderName) => ({ folderName, dir: path.join(bots!.dir, folderName) }));
    const lookup = new GrammyLookup();
    expect(lookup.find(path.join(bots.dir, "uses_shared", "handlers"))).toEqual({ dir: path.join(bots.dir, "node_modules", "grammy"), version: "2.1.0" });
    expect(lookup.find(path.join(bots.dir, "own_one"))?.version).toBe("1.40.0");

    const service = { dir: "/srv/service/node_modules/grammy", version: "1.46.0" };
    const mismatches = grammyMismatches(folders, service, lookup);
    expect(mismatches.map((m) => ({ version: m.folderGrammy.version, folders: m.folders }))).toEqual([
      { version: "2.1.0", folders: ["uses_shared", "also_shared"] },
      { version: "0.6.0", folders: ["own_zero"] },
    ]);
  });

  it("counts majors as semver does: 0.x minors are majors of their own", () => {
    expect([compatibleMajor("1.46.0"), compatibleMajor("1.2.3-beta.1"), compatibleMajor("0.6.0"), compatibleMajor("0.7.1")]).toEqual(["1", "1", "0.6", "0.7"]);
  });
});
