/**
 * Environment variables of the Telegram-facing side (webhooks, the separate gateway process, long
 * polling, outgoing flood control), merged into the service config schema
 * (src/config/service-config.ts). Units are in the names; each default is documented here.
 */
import { z } from "zod";
import { booleanFlag, integer } from "../config/schema-helpers.ts";

/** Telegram's webhook source networks (https://core.telegram.org/bots/webhooks). */
export const TELEGRAM_WEBHOOK_NETWORKS = "149.154.160.0/20,91.108.4.0/22";

/** A comma-separated list of IPv4/IPv6 addresses or CIDR networks ("" for none). */
const networkList = z
  .string()
  .transform((text) => text.split(",").map((part) => part.trim()).filter((part) => part !== ""))
  .refine((parts) => parts.every((part) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(part)), "expected a comma-separated list of IP addresses or CIDR networks");

export const gatewayConfigShape = {
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
  GATEWAY_PORT: integer(0, 65535).default(8020),
  /** Separate gateway process: the service it forwards to (its `/internal/update`). Required by `npm run gateway`. */
  GATEWAY_FORWARD_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Separate gateway process: how long one forward may take before Telegram is answered 503. @defaultValue 10000 */
  GATEWAY_FORWARD_TIMEOUT_MS: integer(100).default(10_000),

  /** Long polling: `timeout` of each getUpdates; must be below API_TIMEOUT_SECONDS. @defaultValue 25 */
  POLLING_TIMEOUT_SECONDS: integer(0, 50).default(25),
  /** Long polling: updates asked for per getUpdates. @defaultValue 100 */
  POLLING_LIMIT: integer(1, 100).default(100),
  /** Long polling: call deleteWebhook before polling (a set webhook otherwise makes getUpdates answer 409). @defaultValue off */
  POLLING_DELETE_WEBHOOK: booleanFlag.default(false),
  /** Long polling: longest pause after a failed getUpdates (409, network) before trying again. @defaultValue 30000 */
  POLLING_MAX_BACKOFF_MS: integer(1).default(30_000),

  /** Throttle each bot's outgoing messages to the limits below. @defaultValue on */
  FLOOD_CONTROL: booleanFlag.default(true),
  /** Messages per second, one bot, all chats (0: no limit). @defaultValue 30 */
  FLOOD_GLOBAL_PER_SECOND: integer(0).default(30),
  /**
   * Messages of one bot, all chats, that may go at once before FLOOD_GLOBAL_PER_SECOND spaces
   * them. 1 (smooth) by default: a broadcast never sends a second's worth at once; over any second
   * a bot sends at most this many plus the rate. @defaultValue 1
   */
  FLOOD_GLOBAL_BURST: integer(1, 1000).default(1),
  /** Messages per second to one chat (0: no limit). @defaultValue 1 */
  FLOOD_PER_CHAT_PER_SECOND: integer(0).default(1),
  /** Messages to one chat that may go at once before the per-chat rate applies. @defaultValue 3 */
  FLOOD_PER_CHAT_BURST: integer(1).default(3),
  /** Messages per minute to one group, supergroup or channel (0: no limit). @defaultValue 20 */
  FLOOD_PER_GROUP_PER_MINUTE: integer(0).default(20),
  /** Key prefix of the shared limiter's Redis keys (queue mode). @defaultValue cb:flood: */
  FLOOD_REDIS_PREFIX: z.string().min(1).default("cb:flood:"),
} satisfies Record<string, z.ZodType>;
