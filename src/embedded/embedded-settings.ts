/** Settings of the embedded processor (the default): concurrency, backlog limits, the dedup window's size. */
import { integer, type SettingsOf } from "../settings/setting-types.ts";

export const embeddedSettings = {
  /**
   * Updates handled at once, over all bots. Handlers mostly wait for Telegram (50-200 ms a call),
   * so this is far above the core count: at the old default of 64, a process could not handle more than
   * 64 / latency updates a second (docs/performance.md). @defaultValue 512
   */
  PROCESSING_CONCURRENCY: integer(1).default(512),
  /**
   * Most updates of one bot handled at once; 0: no cap of its own (the default): a bot may use
   * every slot the others leave free, and bots that compete take turns for each slot that frees
   * up, so a bot with slow handlers (a language model answering in seconds) is not throttled on
   * an idle process. Set a cap to keep a share for other bots however busy one is. @defaultValue 0
   */
  BOT_CONCURRENCY: integer(0).default(0),
  /** Accepted updates waiting or running, over all bots; past it intake answers 503. @defaultValue 10000 */
  MAX_BACKLOG: integer(1).default(10_000),
  /** Accepted updates waiting or running for one bot; past it that bot's intake answers 503. @defaultValue 2000 */
  MAX_BOT_BACKLOG: integer(1).default(2_000),
  /** Most `update_id`s remembered at once, oldest forgotten first (about 100 bytes each). @defaultValue 500000 */
  DEDUP_MAX_ENTRIES: integer(1).default(500_000),
};

export type EmbeddedSettings = SettingsOf<typeof embeddedSettings>;
