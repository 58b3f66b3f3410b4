/**
 * The loaded bots, by BOT_NAME, and the folders that failed to load with their reasons. Loading
 * runs every folder (with bounded concurrency); one folder's failure never stops another's.
 * Starting (getMe) is separate and runs in the background, so the HTTP API can listen at once.
 */
import { hash, timingSafeEqual } from "node:crypto";
import pLimit from "p-limit";
import type { Logger } from "pino";
import type { Bot } from "grammy";
import { BotLoadError } from "../errors/bot-load-error.ts";
import { type BotLoadErrorCode } from "../errors/error-codes.ts";
import type { BotContext } from "./bot-context.ts";
import type { BotEnv } from "./bot-env.ts";
import type { BotFolder } from "./discover-bots.ts";
import { buildBot, readBotIdentity, type BotBuildOptions, type MountedHandler } from "./load-bot.ts";
import { backoffDelayMs, sleep } from "../telegram/backoff.ts";

export type BotStatus = "starting" | "ready" | "failed";

export interface BotFailure {
  folder: string;
  /** BOT_NAME, when the config got that far. */
  name: string | undefined;
  code: BotLoadErrorCode;
  /** File relative to the bot folder, when one file is to blame. */
  file: string | undefined;
  reason: string;
}

function digest(value: string): Buffer {
  // One-shot hash: half the cost of createHash().update().digest() on every request.
  return hash("sha256", value, "buffer");
}

/** One loaded bot. Secrets stay inside: the key is kept only as a digest. */
export class LoadedBot {
  readonly name: string;
  readonly folder: BotFolder;
  readonly bot: Bot<BotContext>;
  readonly handlers: readonly MountedHandler[];
  readonly echo: boolean;
  readonly env: BotEnv;
  status: BotStatus = "starting";
  failure: BotFailure | undefined;
  private readonly keyDigest: Buffer;
  private readonly tokenValue: string;

  constructor(init: { name: string; folder: BotFolder; bot: Bot<BotContext>; handlers: MountedHandler[]; echo: boolean; env: BotEnv; internalKey: string; token: string }) {
    this.name = init.name;
    this.folder = init.folder;
    this.bot = init.bot;
    this.handlers = init.handlers;
    this.echo = init.echo;
    this.env = init.env;
    this.keyDigest = digest(init.internalKey);
    this.tokenValue = init.token;
  }

  /** Constant-time comparison of a presented X-Internal-Key with this bot's key. */
  matchesKey(presented: string): boolean {
    return timingSafeEqual(digest(presented), this.keyDigest);
  }

  /** The token, for the few places that must talk to Telegram outside grammY (never log it). */
  get token(): string {
    return this.tokenValue;
  }
}

export interface LoadBotsOptions extends BotBuildOptions {
  logger: Logger;
  /** Called with every secret as soon as it is read, before anything could log it. */
  onSecret: (secret: string) => void;
  /** Bot folders imported at once. @defaultValue 16 */
  concurrency?: number;
}

export class BotRegistry {
  private readonly byName = new Map<string, LoadedBot>();
  private readonly failed: BotFailure[] = [];

  constructor(bots: readonly LoadedBot[], failures: readonly BotFailure[]) {
    for (const bot of bots) this.byName.set(bot.name, bot);
    this.failed.push(...failures);
  }

  get(name: string): LoadedBot | undefined {
    return this.byName.get(name);
  }

  bots(): LoadedBot[] {
    return [...this.byName.values()];
  }

  /** Folders that did not load, and bots whose token Telegram rejected. */
  failures(): BotFailure[] {
    const started = this.bots().flatMap((b) => (b.failure === undefined ? [] : [b.failure]));
    return [...this.failed, ...started];
  }

  counts(): { loaded: number; ready: number; starting: number; failed: number } {
    let ready = 0;
    let starting = 0;
    let tokenRejected = 0;
    for (const bot of this.byName.values()) {
      if (bot.status === "ready") ready++;
      else if (bot.status === "starting") starting++;
      else tokenRejected++;
    }
    return { loaded: this.byName.size - tokenRejected, ready, starting, failed: this.failed.length + tokenRejected };
  }
}

function failureOf(folder: BotFolder, error: unknown, name?: string): BotFailure {
  if (error instanceof BotLoadError) {
    return { folder: folder.folderName, name, code: error.code, file: error.file, reason: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { folder: folder.folderName, name, code: "CONFIG_IMPORT_FAILED", file: undefined, reason: message };
}

/** Loads every folder; returns the registry. Logs each bot loaded and each failure. */
export async function loadBots(folders: readonly BotFolder[], options: LoadBotsOptions): Promise<BotRegistry> {
  const limit = pLimit(options.concurrency ?? 16);
  const outcomes = await Promise.all(
    folders.map((folder) =>
      limit(async (): Promise<LoadedBot | BotFailure> => {
        let name: string | undefined;
        try {
          const identity = await readBotIdentity(folder, options.onSecret);
          options.onSecret(identity.token);
          options.onSecret(identity.internalKey);
          if (typeof identity.settings.BOT_WEBHOOK_SECRET === "string") options.onSecret(identity.settings.BOT_WEBHOOK_SECRET);
          name = identity.name;
          const built = await buildBot(folder, identity, options);
          return new LoadedBot({
            name: identity.name,
            folder,
            bot: built.bot,
            handlers: built.handlers,
            echo: built.echo,
            env: identity.env,
            internalKey: identity.internalKey,
            token: identity.token,
          });
        } catch (error) {
          return failureOf(folder, error, name);
        }
      }),
    ),
  );

  const loaded: LoadedBot[] = [];
  const failures: BotFailure[] = [];
  const folderOfName = new Map<string, string>();
  // Outcomes are in folder order, so the first folder with a name keeps it.
  for (const outcome of outcomes) {
    if (!(outcome instanceof LoadedBot)) {
      failures.push(outcome);
      options.logger.error({ folder: outcome.folder, bot: outcome.name, file: outcome.file, code: outcome.code, reason: outcome.reason }, "bot not loaded");
      continue;
    }
    const owner = folderOfName.get(outcome.name);
    if (owner !== undefined) {
      const failure: BotFailure = {
        folder: outcome.folder.folderName,
        name: outcome.name,
        code: "DUPLICATE_BOT_NAME",
        file: outcome.folder.configFile === undefined ? ".env" : outcome.folder.configFile.split(/[\\/]/).pop(),
        reason: `BOT_NAME "${outcome.name}" is already used by folder "${owner}"`,
      };
      failures.push(failure);
      options.logger.error({ ...failure, bot: failure.name }, "bot not loaded");
      continue;
    }
    folderOfName.set(outcome.name, outcome.folder.folderName);
    loaded.push(outcome);
    options.logger.info(
      {
        bot: outcome.name,
        folder: outcome.folder.folderName,
        handlers: outcome.handlers.map((h) => h.file.name),
        fallbacks: outcome.handlers.filter((h) => h.file.fallback).map((h) => h.file.name),
        echo: outcome.echo,
      },
      "bot loaded",
    );
  }
  return new BotRegistry(loaded, failures);
}

export interface StartBotsOptions {
  logger: Logger;
  concurrency: number;
  /** Stops the getMe retries (shutdown). */
  signal?: AbortSignal;
  /** Longest pause between getMe attempts of a bot Telegram cannot be reached for. @defaultValue 30000 */
  maxBackoffMs?: number;
}

function isTokenRejection(error: unknown): boolean {
  const code = (error as { error_code?: unknown } | null)?.error_code;
  return code === 401 || code === 404;
}

/**
 * Calls getMe for every bot, `concurrency` at a time. A rejected token (401/404) marks that bot
 * failed; an unreachable Telegram is retried with backoff while the bot stays `starting`.
 */
export async function startBots(registry: BotRegistry, options: StartBotsOptions): Promise<void> {
  const limit = pLimit(options.concurrency);
  const aborted = () => options.signal?.aborted === true;
  await Promise.all(
    registry.bots().map(async (loaded) => {
        // The slot is held for one getMe call, not across backoff pauses: a bot Telegram cannot
        // reach for a while must not keep the others from starting.
        for (let attempt = 1; !aborted(); attempt++) {
          try {
            loaded.bot.botInfo = await limit(() => loaded.bot.api.getMe(options.signal as Parameters<typeof loaded.bot.api.getMe>[0]));
            loaded.status = "ready";
            options.logger.info({ bot: loaded.name, username: loaded.bot.botInfo.username }, "bot ready");
            return;
          } catch (error) {
            if (aborted()) return;
            if (isTokenRejection(error)) {
              loaded.status = "failed";
              loaded.failure = {
                folder: loaded.folder.folderName,
                name: loaded.name,
                code: "TOKEN_REJECTED",
                file: undefined,
                reason: "Telegram rejected the bot token (getMe answered 401/404)",
              };
              options.logger.error({ bot: loaded.name, folder: loaded.folder.folderName, code: "TOKEN_REJECTED", err: error }, "bot token rejected");
              return;
            }
            const delayMs = backoffDelayMs(attempt, 1000, options.maxBackoffMs ?? 30_000);
            options.logger.warn({ bot: loaded.name, attempt, delayMs, err: error }, "getMe failed, retrying");
            await sleep(delayMs, options.signal).catch(() => undefined);
          }
        }
    }),
  );
}
