/**
 * What startBotApiStandIn can be told (main.ts maps its command-line flags onto these).
 */

export interface BotApiStandInOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 0: a free port, read back from `port` and `apiRoot`. */
  port?: number;
  /** Added to every Bot API answer (faulted ones included), default 0. */
  latencyMs?: number;
  /**
   * Enforce a Telegram-like flood limit: more than this many messages to one chat of one token
   * within any second are answered 429 (retry_after 1). Default: no limit.
   */
  floodLimitPerChatPerSecond?: number;
  /**
   * PEM key and certificate for a second listener on HTTPS (`fileRoot`), for clients that download
   * files over HTTPS only (@grammyjs/files uses `https.get`). Default: none.
   */
  fileTls?: { key: string; cert: string };
}
