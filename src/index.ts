/**
 * What bot authors import: `import { botEnv, type BotContext } from "clustered-bots"`.
 * grammY itself (Composer, filters, types) is imported from "grammy" as usual.
 */
export { botEnv, type BotEnv } from "./bots/bot-env.ts";
export { botStorage } from "./bots/bot-storage.ts";
export { botRetired } from "./bots/bot-lifetime.ts";
export { BotContext } from "./bots/bot-context.ts";
export type { SessionData } from "./session/session-data.ts";
export { RetryUpdateAfterError, UnrecoverableUpdateError } from "./errors/retry-control.ts";
