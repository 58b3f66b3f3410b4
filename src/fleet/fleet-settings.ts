/** Settings of live reload: watching BOTS_DIR, and how long a removed bot's accepted updates may take to finish. */
import { booleanFlag, integer, type SettingsOf } from "../settings/setting-types.ts";

export const fleetSettings = {
  /** Watch BOTS_DIR and reload a bot folder when its files change (SIGHUP rescans either way). @defaultValue true */
  BOTS_WATCH: booleanFlag.default(true),
  /** A folder's changes are taken together once it has been quiet this long, so copying many files is one reload. @defaultValue 300 */
  BOTS_WATCH_DEBOUNCE_MS: integer(0, 60_000).default(300),
  /**
   * How long a removed (or renamed) bot keeps running the updates accepted before it went. The
   * embedded default releases it as soon as none is left; what is left then waits in the local
   * store for the folder to come back. A queue worker keeps it this long, for jobs still in Redis.
   * @defaultValue 30
   */
  BOTS_DRAIN_SECONDS: integer(0, 86_400).default(30),
  /**
   * Queue mode: how long a worker holds updates of a bot it has not loaded (a folder the API
   * serves already, or one removed) before it fails them, which keeps them for `jobs retry`.
   * @defaultValue 30
   */
  BOTS_MISSING_WAIT_SECONDS: integer(0, 3600).default(30),
};

export type FleetSettings = SettingsOf<typeof fleetSettings>;

/**
 * Which files of a bot folder make a change: its code, config, `.env` and package.json, not data
 * it writes at run time (a `users.json` saved on every message must not reload the bot).
 */
export const WATCHED_FILE = /(^|[\\/])(\.env|package\.json)$|\.(m|c)?[jt]sx?$/;
/** Folders inside a bot folder that are never its code. */
export const IGNORED_DIRS = new Set(["node_modules", "data", "logs"]);
