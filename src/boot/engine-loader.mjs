// Entry of every process of the service: `node --import ./src/boot/engine-loader.mjs src/main.ts`.
// Registers engine-hooks.mjs (the engine's own TypeScript, packages left to Node) and notes that
// tsx is still to come: registerBotModuleResolver registers it before the first bot module loads.
// A process started with `--import tsx` instead works the same, only starts slower.
//
// The hooks run in Node's module-hooks thread, an isolate of its own, created by the first
// register(). Loading many bots allocates fast there, so V8 grew its young generation to the
// usual 32 MB and, the thread being idle afterwards, never gave it back: at 1000 bots, 28 MB of
// the loader's 45 MB heap was an empty young generation, some 17 MB of resident memory. That
// isolate alone gets semi-spaces of 2 MB (the flag is set only while register() creates it): the
// same start time and CPU, 142-145 against 160-162 MB of anonymous RSS at 1000 bots
// (docs/performance.md, "Where a bot's memory goes").
import { register } from "node:module";
import process from "node:process";
import { URL } from "node:url";
import { setFlagsFromString } from "node:v8";

process.setSourceMapsEnabled(true);
const project = new URL("../../", import.meta.url);
// A semi-space size given to node (flags or NODE_OPTIONS) is the user's: left as it is, for every isolate.
const userSemiSpace = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].some((flag) => /^--max[-_]semi[-_]space[-_]size\b/.test(flag));
if (!userSemiSpace) setFlagsFromString("--max-semi-space-size=2");
try {
  register("./engine-hooks.mjs", import.meta.url, {
    data: { engineRoots: [new URL("src/", project).href, new URL("bench/", project).href] },
  });
} finally {
  // Back to V8's default (0: sized by V8) for every isolate created later (workers, transports).
  if (!userSemiSpace) setFlagsFromString("--max-semi-space-size=0");
}
globalThis[Symbol.for("clustered-bots.tsx-deferred")] = true;
