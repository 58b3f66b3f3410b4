/**
 * One loaded version of a bot folder: its grammY Bot, the handler files mounted on it, its state
 * (bot-state.ts: starting until getMe succeeds, ready, or failed when Telegram rejects its token),
 * which load of the folder it is, and how many updates run on it now, so live reload can retire
 * it once the updates it started have finished. Secrets stay inside: the internal key is compared
 * as a digest and the identity is never logged.
 */
import { closeBotLifetime } from "./bot-lifetime.ts";
import type { Bot } from "grammy";
import type { BotContext } from "./bot-context.ts";
import type { BotEnv } from "./bot-env.ts";
import { BotState, type BotFailure, type BotStatus } from "./bot-state.ts";
import type { BotFolder } from "./discover-bots.ts";
import { InternalKey } from "./internal-key.ts";
import type { BotIdentity, MountedHandler } from "./load-bot.ts";

export type { BotFailure, BotStatus } from "./bot-state.ts";

/** One loaded bot. Secrets stay inside: the key is kept only as a digest. */
export class LoadedBot {
  readonly name: string;
  readonly folder: BotFolder;
  readonly bot: Bot<BotContext>;
  readonly handlers: readonly MountedHandler[];
  readonly echo: boolean;
  readonly env: BotEnv;
  /** Name, secrets and per-bot settings as read from the folder (never log it). */
  readonly identity: BotIdentity;
  /** Its state; every change goes through `state.moveTo`, which logs it. */
  readonly state: BotState;
  /** Which load of its folder this is: 0 for the first, one more for each reload. */
  readonly version: number;
  private readonly key: InternalKey;
  private readonly tokenValue: string;
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly lifetime: AbortController;

  constructor(init: { folder: BotFolder; bot: Bot<BotContext>; handlers: MountedHandler[]; echo: boolean; identity: BotIdentity; version?: number; lifetime?: AbortController }) {
    this.name = init.identity.name;
    this.folder = init.folder;
    this.bot = init.bot;
    this.handlers = init.handlers;
    this.echo = init.echo;
    this.identity = init.identity;
    this.env = init.identity.env;
    this.key = new InternalKey(init.identity.internalKey);
    this.tokenValue = init.identity.token;
    this.version = init.version ?? 0;
    this.lifetime = init.lifetime ?? new AbortController();
    this.state = new BotState(this.name, this.folder.folderName, this.version);
  }

  /** Updates running on this version now. */
  get active(): number {
    return this.running;
  }

  /** Aborted once this version is retired (replaced or removed, and its updates finished). */
  get signal(): AbortSignal {
    return this.lifetime.signal;
  }

  /** An update starts running on this version; `leave()` when it ends. */
  enter(): void {
    this.running++;
  }

  leave(): void {
    this.running--;
    if (this.running === 0 && this.idleWaiters.length > 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Resolves when no update runs on this version. */
  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Runs no more updates: aborts `signal` (and the bot's `botRetired()`), for its own timers and connections. */
  retire(): void {
    closeBotLifetime(this.folder.dir, this.lifetime);
  }

  get status(): BotStatus {
    return this.state.status;
  }

  /** Why Telegram refused this bot, once it did. */
  get failure(): BotFailure | undefined {
    return this.state.failure;
  }

  /** Why this bot cannot take updates now, or undefined when it can (a starting bot's updates wait for getMe). */
  unavailableReason(): string | undefined {
    return this.status === "failed" ? (this.failure?.reason ?? "failed") : undefined;
  }

  /** Constant-time comparison of a presented X-Internal-Key with this bot's key. */
  matchesKey(presented: string): boolean {
    return this.key.matches(presented);
  }

  /** The token, for the few places that must talk to Telegram outside grammY (never log it). */
  get token(): string {
    return this.tokenValue;
  }
}

