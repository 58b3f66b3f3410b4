// Module hooks for the engine's own TypeScript (plain JS: they run in Node's loader thread).
// `node --import ./src/boot/engine-loader.mjs` registers them instead of tsx for the service, the
// worker, the gateway, the CLI, the demo and the bench: they turn the project's own `.ts` files
// (under src/ and bench/) into JavaScript with esbuild and pass every other module on to Node
// untouched. tsx comes in later, for bot folders only (register-bot-module-resolver.ts).
//
// Why: with tsx registered from the first line, Node 20 routes every `require` inside each
// CommonJS package through the loader thread, because tsx's `load` hands those packages' source
// down the chain. Left alone here, the engine's ~1000 package files load through Node's own
// CommonJS loader: about 0.12 CPU-s less per service start, and tsx's own start (about 0.17 CPU-s)
// less again for a process that loads no bot (docs/architecture.md, "How a process starts").
//
// The output of each file is cached on disk by its path and source (as tsx caches its own), so a
// start reads one file per module and runs esbuild only for a file that changed.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** The folders whose `.ts` files are the engine's, as `file:` URLs ending in "/". */
let engineRoots = [];
let cacheDir;
/** Loaded on the first file that is not cached yet: a start with a warm cache never needs it. */
let esbuild;
let esbuildVersion = "";

export async function initialize(data) {
  engineRoots = data.engineRoots;
  const require = createRequire(import.meta.url);
  esbuildVersion = JSON.parse(readFileSync(require.resolve("esbuild/package.json"), "utf8")).version;
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
  const dir = path.join(os.tmpdir(), `clustered-bots-engine-${uid ?? "user"}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Code is read from here: only a folder of this user's that nobody else may write to is used.
    const { uid: owner, mode } = statSync(dir);
    if ((uid === undefined || owner === uid) && (mode & 0o022) === 0) cacheDir = dir;
  } catch {
    // no cache: every start transforms, nothing else changes
  }
}

const TRANSFORM_OPTIONS = {
  loader: "ts",
  format: "esm",
  target: `node${process.versions.node}`,
  sourcemap: "inline",
  // As tsconfig.json says: an import without `type` is kept, as tsc and tsx keep it.
  tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
};

function isEngineTypeScript(url) {
  return url.endsWith(".ts") && engineRoots.some((root) => url.startsWith(root));
}

async function javascriptOf(file) {
  const source = readFileSync(file, "utf8");
  const key = createHash("sha1").update(esbuildVersion).update("\0").update(file).update("\0").update(source).digest("hex");
  const cached = cacheDir === undefined ? undefined : path.join(cacheDir, `${key}.mjs`);
  if (cached !== undefined) {
    try {
      return readFileSync(cached, "utf8");
    } catch {
      // not cached yet
    }
  }
  esbuild ??= await import("esbuild");
  const { code } = await esbuild.transform(source, { ...TRANSFORM_OPTIONS, sourcefile: file });
  if (cached !== undefined) {
    try {
      // Written aside and renamed: a process starting beside this one reads a whole file or none.
      const partial = `${cached}.${process.pid}.tmp`;
      writeFileSync(partial, code);
      renameSync(partial, cached);
    } catch {
      // a full or read-only temp folder: the next start transforms again
    }
  }
  return code;
}

export async function load(url, context, nextLoad) {
  if (!isEngineTypeScript(url)) return nextLoad(url, context);
  return { format: "module", source: await javascriptOf(fileURLToPath(url)), shortCircuit: true };
}
