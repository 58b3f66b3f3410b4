/** The ledger of DURABILITY=memory: claims in the bounded in-memory dedup window, updates only in the scheduler. */
import type { UpdateJob } from "../processing/update-job.ts";
import { DedupWindow } from "./dedup-window.ts";
import type { UpdateLedger } from "./update-ledger.ts";

export class MemoryLedger implements UpdateLedger {
  readonly durable = false;
  private readonly window: DedupWindow | undefined;

  constructor(options: { windowMs: number; maxEntries: number }) {
    this.window = options.windowMs > 0 ? new DedupWindow(options.windowMs, options.maxEntries) : undefined;
  }

  claim(botName: string, updateId: number): boolean {
    return this.window === undefined || this.window.claim(botName, updateId);
  }

  release(botName: string, updateId: number): void {
    this.window?.release(botName, updateId);
  }

  record(): undefined {
    return undefined;
  }

  retrying(): void {}

  done(_job: UpdateJob): void {}

  recover(): UpdateJob[] {
    return [];
  }

  close(): void {}
}
