/**
 * The journal sink used when no JOURNAL_URL is set: a record becomes one info line ("journal
 * record") with every fact but the update body, which is user data. By default no record does
 * (JOURNAL_LOG=off): at hundreds of updates a second one line each would make the log a copy of
 * the traffic and bury its events; `sample` keeps one in N, `all` every one.
 */
import type { Logger } from "pino";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { summarize } from "./journal-payload.ts";
import type { JournalSettings } from "./journal-settings.ts";
import type { JournalSink } from "./journal-sink.ts";

export type JournalLogSettings = Pick<JournalSettings, "JOURNAL_LOG" | "JOURNAL_LOG_SAMPLE_EVERY">;

export class LogJournalSink implements JournalSink {
  /** Records seen, for sampling: the first and then every N-th is logged. */
  private seen = 0;

  constructor(
    private readonly logger: Logger,
    private readonly settings: JournalLogSettings,
  ) {}

  /** Whether any record can reach the log (off, or a level that drops info lines: none can). */
  get logsAny(): boolean {
    return this.settings.JOURNAL_LOG !== "off" && this.logger.isLevelEnabled("info");
  }

  async deliver(record: ProcessedUpdateRecord): Promise<void> {
    if (!this.takes()) return;
    // `bot` and `update_id` too, so the line is found the way every other line of an update is.
    this.logger.info({ bot: record.bot_name, update_id: record.update_id, journal: summarize(record) }, "journal record");
  }

  private takes(): boolean {
    const mode = this.settings.JOURNAL_LOG;
    if (mode === "off") return false;
    if (mode === "all") return true;
    const take = this.seen % this.settings.JOURNAL_LOG_SAMPLE_EVERY === 0;
    this.seen++;
    return take;
  }
}
