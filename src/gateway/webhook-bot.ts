/**
 * A bot as Telegram's webhook side sees it: the path it is reached at, the secret Telegram must
 * present, and what `setWebhook` sends for it. Everything comes from the bot's identity (its
 * config.ts / .env), so the service, the separate gateway and the CLI agree without talking.
 */
import { createHmac, hash, timingSafeEqual } from "node:crypto";
import { API_CONSTANTS } from "grammy";
import type { BotFolder } from "../bots/discover-bots.ts";
import { readBotIdentity, type BotIdentity } from "../bots/load-bot.ts";
import { BotSettingError } from "../errors/bot-setting-error.ts";

export type WebhookPathStyle = "name" | "id";

export interface WebhookBot {
  name: string;
  /** The last path segment: `/telegram/<pathId>`. */
  pathId: string;
  /** For setWebhook only; the route compares digests. Never log it. */
  secret: string;
  /** Sent to setWebhook / getUpdates; `[]` means Telegram's default (all but chat_member and reactions). */
  allowedUpdates: string[];
  maxConnections: number;
}

export const WEBHOOK_ROUTE_PREFIX = "/telegram/";
/** What Telegram accepts as secret_token. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{1,256}$/;
const UPDATE_TYPES: readonly string[] = API_CONSTANTS.ALL_UPDATE_TYPES;

function derive(internalKey: string, purpose: string): Buffer {
  // HMAC keyed by the internal key: stable per bot, and neither value reveals the key.
  return createHmac("sha256", internalKey).update(`clustered-bots ${purpose}`).digest();
}

/** The secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token: BOT_WEBHOOK_SECRET, or one derived from the internal key. */
export function webhookSecretOf(identity: BotIdentity): string {
  const given = identity.settings.BOT_WEBHOOK_SECRET;
  if (given === undefined || given === "") return derive(identity.internalKey, "webhook secret").toString("base64url");
  if (typeof given !== "string" || !SECRET_SHAPE.test(given)) {
    throw new BotSettingError("BOT_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -");
  }
  return given;
}

export function webhookPathIdOf(identity: BotIdentity, style: WebhookPathStyle): string {
  return style === "name" ? identity.name : derive(identity.internalKey, "webhook path").toString("hex").slice(0, 32);
}

/**
 * BOT_ALLOWED_UPDATES: a comma- or space-separated list (or an array exported by config.ts) of
 * update types; `all` is every type, chat_member and reactions included; unset is Telegram's default.
 */
export function parseAllowedUpdates(raw: unknown): string[] {
  if (raw === undefined || raw === null || raw === "") return [];
  const list = typeof raw === "string" ? raw.split(/[\s,]+/).filter((s) => s !== "") : raw;
  if (!Array.isArray(list) || !list.every((item): item is string => typeof item === "string")) {
    throw new BotSettingError("BOT_ALLOWED_UPDATES must be a list of update types");
  }
  if (list.length === 1 && list[0] === "all") return [...UPDATE_TYPES];
  const unknown = list.filter((type) => !UPDATE_TYPES.includes(type));
  if (unknown.length > 0) throw new BotSettingError(`BOT_ALLOWED_UPDATES has unknown update types: ${unknown.join(", ")} (known: ${UPDATE_TYPES.join(", ")})`);
  return [...new Set(list)];
}

function parseMaxConnections(raw: unknown, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 100) throw new BotSettingError("BOT_WEBHOOK_MAX_CONNECTIONS must be an integer from 1 to 100");
  return value;
}

export function webhookBotOf(identity: BotIdentity, options: { pathStyle: WebhookPathStyle; maxConnections: number }): WebhookBot {
  return {
    name: identity.name,
    pathId: webhookPathIdOf(identity, options.pathStyle),
    secret: webhookSecretOf(identity),
    allowedUpdates: parseAllowedUpdates(identity.settings.BOT_ALLOWED_UPDATES),
    maxConnections: parseMaxConnections(identity.settings.BOT_WEBHOOK_MAX_CONNECTIONS, options.maxConnections),
  };
}

/** The full webhook URL of a bot under `baseUrl` (which may itself carry a path). */
export function webhookUrlOf(baseUrl: string, bot: WebhookBot): string {
  return `${baseUrl.replace(/\/+$/, "")}${WEBHOOK_ROUTE_PREFIX}${encodeURIComponent(bot.pathId)}`;
}

function digest(value: string): Buffer {
  return hash("sha256", value, "buffer");
}

/** Compares a presented secret with the bot's in constant time (digests have equal lengths). */
export function secretMatcher(secret: string): (presented: string) => boolean {
  const expected = digest(secret);
  return (presented) => timingSafeEqual(digest(presented), expected);
}

/**
 * Reads one bot folder for the Telegram side (gateway, webhook CLI): its identity and webhook
 * settings, with every secret it holds (token, key, webhook secret) handed to `addSecret` first,
 * the .env ones before config.ts runs, so no error about the folder can print one.
 */
export async function readWebhookFolder(
  folder: BotFolder,
  addSecret: (secret: string) => void,
  options: { pathStyle: WebhookPathStyle; maxConnections: number },
): Promise<{ identity: BotIdentity; webhook: WebhookBot }> {
  const identity = await readBotIdentity(folder, addSecret);
  addSecret(identity.token);
  addSecret(identity.internalKey);
  const given = identity.settings.BOT_WEBHOOK_SECRET;
  if (typeof given === "string") addSecret(given);
  const webhook = webhookBotOf(identity, options);
  addSecret(webhook.secret);
  return { identity, webhook };
}
