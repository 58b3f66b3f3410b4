/**
 * The journal in the embedded default: every settled update goes to the in-process journal,
 * which delivers it to the configured sink in the background. Queue mode does not use this
 * plugin: there, records travel through the drf_save queue to the same sinks.
 */
import type { Logger } from "pino";
import type { ServiceConfig } from "../config/service-config.ts";
import type { ServicePlugin } from "../service/service-plugin.ts";
import { InProcessJournal } from "./in-process-journal.ts";
import { createJournalSink, type JournalSink } from "./journal-sink.ts";

export interface JournalPluginDeps {
  config: ServiceConfig;
  logger: Logger;
  /** Where records go. @defaultValue createJournalSink(config): JOURNAL_URL, else the log */
  sink?: JournalSink;
  /** Receives the journal's secrets for the log scrubber (SecretScrubber.add). */
  onSecret?: (secret: string) => void;
}

export interface JournalPlugin extends ServicePlugin {
  journal: InProcessJournal;
}

export function journalPlugin(deps: JournalPluginDeps): JournalPlugin {
  const { config } = deps;
  const logger = deps.logger.child({ component: "journal" });
  const sink = deps.sink ?? createJournalSink(config, logger, { onSecret: deps.onSecret });
  const journal = new InProcessJournal({
    sink,
    logger,
    maxBacklog: config.JOURNAL_MAX_BACKLOG,
    concurrency: config.JOURNAL_CONCURRENCY,
    retry: {
      maxAttempts: config.JOURNAL_MAX_ATTEMPTS,
      baseMs: config.JOURNAL_RETRY_BASE_MS,
      maxWaitMs: config.JOURNAL_MAX_RETRY_WAIT_SECONDS * 1000,
    },
  });
  const logsNothing = deps.sink === undefined && config.JOURNAL_URL === undefined && !logger.isLevelEnabled("info");
  return {
    name: "journal",
    journal,
    // Records bound for the log at a level that drops info lines would be queued, summarised and
    // scrubbed for nothing (bench: a third of ingest throughput at high volume).
    onSettled: logsNothing ? undefined : (record) => journal.enqueue(record),
    stop: () => journal.stop(config.JOURNAL_SHUTDOWN_DEADLINE_MS),
  };
}
