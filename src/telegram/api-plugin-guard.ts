/**
 * What the engine does on each update's `ctx.api` before a bot's handlers run, for the transformer
 * plugins they may install there (a handler file reaches the Bot API only through `ctx.api`; the
 * Bot and its `bot.api` stay the engine's): the outer-retry guard goes in first, so it sits
 * between the engine's transformers and the bot's, and every transformer a handler installs is
 * looked at once it is, so a plugin that overlaps with the engine's retries or flood control is
 * named in the log (once per bot and plugin) the first time it is installed. docs/plugins.md
 * says what happens with each and how to use them.
 */
import type { Middleware } from "grammy";
import type { Logger } from "pino";
import type { BotContext } from "../bots/bot-context.ts";
import { outerRetryGuard } from "./outer-retry-guard.ts";
import { overlappingPlugin, type OverlappingPlugin } from "./overlapping-plugins.ts";

type TransformerUse = BotContext["api"]["config"]["use"];

const WHAT_HAPPENS: Record<OverlappingPlugin["overlaps"], string> = {
  "api-retries":
    "it runs outside the engine's API retries (API_MAX_RETRIES): a call they gave up on is not sent again in the same update, the update is retried instead; remove it, or see docs/plugins.md",
  "flood-control": "it runs outside the engine's flood control, so messages wait for both; keep one instance per bot, or remove it (docs/plugins.md)",
};

/** One per bot: remembers what it has warned about. */
export class ApiPluginGuard {
  private readonly warned = new Set<string>();

  constructor(private readonly logger: Logger) {}

  middleware(): Middleware<BotContext> {
    return (ctx, next) => {
      const config = ctx.api.config;
      const use = config.use;
      const installed: string[] = [];
      use(
        outerRetryGuard({
          onRefused: (method) => this.warnOnce(`refused:${method}`, { code: "API_REPEAT_REFUSED", method, plugins: installed }, "a transformer installed by this bot's handlers repeated a call the engine's API retries had given up on; the repeat was not sent"),
        }),
      );
      const watchedUse: TransformerUse = (...transformers) => {
        for (const transformer of transformers) {
          const overlap = overlappingPlugin(transformer);
          if (overlap === undefined) continue;
          installed.push(overlap.plugin);
          this.warnOnce(`plugin:${overlap.plugin}`, { code: "API_PLUGIN_OVERLAP", plugin: overlap.plugin, overlaps: overlap.overlaps }, `a handler installed ${overlap.plugin} on ctx.api: ${WHAT_HAPPENS[overlap.overlaps]}`);
        }
        return use(...transformers);
      };
      // grammY declares the field read-only; the object is this update's own.
      (config as { use: TransformerUse }).use = watchedUse;
      return next();
    };
  }

  private warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(fields, message);
  }
}
