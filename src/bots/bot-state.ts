/**
 * The state of one loaded bot (starting until getMe succeeds, ready, or failed when Telegram
 * rejects its token) and the one place that changes it: every change writes one log line, "bot
 * state changed" with the bot, its folder, the state it left and the new one (and which version
 * of the folder, after a live reload). The states of a folder over its versions (loading,
 * draining, removed, ...) are the registry's (folder-entry.ts), which logs them the same way.
 */
import type { Logger } from "pino";
import type { BotLoadErrorCode } from "../errors/error-codes.ts";

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

/** A move to a new state, with what that state needs: a failure says why. */
export type BotStateMove =
  | { state: "starting" }
  | { state: "ready"; /** The bot's Telegram username, as getMe told it. */ username: string }
  | { state: "failed"; failure: BotFailure; /** The error behind it, logged under `err` (scrubbed like every line). */ err?: unknown };

export class BotState {
  private current: BotStatus = "starting";
  private failureValue: BotFailure | undefined;
  private changed = Date.now();

  constructor(
    private readonly bot: string,
    private readonly folder: string,
    /** Which load of the folder this is (0: the first); logged from the first reload on. */
    private readonly version = 0,
  ) {}

  /** When the state last changed (ms since the epoch). */
  get changedAt(): number {
    return this.changed;
  }

  get status(): BotStatus {
    return this.current;
  }

  /** Why the bot failed, while it is failed. */
  get failure(): BotFailure | undefined {
    return this.failureValue;
  }

  /**
   * Ready without a getMe of its own: the version it replaces was ready with the same token. Not
   * logged, since nothing changed for anyone watching the bot (its reload is logged as such).
   */
  inheritReady(): void {
    this.current = "ready";
    this.changed = Date.now();
    this.failureValue = undefined;
  }

  /**
   * Moves to `move.state` and logs the change: at `error` into `failed` (with the failure's code
   * and reason), at `info` otherwise. Moving to the state the bot is already in does nothing.
   */
  moveTo(move: BotStateMove, logger: Logger): void {
    const from = this.current;
    if (from === move.state) return;
    this.current = move.state;
    this.changed = Date.now();
    this.failureValue = move.state === "failed" ? move.failure : undefined;
    const line = { bot: this.bot, folder: this.folder, from, state: move.state, ...(this.version === 0 ? {} : { version: this.version }) };
    if (move.state === "failed") {
      const { code, reason } = move.failure;
      logger.error({ ...line, code, reason, ...(move.err === undefined ? {} : { err: move.err }) }, "bot state changed");
    } else if (move.state === "ready") {
      logger.info({ ...line, username: move.username }, "bot state changed");
    } else {
      logger.info(line, "bot state changed");
    }
  }
}
