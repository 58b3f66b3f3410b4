/**
 * `npm run bots -- list`: what discovery and loading make of BOTS_DIR, without starting anything
 * or calling Telegram: each bot with its handler files in mount order, fallback or echo, and each
 * folder that would not load with the reason. No secrets are printed (a token shows as `<id>:***`).
 */
import { pino } from "pino";
import { loadBots } from "../bots/bot-registry.ts";
import { setBotStorageProvider } from "../bots/bot-storage.ts";
import { localBotStorage } from "../local-store/local-bot-storage.ts";
import { discoverBots } from "../bots/discover-bots.ts";
import type { BotsSettings } from "../bots/bots-settings.ts";
import type { TelegramSettings } from "../telegram/telegram-settings.ts";
import { maskSecret, SecretScrubber } from "../logging/secret-scrubber.ts";

export interface BotListing {
  bots: Array<{ name: string; folder: string; token: string; handlers: string[]; fallbacks: string[]; echo: boolean }>;
  failed: Array<{ folder: string; name: string | undefined; code: string; file: string | undefined; reason: string }>;
}

export async function listBots(config: Pick<BotsSettings, "BOTS_DIR"> & Pick<TelegramSettings, "TELEGRAM_API_ROOT" | "API_TIMEOUT_SECONDS">): Promise<BotListing> {
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
  return lines.join("\n");
}
