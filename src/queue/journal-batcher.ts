/**
 * Group commit of journal records into `drf_save`: a record is written at once when no write is
 * under way; records settled while one is (other partitions' updates, under load) go together in
 * the next job, up to `maxBatch` per job. No added delay when idle, one job for many records under
 * load, instead of a job (an add, a fetch, a completion) per record.
 * `add` resolves only once the job holding the record is in Redis, and rejects if that write
 * failed: the update job that settled it completes only when its journal record is safe.
 */
import type { Queue } from "bullmq";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";

/** A `drf_save` job's data: the records of one group commit. */
export interface JournalBatch {
  records: ProcessedUpdateRecord[];
}

interface Waiting {
  record: ProcessedUpdateRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class JournalBatcher {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(
    private readonly queue: Pick<Queue, "add">,
    private readonly maxBatch: number,
  ) {
    // A batch of 0 would never empty the list of waiting records.
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
  }

  add(record: ProcessedUpdateRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ record, resolve, reject });
      if (!this.writing) void this.write();
    });
  }

  private async write(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      const data: JournalBatch = { records: batch.map((w) => w.record) };
      try {
        await this.queue.add("records", data);
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.writing = false;
  }
}
