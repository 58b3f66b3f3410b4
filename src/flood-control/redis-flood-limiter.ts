/**
 * The flood limiter shared by every process of queue mode: the same GCRA as the memory limiter,
 * run as one Lua script in Redis so a slot is taken atomically under all limits, timed by Redis'
 * own clock (workers' clocks may disagree). Keys carry the bot in a hash tag, so a cluster keeps a
 * bot's keys on one node, and expire once they no longer hold anything back.
 */
import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import { limitsFor, type FloodLimiter, type FloodLimits, type FloodScope, type FloodTarget } from "./flood-limiter.ts";

// ARGV: mode ("reserve" | "penalize"), penalty ms, then interval and burst of each key.
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local mode = ARGV[1]
local penalty = tonumber(ARGV[2])
local at = now
local tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[1 + 2 * i])
  local burst = tonumber(ARGV[2 + 2 * i])
  local tat = tonumber(redis.call('GET', key) or '0')
  if mode == 'penalize' then
    local floor = now + penalty + (burst - 1) * interval
    if floor > tat then tat = floor end
  else
    if tat < now then tat = now end
    local allow = tat - (burst - 1) * interval
    if allow > at then at = allow end
  end
  tats[i] = tat
end
for i, key in ipairs(KEYS) do
  local tat = tats[i]
  if mode ~= 'penalize' then
    if at > tat then tat = at end
    tat = tat + tonumber(ARGV[1 + 2 * i])
  end
  redis.call('SET', key, string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
end
return string.format('%.3f', at - now)
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
    return Number(await this.run(target, applying, "reserve", 0));
  }

  async penalize(target: FloodTarget, ms: number): Promise<void> {
    const chosen = limitsFor(target, this.options.limits, target.chatId === undefined ? "bot" : "chat");
    if (chosen.length > 0) await this.run(target, chosen, "penalize", ms);
  }

  private async run(target: FloodTarget, applying: ReturnType<typeof limitsFor>, mode: string, penaltyMs: number): Promise<string> {
    const keys = applying.map(({ suffix }) => `${this.options.prefix}{${target.bot}}:${suffix}`);
    const args = [mode, String(penaltyMs), ...applying.flatMap(({ rate }) => [String(rate.intervalMs), String(rate.burst)])];
    const { redis } = this.options;
    try {
      return String(await redis.evalsha(SCRIPT_SHA, keys.length, ...keys, ...args));
    } catch (error) {
      // First use on this server (or after SCRIPT FLUSH): send the script itself once.
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return String(await redis.eval(SCRIPT, keys.length, ...keys, ...args));
    }
  }
}
