// Entry of every process of the service: `node --import ./src/boot/engine-loader.mjs src/main.ts`.
// Registers engine-hooks.mjs (the engine's own TypeScript, packages left to Node) and notes that
// tsx is still to come: registerBotModuleResolver registers it before the first bot module loads.
// A process started with `--import tsx` instead works the same, only starts slower.
import { register } from "node:module";
import process from "node:process";
import { URL } from "node:url";

process.setSourceMapsEnabled(true);
const project = new URL("../../", import.meta.url);
register("./engine-hooks.mjs", import.meta.url, {
  data: { engineRoots: [new URL("src/", project).href, new URL("bench/", project).href] },
});
globalThis[Symbol.for("clustered-bots.tsx-deferred")] = true;
