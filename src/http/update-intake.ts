/**
 * Where an accepted update goes: the in-process scheduler (embedded default) or a queue (queue
 * mode). The HTTP routes (internal API and Telegram webhooks) only see this interface.
 */
export type IntakeResult = "accepted" | "duplicate";

export interface UpdateIntake {
  /**
   * Takes `update` for `botName`. Resolves once the update is safely held (in memory or in Redis);
   * throws RequestError (503 with Retry-After) when it cannot be taken now.
   */
  accept(botName: string, update: Record<string, unknown>): Promise<IntakeResult>;
  /** True once shutdown began: new updates are refused with 503. */
  readonly closed: boolean;
}
