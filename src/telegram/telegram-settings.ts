/** Settings of the Bot API client every bot uses: where the Bot API is, timeouts and call retries. */
import { z } from "zod";
import { integer, type SettingsOf } from "../settings/setting-types.ts";

export const telegramSettings = {
  /** Bot API root: the public one, a self-hosted Bot API server, or a test stand-in. */
  TELEGRAM_API_ROOT: z.url({ protocol: /^https?$/ }).default("https://api.telegram.org"),
  /** Repeats of one Telegram API call after 429, 5xx, network errors or non-JSON answers. @defaultValue 5 */
  API_MAX_RETRIES: integer(0, 100).default(5),
  /** First backoff of a failed API call; doubles each time, with jitter. @defaultValue 200 */
  API_RETRY_BASE_MS: integer(0).default(200),
  /** Longest wait for one retry, `retry_after` included; a longer `retry_after` fails the call. @defaultValue 60 */
  API_MAX_RETRY_WAIT_SECONDS: integer(0).default(60),
  /** Timeout of one Telegram API call. @defaultValue 30 */
  API_TIMEOUT_SECONDS: integer(1).default(30),
};

export type TelegramSettings = SettingsOf<typeof telegramSettings>;
