/**
 * `npm run bots -- list`: what discovery and loading make of BOTS_DIR, without starting anything
 * or calling Telegram: each bot with its handler files in mount order, fallback or echo, and each
 * folder that would not load with the reason. When the service of this BOTS_DIR runs (its /readyz
 * answers at INTERNAL_BOT_API_IP:INTERNAL_BOT_API_PORT), the live state of each of its folders
 * follows: which version serves, since when, and a newer version's failure. No secrets are
 * printed (a token shows as `<id>:***`).
 */
import { pino } from "pino";
import { loadBots } from "../bots/bot-registry.ts";
import { setBotStorageProvider } from "../bots/bot-storage.ts";
import { localBotStorage } from "../local-store/local-bot-storage.ts";
import { discoverBots } from "../bots/discover-bots.ts";
import type { BotsSettings } from "../bots/bots-settings.ts";
import type { TelegramSettings } from "../telegram/telegram-settings.ts";
import type { HttpSettings } from "../http/http-settings.ts";
import { readLiveFleet, type LiveFleet } from "./live-fleet.ts";
import { maskSecret, SecretScrubber } from "../logging/secret-scrubber.ts";

export interface BotListing {
  bots: Array<{ name: string; folder: string; token: string; handlers: string[]; fallbacks: string[]; echo: boolean }>;
  failed: Array<{ folder: string; name: string | undefined; code: string; file: string | undefined; reason: string }>;
  /** The running service's view, when it runs on this BOTS_DIR. */
  live?: LiveFleet;
}

export async function listBots(
  config: Pick<BotsSettings, "BOTS_DIR"> & Pick<TelegramSettings, "TELEGRAM_API_ROOT" | "API_TIMEOUT_SECONDS"> & Partial<Pick<HttpSettings, "INTERNAL_BOT_API_IP" | "INTERNAL_BOT_API_PORT">>,
): Promise<BotListing> {
  const folders = await discoverBots(config.BOTS_DIR);
  // A handler that asks for its storage at import time gets one that keeps nothing: listing runs no handler.
  setBotStorageProvider(localBotStorage(undefined));
  // A load error's message may quote a secret (config.ts throwing with its key, say).
  const scrubber = new SecretScrubber();
  const registry = await loadBots(folders, {
    apiRoot: config.TELEGRAM_API_ROOT,
    apiTimeoutSeconds: config.API_TIMEOUT_SECONDS,
    logger: pino({ level: "silent" }),
    onSecret: (secret) => scrubber.add(secret),
  });
  const live = config.INTERNAL_BOT_API_PORT === undefined ? undefined : await readLiveFleet(config.INTERNAL_BOT_API_IP ?? "127.0.0.1", config.INTERNAL_BOT_API_PORT, config.BOTS_DIR);
  return {
    bots: registry.bots().map((b) => ({
      name: b.name,
      folder: b.folder.folderName,
      token: maskSecret(b.token),
      handlers: b.handlers.map((h) => h.file.name),
      fallbacks: b.handlers.filter((h) => h.file.fallback).map((h) => h.file.name),
      echo: b.echo,
    })),
    failed: registry.failures().map((f) => ({ ...f, reason: scrubber.scrub(f.reason) })),
    ...(live === undefined ? {} : { live: { ...live, fleet: live.fleet.map((f) => (f.failure === undefined ? f : { ...f, failure: { ...f.failure, reason: scrubber.scrub(f.failure.reason) } })) } }),
  };
}

export function formatBotListing(listing: BotListing, botsDir: string): string {
  const lines: string[] = [`Bots in ${botsDir}: ${listing.bots.length} loaded, ${listing.failed.length} not loaded`];
  for (const bot of listing.bots) {
    lines.push("", `${bot.name}  (folder ${bot.folder}, token ${bot.token})`);
    bot.handlers.forEach((file, i) => lines.push(`  ${i + 1}. handlers/${file}${bot.fallbacks.includes(file) ? "  [fallback]" : ""}`));
    if (bot.handlers.length === 0) lines.push("  (no handler files)");
    if (bot.echo) lines.push(`  ${bot.handlers.length + 1}. echo (no fallback file): replies "Echo from ${bot.name}: <text>"`);
  }
  if (listing.failed.length > 0) lines.push("", "Not loaded:");
  for (const f of listing.failed) {
    lines.push(`  ${f.folder}${f.file === undefined ? "" : `/${f.file}`}: ${f.code}: ${f.reason}`);
  }
  if (listing.live !== undefined) {
    lines.push("", `Live, in the service at ${listing.live.url}:`);
    for (const f of listing.live.fleet) {
      const version = f.version === undefined ? "" : `, version ${f.version}`;
      const failure = f.failure === undefined ? "" : `: ${f.failure.code}${f.failure.file === undefined ? "" : ` in ${f.failure.file}`}: ${f.failure.reason}`;
      lines.push(`  ${f.folder}  ${f.name ?? "?"}  ${f.state === "ready-newer-failed" ? "ready, newer version failed" : f.state} since ${f.changed_at}${version}${failure}`);
    }
  }
  return lines.join("\n");
}
