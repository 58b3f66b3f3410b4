/**
 * The journal sink used when no JOURNAL_URL is set: each record becomes one info line
 * ("journal record") with every fact but the update body, which is user data.
 */
import type { Logger } from "pino";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { summarize } from "./journal-payload.ts";
import type { JournalSink } from "./journal-sink.ts";

export class LogJournalSink implements JournalSink {
  constructor(private readonly logger: Logger) {}

  async deliver(record: ProcessedUpdateRecord): Promise<void> {
    // `bot` and `update_id` too, so the line is found the way every other line of an update is.
    this.logger.info({ bot: record.bot_name, update_id: record.update_id, journal: summarize(record) }, "journal record");
  }
}
