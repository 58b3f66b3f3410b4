/**
 * Installs bot-module-resolver.mjs for `botsDir`, so a bots folder anywhere on disk loads as it
 * would inside the project: as ES modules, importing the engine's own "grammy" and "clustered-bots",
 * and the CommonJS half (engine-require-redirect.ts) for the packages installed in it.
 */
import { realpathSync } from "node:fs";
import { register } from "node:module";
import { MessageChannel } from "node:worker_threads";
import { noteSharedImporter, startSharedImportTracking } from "../fleet/shared-imports.ts";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { EngineRequireRedirect } from "./engine-require-redirect.ts";
import { registerTypeScriptForBots } from "./bot-typescript.ts";

const registeredRoots = new Set<string>();
let requireRedirect: EngineRequireRedirect | undefined;

/** Node keeps symlinked module paths as they are: the hooks then leave resolution to Node. */
function preservesSymlinks(): boolean {
  const flag = /(^|\s)--preserve-symlinks(\s|=|$)/;
  return process.execArgv.some((arg) => flag.test(arg)) || flag.test(process.env.NODE_OPTIONS ?? "") || process.env.NODE_PRESERVE_SYMLINKS === "1";
}

/** The folder as given and as its real path (module file names carry the real one). */
function botsDirPaths(botsDir: string): string[] {
  const given = path.resolve(botsDir);
  let real = given;
  try {
    real = realpathSync.native(given);
  } catch {
    // A folder that does not exist yet: discovery reports it.
  }
  return [...new Set([given, real])];
}

/**
 * Where the packages bot modules import can be installed: the bots folder itself (its own
 * node_modules, or a bot folder's) and the node_modules folder of every folder above it, as Node
 * looks them up (BOTS_DIR=/srv/app/bots with the packages in /srv/app/node_modules).
 */
function packageDirs(botsDirs: readonly string[]): string[] {
  const dirs = new Set(botsDirs);
  for (const dir of botsDirs) {
    for (let above = path.dirname(dir); ; above = path.dirname(above)) {
      dirs.add(path.join(above, "node_modules"));
      if (path.dirname(above) === above) break;
    }
  }
  return [...dirs];
}

const asUrl = (dir: string): string => pathToFileURL(dir + path.sep).href;

export function registerBotModuleResolver(botsDir: string): void {
  const dirs = botsDirPaths(botsDir).filter((dir) => !registeredRoots.has(dir));
  if (dirs.length === 0) return;
  for (const dir of dirs) registeredRoots.add(dir);
  // Before the resolver: hooks registered later run first, so the resolver sees each bot import
  // before tsx does, as it does when tsx comes from `--import tsx`.
  registerTypeScriptForBots();
  const fallbackParentURL = new URL("../index.ts", import.meta.url).href;
  const engineImportDirs = packageDirs(dirs);
  // The hooks report which bot folders import shared modules (live reload reloads those).
  const { port1, port2 } = new MessageChannel();
  port1.on("message", (message: { sharedImporter?: unknown }) => {
    if (typeof message.sharedImporter === "string") noteSharedImporter(message.sharedImporter);
  });
  port1.unref();
  startSharedImportTracking();
  register(new URL("./bot-module-resolver.mjs", import.meta.url), {
    data: {
      fallbackParentURL,
      esmRoots: dirs.map(asUrl),
      engineImportRoots: engineImportDirs.map(asUrl),
      preserveSymlinks: preservesSymlinks(),
      sharedImportPort: port2,
    },
    transferList: [port2],
  });
  requireRedirect ??= new EngineRequireRedirect(fileURLToPath(fallbackParentURL));
  for (const dir of engineImportDirs) requireRedirect.addRoot(dir);
}
