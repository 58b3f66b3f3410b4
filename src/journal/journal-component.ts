/**
 * The journal of the embedded default as a host component: every settled update goes to the
 * in-process journal, which delivers it to the configured sink in the background, and at shutdown
 * (after the updates drained) delivers what is left up to its own deadline. Queue mode does not
 * use it: there, records travel through the drf_save queue to the same sinks.
 */
import type { Logger } from "pino";
import type { HostComponent } from "../host/host-component.ts";
import type { SettledListener } from "../processing/update-job.ts";
import { createJournalSink } from "./create-journal-sink.ts";
import { InProcessJournal, type JournalRecordOutbox } from "./in-process-journal.ts";
import type { JournalSettings } from "./journal-settings.ts";
import type { JournalSink } from "./journal-sink.ts";
import { LogJournalSink } from "./log-journal-sink.ts";

export interface JournalComponentOptions {
  settings: JournalSettings;
  logger: Logger;
  /** Where records go. @defaultValue createJournalSink(settings): JOURNAL_URL, else the log */
  sink?: JournalSink;
  /** Receives the journal's secrets for the log scrubber (SecretScrubber.add). */
  onSecret?: (secret: string) => void;
  /** Keeps records bound for a backend (JOURNAL_URL or a given sink) across restarts. */
  outbox?: JournalRecordOutbox;
}

export class JournalComponent implements HostComponent {
  readonly name = "journal";
  readonly journal: InProcessJournal;
  /** What the processor calls with each settled update; undefined when the records would go nowhere. */
  readonly listener: SettledListener | undefined;
  private readonly shutdownDeadlineMs: number;

  constructor(options: JournalComponentOptions) {
    const { settings } = options;
    const logger = options.logger.child({ component: "journal" });
    const sink = options.sink ?? createJournalSink(settings, logger, { onSecret: options.onSecret });
    // Log lines need no outbox: writing one is the delivery.
    const toBackend = options.sink !== undefined || settings.JOURNAL_URL !== undefined;
    this.journal = new InProcessJournal({
      sink,
      logger,
      outbox: toBackend ? options.outbox : undefined,
      maxBacklog: settings.JOURNAL_MAX_BACKLOG,
      concurrency: settings.JOURNAL_CONCURRENCY,
      retry: { maxAttempts: settings.JOURNAL_MAX_ATTEMPTS, baseMs: settings.JOURNAL_RETRY_BASE_MS, maxWaitMs: settings.JOURNAL_MAX_RETRY_WAIT_SECONDS * 1000 },
    });
    this.shutdownDeadlineMs = settings.JOURNAL_SHUTDOWN_DEADLINE_MS;
    // Records bound for a log that keeps none of them (JOURNAL_LOG=off, the default, or a level
    // that drops info lines) would be queued for nothing (bench: a third of ingest throughput at
    // high volume when each was also summarised and scrubbed).
    const logsNothing = sink instanceof LogJournalSink && !sink.logsAny;
    const journal = this.journal;
    this.listener = logsNothing ? undefined : (record) => journal.enqueue(record);
  }

  async close(): Promise<void> {
    await this.journal.stop(this.shutdownDeadlineMs);
  }
}
