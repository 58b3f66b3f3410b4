/** Settings of long polling (BOT_MODE=polling, for development), and the rule that ties it to the API timeout. */
import { booleanFlag, integer, type SettingsOf, type SettingsRule } from "../settings/setting-types.ts";
import type { TelegramSettings } from "../telegram/telegram-settings.ts";

export const pollingSettings = {
  /** Long polling: `timeout` of each getUpdates; must be below API_TIMEOUT_SECONDS. @defaultValue 25 */
  POLLING_TIMEOUT_SECONDS: integer(0, 50).default(25),
  /** Long polling: updates asked for per getUpdates. @defaultValue 100 */
  POLLING_LIMIT: integer(1, 100).default(100),
  /** Long polling: call deleteWebhook before polling (a set webhook otherwise makes getUpdates answer 409). @defaultValue off */
  POLLING_DELETE_WEBHOOK: booleanFlag.default(false),
  /** Long polling: longest pause after a failed getUpdates (409, network) before trying again. @defaultValue 30000 */
  POLLING_MAX_BACKOFF_MS: integer(1).default(30_000),

};

export type PollingSettings = SettingsOf<typeof pollingSettings>;

/** A long poll must end before the API call's own timeout, or every poll times out. */
export const checkPollingSettings: SettingsRule<PollingSettings & Pick<TelegramSettings, "API_TIMEOUT_SECONDS">> = (settings, context) => {
  if (settings.POLLING_TIMEOUT_SECONDS >= settings.API_TIMEOUT_SECONDS) {
    context.addIssue({
      code: "custom",
      path: ["POLLING_TIMEOUT_SECONDS"],
      message: `must be below API_TIMEOUT_SECONDS (${settings.API_TIMEOUT_SECONDS}), or every long poll times out`,
    });
  }
};
