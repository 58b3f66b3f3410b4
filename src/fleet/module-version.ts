/**
 * The URLs a reload imports a bot folder's modules under. Node keeps every ES module it imported
 * for the life of the process, by URL, so a folder's changed code is only imported afresh under a
 * new URL: the engine imports the config and handler files with `?cbv=<version>` (one more per
 * reload of the folder), and the module hooks (bot-module-resolver.mjs) give every module of the
 * folder those files import the same query. Modules of the shared folders (`BOTS_DIR/_<name>/`)
 * get `?cbs=<generation>` instead, one more each time a shared file changes, and are shared by
 * every bot loaded on that generation. The first load of a folder has no query at all.
 */
export function moduleQuery(version: number, sharedGeneration: number): string {
  if (version === 0 && sharedGeneration === 0) return "";
  return `?cbv=${version}${sharedGeneration === 0 ? "" : `&cbs=${sharedGeneration}`}`;
}
