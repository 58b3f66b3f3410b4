/**
 * Features that sit around the core (webhooks, polling, flood control, sessions, journal) plug in
 * through these hooks instead of editing the core assembly, the way Fastify plugins do.
 */
import type { FastifyInstance } from "fastify";
import type { Bot } from "grammy";
import type { Logger } from "pino";
import type { BotContext } from "../bots/bot-context.ts";
import type { BotRegistry } from "../bots/bot-registry.ts";
import type { BotIdentity } from "../bots/load-bot.ts";
import type { ServiceConfig } from "../config/service-config.ts";
import type { UpdateIntake } from "../http/update-intake.ts";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";

export interface PluginContext {
  config: ServiceConfig;
  logger: Logger;
  registry: BotRegistry;
  intake: UpdateIntake;
}

export interface ServicePlugin {
  /** Shown in logs. */
  name: string;
  /** Runs on each bot before its handlers mount: API transformers, middleware such as sessions. */
  prepareBot?(bot: Bot<BotContext>, identity: BotIdentity): void;
  /** Registers HTTP routes on the app (before it listens). */
  registerRoutes?(app: FastifyInstance, context: PluginContext): void;
  /** After the app listens. */
  start?(context: PluginContext): Promise<void>;
  /** As soon as shutdown begins, before accepted updates are drained (stop pulling new work here). */
  beginShutdown?(context: PluginContext): Promise<void>;
  /** At shutdown, after intake closed and accepted updates finished (or the deadline passed). */
  stop?(context: PluginContext): Promise<void>;
  /** Each processed update, once, successful or not. */
  onSettled?(record: ProcessedUpdateRecord): void;
}
