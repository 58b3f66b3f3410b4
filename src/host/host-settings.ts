/** Settings of the host's lifecycle. */
import { integer, type SettingsOf } from "../settings/setting-types.ts";

export const hostSettings = {
  /** On SIGTERM/SIGINT, how long to finish accepted updates before exiting anyway. @defaultValue 25000 */
  SHUTDOWN_DEADLINE_MS: integer(0).default(25_000),
};

export type HostSettings = SettingsOf<typeof hostSettings>;
