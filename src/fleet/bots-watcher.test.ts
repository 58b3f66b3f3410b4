/**
 * The watcher on a real folder: one watch per directory reports a changed handler, a folder copied
 * in with subfolders, files in a subfolder made while it runs (and later edits of them), a removed
 * folder and a shared folder; node_modules, dot folders and files that are not code do not count.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BotsWatcher } from "./bots-watcher.ts";

let root: string;
let watcher: BotsWatcher;
let seen: string[];
const listeners = new Set<() => void>();

/** Resolves once `folder` has been reported `times` times in all (a hang guard, not a speed limit). */
function reported(folder: string, times = 1): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${folder} not reported ${times} time(s); seen: ${JSON.stringify(seen)}`)), 30_000);
    const check = () => {
      if (seen.filter((f) => f === folder).length >= times) {
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      }
    };
    listeners.add(check);
    check();
  });
}

function write(relative: string, text = "export {};\n"): void {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

beforeEach(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "cb-watch-"));
  write("alpha/handlers/a.ts");
  write("beta/config.ts");
  write("_shared/util.ts");
  seen = [];
  const note = (folder: string) => {
    seen.push(folder);
    for (const listener of listeners) listener();
  };
  watcher = new BotsWatcher({ botsDir: root, debounceMs: 50, logger: pino({ level: "silent" }), onFolder: note, onShared: () => note("(shared)") });
  await watcher.start();
});

afterEach(async () => {
  await watcher.close();
  rmSync(root, { recursive: true, force: true });
});

describe("BotsWatcher", () => {
  it("reports a changed handler once per quiet spell, and a shared folder's change apart", async () => {
    for (let i = 0; i < 5; i++) appendFileSync(path.join(root, "alpha/handlers/a.ts"), `// ${i}\n`);
    await reported("alpha");
    appendFileSync(path.join(root, "_shared/util.ts"), "// changed\n");
    await reported("(shared)");
    expect(seen).toEqual(["alpha", "(shared)"]);
  });

  it("watches what appears while it runs: a folder copied in, a new subfolder, later edits deep inside", async () => {
    write("gamma/handlers/start.ts");
    await reported("gamma");
    write("alpha/services/deep/store.ts");
    await reported("alpha");
    // The new subfolder is watched now: an edit there is seen too.
    appendFileSync(path.join(root, "alpha/services/deep/store.ts"), "// edit\n");
    await reported("alpha", 2);
    rmSync(path.join(root, "beta"), { recursive: true });
    await reported("beta");
  });

  it("ignores node_modules, dot folders and files that are not code", async () => {
    write("alpha/node_modules/lib/index.js");
    write("alpha/.cache/x.ts");
    write("alpha/users.json", "{}");
    // A sentinel after them: had any counted, alpha would be reported before it.
    appendFileSync(path.join(root, "beta/config.ts"), "// sentinel\n");
    await reported("beta");
    expect(seen).toEqual(["beta"]);
    write("alpha/.env", "GREETING=hi\n");
    await reported("alpha");
  });
});
