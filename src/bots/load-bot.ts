/**
 * Loading one discovered bot folder: its `.env`, its `config.ts`, its handler modules, and the
 * grammY Bot they make. Every failure becomes a BotLoadError that names the file and the reason,
 * so the registry can skip this bot and go on with the others.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseDotenv } from "dotenv";
import { Bot, type Middleware } from "grammy";
import { BotLoadError } from "../errors/bot-load-error.ts";
import { registerBotEnv, registerBotName, type BotEnv } from "./bot-env.ts";
import { contextConstructorFor, type BotContext } from "./bot-context.ts";
import type { BotFolder, HandlerFile } from "./discover-bots.ts";
import { blamedFile } from "./blamed-file.ts";
import { tagHandlerFile } from "./handler-file-tag.ts";
import { grammyClientFetch } from "../telegram/bot-api-fetch.ts";

export const BOT_KEYS = ["BOT_NAME", "BOT_TOKEN", "BOT_INTERNAL_KEY"] as const;

export interface BotIdentity {
  name: string;
  token: string;
  internalKey: string;
  env: BotEnv;
  /** Every other setting of the bot, raw: `.env` values, overridden by config.ts exports (e.g. BOT_WEBHOOK_SECRET). */
  settings: Readonly<Record<string, unknown>>;
}

export interface MountedHandler {
  file: HandlerFile;
  composers: number;
}

export interface BuiltBot {
  identity: BotIdentity;
  bot: Bot<BotContext>;
  handlers: MountedHandler[];
  /** No fallback file: the echo handler was mounted last. */
  echo: boolean;
}

export interface BotBuildOptions {
  apiRoot: string;
  apiTimeoutSeconds: number;
  /** Runs on the new Bot before handlers mount: API transformers, session, shared middleware. */
  prepare?: (bot: Bot<BotContext>, identity: BotIdentity) => void;
  /**
   * Appended to the URL of each module the folder's files import (module-version.ts): empty for
   * a folder's first load, a new one for each reload, so the folder's code is imported afresh.
   */
  moduleQuery?: string;
}

async function importModule(file: string, query = ""): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(file).href + query)) as Record<string, unknown>;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A grammY Composer (or Bot), recognised by shape so a second copy of grammY still counts. */
export function isComposer(value: unknown): value is { middleware(): Middleware<BotContext> } {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { middleware?: unknown; use?: unknown; on?: unknown };
  return typeof candidate.middleware === "function" && typeof candidate.use === "function" && typeof candidate.on === "function";
}

function readBotEnv(folder: BotFolder): Record<string, string> {
  if (folder.envFile === undefined) return {};
  try {
    // Synchronous: bots load before the service listens, and a thousand small .env files are read
    // several times faster this way than through the thread pool.
    return parseDotenv(readFileSync(folder.envFile));
  } catch (error) {
    throw new BotLoadError("ENV_UNREADABLE", `cannot read .env: ${describeError(error)}`, { file: ".env", cause: error });
  }
}

/**
 * Reads the three keys: a constant exported by the config file wins over the `.env`.
 * `onSecret` gets the `.env`'s token and key before config.ts runs, so even an error that
 * config.ts throws with a secret in its message cannot reach a log unscrubbed.
 */
export async function readBotIdentity(folder: BotFolder, onSecret: (secret: string) => void = () => undefined, moduleQuery = ""): Promise<BotIdentity> {
  const env = readBotEnv(folder);
  for (const key of ["BOT_TOKEN", "BOT_INTERNAL_KEY"] as const) {
    const value = env[key];
    if (value !== undefined) onSecret(value);
  }
  // Registered before config.ts is imported, so config.ts itself can call botEnv().
  registerBotEnv(folder.dir, env);

  let exported: Record<string, unknown> = {};
  if (folder.configFile !== undefined) {
    const file = path.basename(folder.configFile);
    try {
      const module = await importModule(folder.configFile, moduleQuery);
      const fallback = typeof module.default === "object" && module.default !== null ? (module.default as Record<string, unknown>) : {};
      exported = { ...fallback, ...module };
    } catch (error) {
      throw new BotLoadError("CONFIG_IMPORT_FAILED", `${file} failed to import: ${describeError(error)}`, { file: blamedFile(error, folder.dir) ?? file, cause: error });
    }
  }

  const values: Record<string, string> = {};
  for (const key of BOT_KEYS) {
    const value = exported[key] ?? env[key];
    if (value === undefined || value === null || value === "") {
      throw new BotLoadError("MISSING_KEY", `${key} is missing: export it from config.ts or set it in the bot's .env`, {
        file: folder.configFile === undefined ? ".env" : path.basename(folder.configFile),
      });
    }
    if (typeof value !== "string" || value.trim() !== value) {
      throw new BotLoadError("INVALID_KEY", `${key} must be a non-empty string without surrounding spaces`, {
        file: folder.configFile === undefined ? ".env" : path.basename(folder.configFile),
      });
    }
    values[key] = value;
  }
  // Before its handlers are imported, so they can ask for their bot's storage at import time.
  registerBotName(folder.dir, values.BOT_NAME ?? "");
  return { name: values.BOT_NAME ?? "", token: values.BOT_TOKEN ?? "", internalKey: values.BOT_INTERNAL_KEY ?? "", env, settings: { ...env, ...exported } };
}

/** Imports one handler file and returns the Composers it exports: default first, then named. */
async function importHandlerComposers(file: HandlerFile, moduleQuery: string): Promise<Array<{ middleware(): Middleware<BotContext> }>> {
  let module: Record<string, unknown>;
  try {
    module = await importModule(file.path, moduleQuery);
  } catch (error) {
    // The file to fix may be one the handler imports (services/db.ts with a syntax error).
    const blamed = blamedFile(error, path.dirname(path.dirname(file.path)));
    throw new BotLoadError("HANDLER_IMPORT_FAILED", `handlers/${file.name} failed to import: ${describeError(error)}`, {
      file: blamed ?? `handlers/${file.name}`,
      cause: error,
    });
  }
  const names = Object.keys(module).filter((n) => n !== "default");
  const ordered = "default" in module ? ["default", ...names] : names;
  const composers: Array<{ middleware(): Middleware<BotContext> }> = [];
  for (const name of ordered) {
    const value = module[name];
    if (isComposer(value) && !composers.includes(value)) composers.push(value);
  }
  if (composers.length === 0) {
    throw new BotLoadError("HANDLER_WITHOUT_COMPOSER", `handlers/${file.name} exports no grammY Composer`, {
      file: `handlers/${file.name}`,
    });
  }
  return composers;
}

/** Wraps a handler file's middleware so an error thrown inside it remembers that file. */
function attributed(file: HandlerFile, middleware: Middleware<BotContext>): Middleware<BotContext> {
  const fn = typeof middleware === "function" ? middleware : middleware.middleware();
  const label = `handlers/${file.name}`;
  return async (ctx, next) => {
    try {
      await fn(ctx, next);
    } catch (error) {
      throw tagHandlerFile(error, label);
    }
  };
}

function echoHandler(botName: string): Middleware<BotContext> {
  return async (ctx, next) => {
    const text = ctx.message?.text;
    if (text === undefined) return next();
    await ctx.reply(`Echo from ${botName}: ${text}`);
  };
}

/** Imports every handler of `folder` and builds the grammY Bot (not started, no network yet). */
export async function buildBot(folder: BotFolder, identity: BotIdentity, options: BotBuildOptions): Promise<BuiltBot> {
  const mounted: Array<{ file: HandlerFile; composers: Array<{ middleware(): Middleware<BotContext> }> }> = [];
  for (const file of folder.handlerFiles) {
    mounted.push({ file, composers: await importHandlerComposers(file, options.moduleQuery ?? "") });
  }

  const bot = new Bot<BotContext>(identity.token, {
    client: { apiRoot: options.apiRoot, timeoutSeconds: options.apiTimeoutSeconds, fetch: grammyClientFetch },
    ContextConstructor: contextConstructorFor(identity.name, identity.env),
  });
  options.prepare?.(bot, identity);
  for (const { file, composers } of mounted) {
    for (const composer of composers) bot.use(attributed(file, composer.middleware()));
  }
  const echo = !folder.handlerFiles.some((f) => f.fallback);
  if (echo) bot.use(echoHandler(identity.name));
  return {
    identity,
    bot,
    handlers: mounted.map(({ file, composers }) => ({ file, composers: composers.length })),
    echo,
  };
}
