/**
 * Which bot folders import modules of a shared folder (`BOTS_DIR/_name/`), as the module hooks
 * saw them resolve (bot-module-resolver.mjs reports each such folder once, over a message port):
 * when a shared file changes, those folders are reloaded, and the others are left alone.
 */
const importers = new Set<string>();
let tracking = false;

/** The module hooks report here; until they do, every folder counts as an importer. */
export function startSharedImportTracking(): void {
  tracking = true;
}

export function noteSharedImporter(folder: string): void {
  importers.add(folder);
}

/** The folders known to import shared modules, or undefined when nobody reports (every folder then). */
export function sharedImporters(): ReadonlySet<string> | undefined {
  return tracking ? importers : undefined;
}
