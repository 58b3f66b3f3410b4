/** Settings of the host's lifecycle and of its process's memory. */
import { integer, type SettingsOf } from "../settings/setting-types.ts";

export const hostSettings = {
  /** On SIGTERM/SIGINT, how long to finish accepted updates before exiting anyway. @defaultValue 25000 */
  SHUTDOWN_DEADLINE_MS: integer(0).default(25_000),
  /**
   * How far the JavaScript heap may grow past what the last full collection left alive before
   * V8 collects again, in percent, while that is cheap (host/heap-growth.ts); 0: V8's own policy
   * (up to 300% on a machine with much memory, so resident memory swings by hundreds of MB under
   * a steady load). @defaultValue 20
   */
  HEAP_GROWTH_PERCENT: integer(0, 1000).default(20),
};

export type HostSettings = SettingsOf<typeof hostSettings>;
