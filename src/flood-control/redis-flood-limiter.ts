/**
 * The flood limiter shared by every process of queue mode: the same GCRA as the memory limiter,
 * run as one Lua script in Redis so a slot is taken atomically under all limits, timed by Redis'
 * own clock (workers' clocks may disagree). Keys are `<prefix>{<bot>}:<limit>`: the bot's name,
 * encoded, is the Redis Cluster hash tag, so the keys of one call (a chat's and its bot's) share a
 * slot while bots spread over the shards. Encoded, so that no name makes an empty tag (`}x`) or
 * another bot's (`a}b`). Keys expire once they no longer hold anything back.
 */
import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import { limitsFor, type FloodLimiter, type FloodLimits, type FloodScope, type FloodTarget, type SendReservation } from "./flood-limiter.ts";

// ARGV: mode ("reserve" | "send" | "penalize"), penalty ms, count of chat keys (mode "send": the
// keys after them are the bot-wide ones, taken in the same call only when the chat's slot is free
// now), then interval and burst of each key. Returns the wait in ms and 1 if every key was
// reserved, 0 if only the chat's keys were.
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local mode = ARGV[1]
local penalty = tonumber(ARGV[2])
local first = tonumber(ARGV[3])
local function reserve(from, to)
  local at = now
  local tats = {}
  for i = from, to do
    local interval = tonumber(ARGV[2 + 2 * i])
    local burst = tonumber(ARGV[3 + 2 * i])
    local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
    if tat < now then tat = now end
    local allow = tat - (burst - 1) * interval
    if allow > at then at = allow end
    tats[i] = tat
  end
  for i = from, to do
    local tat = tats[i]
    if at > tat then tat = at end
    tat = tat + tonumber(ARGV[2 + 2 * i])
    redis.call('SET', KEYS[i], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
  end
  return at
end
if mode == 'penalize' then
  for i, key in ipairs(KEYS) do
    local interval = tonumber(ARGV[2 + 2 * i])
    local burst = tonumber(ARGV[3 + 2 * i])
    local tat = tonumber(redis.call('GET', key) or '0')
    local floor = now + penalty + (burst - 1) * interval
    if floor > tat then tat = floor end
    redis.call('SET', key, string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
  end
  return {'0', 1}
end
if mode == 'reserve' or first >= #KEYS then
  return {string.format('%.3f', reserve(1, #KEYS) - now), 1}
end
local at = reserve(1, first)
if at > now then return {string.format('%.3f', at - now), 0} end
return {string.format('%.3f', reserve(first + 1, #KEYS) - now), 1}
`;
const SCRIPT_SHA = createHash("sha1").update(SCRIPT).digest("hex");

export interface RedisFloodLimiterOptions {
  redis: Redis | Cluster;
  limits: FloodLimits;
  /** Prefix of every key (FLOOD_REDIS_PREFIX); tests use a unique one. */
  prefix: string;
}

export class RedisFloodLimiter implements FloodLimiter {
  constructor(private readonly options: RedisFloodLimiterOptions) {}

  async reserve(target: FloodTarget, scope: FloodScope): Promise<number> {
    const applying = limitsFor(target, this.options.limits, scope);
    if (applying.length === 0) return 0;
    return (await this.run(target, applying, "reserve", 0, applying.length)).waitMs;
  }

  async reserveSend(target: FloodTarget): Promise<SendReservation> {
    const chat = limitsFor(target, this.options.limits, "chat");
    const bot = limitsFor(target, this.options.limits, "bot");
    if (chat.length + bot.length === 0) return { waitMs: 0, botReserved: true };
    return this.run(target, [...chat, ...bot], "send", 0, chat.length);
  }

  async penalize(target: FloodTarget, ms: number): Promise<void> {
    const chosen = limitsFor(target, this.options.limits, target.chatId === undefined ? "bot" : "chat");
    if (chosen.length > 0) await this.run(target, chosen, "penalize", ms, chosen.length);
  }

  private async run(target: FloodTarget, applying: ReturnType<typeof limitsFor>, mode: string, penaltyMs: number, chatKeys: number): Promise<SendReservation> {
    const tag = `{${encodeURIComponent(target.bot)}}`;
    const keys = applying.map(({ suffix }) => `${this.options.prefix}${tag}:${suffix}`);
    const args = [mode, String(penaltyMs), String(chatKeys), ...applying.flatMap(({ rate }) => [String(rate.intervalMs), String(rate.burst)])];
    const { redis } = this.options;
    let answer: unknown;
    try {
      answer = await redis.evalsha(SCRIPT_SHA, keys.length, ...keys, ...args);
    } catch (error) {
      // First use on this server (or after SCRIPT FLUSH): send the script itself once.
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      answer = await redis.eval(SCRIPT, keys.length, ...keys, ...args);
    }
    const [wait, all] = answer as [string, number];
    return { waitMs: Number(wait), botReserved: all === 1 };
  }
}
