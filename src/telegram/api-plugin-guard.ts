/**
 * What the engine does on each update's `ctx.api` before a bot's handlers run, for the transformer
 * plugins they may install there (a handler file reaches the Bot API only through `ctx.api`; the
 * Bot and its `bot.api` stay the engine's): the outer-retry guard goes in before the first of
 * them, so it sits between the engine's transformers and the bot's, and every transformer a
 * handler installs is looked at once it is, so a plugin that overlaps with the engine's retries
 * or flood control is named in the log (once per bot and plugin) the first time it is installed.
 * docs/plugins.md says what happens with each and how to use them.
 */
import type { Context, Middleware } from "grammy";
import type { Logger } from "pino";
import { outerRetryGuard } from "./outer-retry-guard.ts";
import { overlappingPlugin, type OverlappingPlugin } from "./overlapping-plugins.ts";

type TransformerUse = Context["api"]["config"]["use"];

const WHAT_HAPPENS: Record<OverlappingPlugin["overlaps"], string> = {
  "api-retries":
    "it runs outside the engine's API retries (API_MAX_RETRIES): a call they gave up on is not sent again in the same update, the update is retried instead; remove it, or see docs/plugins.md",
  "flood-control": "it runs outside the engine's flood control, so messages wait for both; keep one instance per bot, or remove it (docs/plugins.md)",
};

/** One per bot: remembers what it has warned about. */
export class ApiPluginGuard {
  private readonly warned = new Set<string>();

  constructor(private readonly logger: Logger) {}

  middleware(): Middleware<Context> {
    return (ctx, next) => {
      const config = ctx.api.config;
      const use = config.use;
      /** The overlapping plugins installed for this update. */
      const installed: string[] = [];
      let guarded = false;
      const watchedUse: TransformerUse = (...transformers) => {
        // The guard goes in just before the first transformer a handler installs: inside all of
        // theirs, outside the engine's. An update whose handlers install none has nothing outside
        // the engine's retries to repeat a call, and pays for no guard.
        if (!guarded) use(outerRetryGuard({ onRefused: (method) => this.refused(method, installed) }));
        guarded = true;
        for (const transformer of transformers) this.look(transformer, installed);
        return use(...transformers);
      };
      // grammY declares the field read-only; the object is this update's own.
      (config as { use: TransformerUse }).use = watchedUse;
      return next();
    };
  }

  private look(transformer: unknown, installed: string[]): void {
    const overlap = overlappingPlugin(transformer);
    if (overlap === undefined) return;
    installed.push(overlap.plugin);
    this.warnOnce(`plugin:${overlap.plugin}`, { code: "API_PLUGIN_OVERLAP", plugin: overlap.plugin, overlaps: overlap.overlaps }, `a handler installed ${overlap.plugin} on ctx.api: ${WHAT_HAPPENS[overlap.overlaps]}`);
  }

  private refused(method: string, installed: readonly string[]): void {
    const message = "a transformer installed by this bot's handlers repeated a call the engine's API retries had given up on; the repeat was not sent";
    this.warnOnce(`refused:${method}`, { code: "API_REPEAT_REFUSED", method, plugins: installed }, message);
  }

  private warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(fields, message);
  }
}
