/**
 * Loading one bot folder into a LoadedBot, or the failure that names the file and the reason: the
 * step the first load of every folder and each live reload share. Every secret goes to `onSecret`
 * as soon as it is read. A reload imports the folder's modules under new URLs (`moduleQuery`),
 * since Node keeps each imported ES module for the life of the process; when the new version
 * fails, the folder's `botEnv()` and name go back to those of the version still serving.
 */
import { BotLoadError } from "../errors/bot-load-error.ts";
import { restoreBotEnv, snapshotBotEnv } from "./bot-env.ts";
import { abandonBotLifetime, openBotLifetime } from "./bot-lifetime.ts";
import type { BotFolder } from "./discover-bots.ts";
import { InternalKey } from "./internal-key.ts";
import { buildBot, readBotIdentity, type BotBuildOptions } from "./load-bot.ts";
import { LoadedBot, type BotFailure } from "./loaded-bot.ts";

export interface FolderLoadOptions extends BotBuildOptions {
  /** Called with every secret as soon as it is read, before anything could log it. */
  onSecret: (secret: string) => void;
}

/** A folder that did not load: why, and its internal key when it was read (a caller must still present it). */
export interface FolderLoadFailure {
  failure: BotFailure;
  key: InternalKey | undefined;
}

export type FolderLoadOutcome = LoadedBot | FolderLoadFailure;

export function failureOf(folder: BotFolder, error: unknown, name?: string): BotFailure {
  if (error instanceof BotLoadError) {
    return { folder: folder.folderName, name, code: error.code, file: error.file, reason: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { folder: folder.folderName, name, code: "CONFIG_IMPORT_FAILED", file: undefined, reason: message };
}

/**
 * Reads the folder's identity and builds its bot (no network: getMe is the caller's). Never
 * throws: a failure comes back with the code, the file to blame and the reason.
 */
export async function loadBotFolder(folder: BotFolder, options: FolderLoadOptions, version = 0): Promise<FolderLoadOutcome> {
  let name: string | undefined;
  let key: InternalKey | undefined;
  const before = snapshotBotEnv(folder.dir);
  // Open before the first import: a module takes its botRetired() signal at import time.
  const lifetime = openBotLifetime(folder.dir);
  try {
    const identity = await readBotIdentity(folder, options.onSecret, options.moduleQuery);
    options.onSecret(identity.token);
    options.onSecret(identity.internalKey);
    if (typeof identity.settings.BOT_WEBHOOK_SECRET === "string") options.onSecret(identity.settings.BOT_WEBHOOK_SECRET);
    name = identity.name;
    key = new InternalKey(identity.internalKey);
    const built = await buildBot(folder, identity, options);
    return new LoadedBot({ folder, bot: built.bot, handlers: built.handlers, echo: built.echo, identity, version, lifetime: lifetime.controller });
  } catch (error) {
    // What the failed version's modules opened is closed; the version serving keeps its own.
    abandonBotLifetime(folder.dir, lifetime);
    // The version still serving (if any) keeps its botEnv() and name.
    restoreBotEnv(folder.dir, before);
    return { failure: failureOf(folder, error, name), key };
  }
}
