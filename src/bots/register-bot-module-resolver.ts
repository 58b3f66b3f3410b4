/**
 * Installs bot-module-resolver.mjs for `botsDir`, so a bots folder anywhere on disk loads as it
 * would inside the project: as ES modules, importing the engine's own "grammy" and "clustered-bots".
 */
import { register } from "node:module";
import { MessageChannel } from "node:worker_threads";
import { noteSharedImporter, startSharedImportTracking } from "../fleet/shared-imports.ts";
import path from "node:path";
import { pathToFileURL } from "node:url";

const registeredRoots = new Set<string>();

/** Node keeps symlinked module paths as they are: the hooks then leave resolution to Node. */
function preservesSymlinks(): boolean {
  const flag = /(^|\s)--preserve-symlinks(\s|=|$)/;
  return process.execArgv.some((arg) => flag.test(arg)) || flag.test(process.env.NODE_OPTIONS ?? "") || process.env.NODE_PRESERVE_SYMLINKS === "1";
}

export function registerBotModuleResolver(botsDir: string): void {
  const root = pathToFileURL(path.resolve(botsDir) + path.sep).href;
  if (registeredRoots.has(root)) return;
  registeredRoots.add(root);
  // The hooks report which bot folders import shared modules (live reload reloads those).
  const { port1, port2 } = new MessageChannel();
  port1.on("message", (message: { sharedImporter?: unknown }) => {
    if (typeof message.sharedImporter === "string") noteSharedImporter(message.sharedImporter);
  });
  port1.unref();
  startSharedImportTracking();
  register(new URL("./bot-module-resolver.mjs", import.meta.url), {
    data: { fallbackParentURL: new URL("../index.ts", import.meta.url).href, esmRoots: [root], preserveSymlinks: preservesSymlinks(), sharedImportPort: port2 },
    transferList: [port2],
  });
}
