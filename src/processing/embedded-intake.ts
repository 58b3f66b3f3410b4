/**
 * The embedded default intake: duplicates dropped by the in-memory window, everything else handed
 * to the in-process scheduler. A full backlog answers 503 with Retry-After (the claim is released,
 * so the sender's retry is not mistaken for a duplicate).
 */
import { RequestError } from "../errors/request-error.ts";
import type { IntakeResult, UpdateIntake } from "../http/update-intake.ts";
import type { DedupWindow } from "./dedup-window.ts";
import type { KeyedScheduler } from "./keyed-scheduler.ts";
import { orderingKey, readUpdateFacts } from "./update-key.ts";
import { newUpdateJob, type UpdateJob } from "./update-job.ts";

export interface EmbeddedIntakeOptions {
  scheduler: KeyedScheduler<UpdateJob>;
  dedup: DedupWindow | undefined;
  retryAfterSeconds: number;
}

export class EmbeddedIntake implements UpdateIntake {
  private isClosed = false;

  constructor(private readonly options: EmbeddedIntakeOptions) {}

  get closed(): boolean {
    return this.isClosed;
  }

  close(): void {
    this.isClosed = true;
  }

  async accept(botName: string, update: Record<string, unknown>): Promise<IntakeResult> {
    if (this.isClosed) throw new RequestError("SHUTTING_DOWN", "the service is shutting down", { retryAfterSeconds: this.options.retryAfterSeconds });
    const updateId = update.update_id as number;
    const { dedup, scheduler } = this.options;
    if (dedup !== undefined && !dedup.claim(botName, updateId)) return "duplicate";
    const facts = readUpdateFacts(update);
    const result = scheduler.submit(botName, orderingKey(facts), newUpdateJob(botName, update, facts));
    if (result === "accepted") return "accepted";
    dedup?.release(botName, updateId);
    const scope = result === "backlog-full" ? "the service" : `bot ${JSON.stringify(botName)}`;
    throw new RequestError("BACKLOG_FULL", `${scope} has too many updates waiting; retry later`, { retryAfterSeconds: this.options.retryAfterSeconds });
  }
}
