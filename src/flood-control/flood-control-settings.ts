/** Settings of outgoing flood control: each bot's message rates (overall, per chat, per group) and where shared limits live. */
import { z } from "zod";
import { booleanFlag, integer, type SettingsOf } from "../settings/setting-types.ts";

export const floodControlSettings = {
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
  /**
   * Key prefix of the shared limiter's Redis keys (queue mode): `<prefix>{<bot>}:<limit>`. No
   * braces: the bot's name in braces is the keys' Redis Cluster hash tag, so the keys one
   * reservation takes (the chat's and the bot's) share a slot. @defaultValue cb:flood:
   */
  FLOOD_REDIS_PREFIX: z
    .string()
    .min(1)
    .regex(/^[^{}]+$/, "no '{' or '}': the bot's name in braces is the keys' Redis Cluster hash tag")
    .default("cb:flood:"),
};

export type FloodControlSettings = SettingsOf<typeof floodControlSettings>;
