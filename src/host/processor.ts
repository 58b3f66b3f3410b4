/**
 * What handles the updates a host takes in: the embedded processor (in-process scheduler and
 * runner), the queue producer (API side of queue mode: it only puts updates into Redis) or the
 * queue worker (it consumes them). The host drives each through the same lifecycle.
 */

/** An update that was taken but did not finish before the shutdown deadline. */
export interface UnfinishedUpdate {
  bot: string;
  update_id: number;
}

/** Whether a processor can do its work now, and what an operator should see about it (on /readyz). */
export interface ProcessorReadiness {
  ready: boolean;
  facts: Record<string, unknown>;
}

export interface Processor {
  /** Begins handling (a queue worker begins consuming). */
  start(): Promise<void>;
  /**
   * Intake is closed: finishes what was taken, up to `deadlineMs`, and reports (and logs) what did
   * not finish.
   */
  drain(deadlineMs: number): Promise<UnfinishedUpdate[]>;
  /** Releases what the processor holds (timers, queues, connections). */
  close(): Promise<void>;
  /** For /readyz: queue mode is not ready while Redis cannot be reached. @defaultValue ready */
  readiness?(): ProcessorReadiness | Promise<ProcessorReadiness>;
}
