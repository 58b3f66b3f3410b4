/**
 * Settings of the Telegram-facing side: which sources feed the service (BOT_MODE), the webhook
 * routes and their allow-list, and the separate gateway process. Units are in the names; each
 * default is documented here.
 */
import { z } from "zod";
import { booleanFlag, integer, networkList, port, type SettingsOf } from "../settings/setting-types.ts";

/** Telegram's webhook source networks (https://core.telegram.org/bots/webhooks). */
export const TELEGRAM_WEBHOOK_NETWORKS = "149.154.160.0/20,91.108.4.0/22";

export const gatewaySettings = {
  /**
   * How updates arrive besides `POST /internal/update` (which always works): `internal` (only
   * that), `webhook` (also `POST /telegram/<bot path>` from Telegram), `polling` (getUpdates for
   * every bot, for development). Webhooks are on by default: the routes answer only calls that
   * carry the bot's secret, and Telegram sends nothing until `webhook set` is run. @defaultValue webhook
   */
  BOT_MODE: z.enum(["internal", "webhook", "polling"]).default("webhook"),
  /** Webhook path of a bot: `name` (`/telegram/<BOT_NAME>`) or `id` (a stable random-looking id derived from its key). @defaultValue name */
  WEBHOOK_PATH_STYLE: z.enum(["name", "id"]).default("name"),
  /** Only accept webhook calls from WEBHOOK_ALLOWED_NETWORKS. @defaultValue off */
  WEBHOOK_IP_ALLOWLIST: booleanFlag.default(false),
  /** Networks webhook calls may come from when the allow-list is on. @defaultValue Telegram's: 149.154.160.0/20,91.108.4.0/22 */
  WEBHOOK_ALLOWED_NETWORKS: networkList.default(TELEGRAM_WEBHOOK_NETWORKS.split(",")),
  /** Reverse proxies whose X-Forwarded-For is believed when finding the caller's address. @defaultValue none */
  TRUSTED_PROXIES: networkList.default([]),
  /** Default `max_connections` sent by `webhook set` (a bot's BOT_WEBHOOK_MAX_CONNECTIONS wins). @defaultValue 40 */
  WEBHOOK_MAX_CONNECTIONS: integer(1, 100).default(40),

  /** Separate gateway process: address it listens on. @defaultValue 127.0.0.1 */
  GATEWAY_IP: z.string().min(1).default("127.0.0.1"),
  /** Separate gateway process: port (0 picks a free one). @defaultValue 8020 */
  GATEWAY_PORT: port().default(8020),
  /** Separate gateway process: the service it forwards to (its `/internal/update`). Required by `npm run gateway`. */
  GATEWAY_FORWARD_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Separate gateway process: how long one forward may take before Telegram is answered 503. @defaultValue 10000 */
  GATEWAY_FORWARD_TIMEOUT_MS: integer(100).default(10_000),

};

export type GatewaySettings = SettingsOf<typeof gatewaySettings>;
