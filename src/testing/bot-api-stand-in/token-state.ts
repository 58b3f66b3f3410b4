/**
 * What the stand-in keeps per bot token for updates: the queue a test pushes into, the webhook set
 * with setWebhook, and the getUpdates request being held, if any.
 */

/** What setWebhook stored for a token, as getWebhookInfo reports it. */
export interface WebhookState {
  url: string;
  secretToken: string | undefined;
  maxConnections: number;
  allowedUpdates: string[];
  lastErrorDate: number | undefined;
  lastErrorMessage: string | undefined;
}

export class TokenState {
  /** Updates not yet confirmed (getUpdates offset) or delivered (webhook 2xx), oldest first. */
  queue: Array<Record<string, unknown>> = [];
  lastUpdateId = 0;
  webhook: WebhookState | undefined = undefined;
  /** Ends the pending long poll with 409 (a newer getUpdates replaced it). */
  terminatePoll: (() => void) | undefined = undefined;
  /** Wake-ups of long polls waiting for an update. */
  readonly waiters = new Set<() => void>();

  /** Queues an update, numbered one past the last when it has no `update_id`, and wakes the long polls. */
  push(update: Record<string, unknown>): Record<string, unknown> {
    const given = update["update_id"];
    const updateId = typeof given === "number" && Number.isSafeInteger(given) ? given : this.lastUpdateId + 1;
    this.lastUpdateId = Math.max(this.lastUpdateId, updateId);
    const queued = { ...update, update_id: updateId };
    this.queue.push(queued);
    this.wakeWaiters();
    return { ...queued };
  }

  dropPending(): void {
    this.queue = [];
  }

  wakeWaiters(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

export class TokenStates {
  private byToken = new Map<string, TokenState>();

  /** The token's state, created on first use. */
  get(token: string): TokenState {
    let state = this.byToken.get(token);
    if (state === undefined) {
      state = new TokenState();
      this.byToken.set(token, state);
    }
    return state;
  }

  /** The token's state if it has one, without creating it. */
  find(token: string): TokenState | undefined {
    return this.byToken.get(token);
  }

  /** Forgets every token; a held getUpdates ends with 409, the waiting ones wake up. */
  reset(): void {
    for (const state of this.byToken.values()) {
      state.terminatePoll?.();
      state.wakeWaiters();
    }
    this.byToken = new Map();
  }
}
