/** The journal sink the settings ask for: a REST backend when JOURNAL_URL is set, the log otherwise (as JOURNAL_LOG says). */
import type { Logger } from "pino";
import { HttpJournalSink } from "./http-journal-sink.ts";
import type { JournalSettings } from "./journal-settings.ts";
import type { JournalSink } from "./journal-sink.ts";
import { LogJournalSink, type JournalLogSettings } from "./log-journal-sink.ts";

export interface JournalSinkOptions {
  /** Receives JOURNAL_AUTHORIZATION and the URL's password so the logger scrubs them (SecretScrubber.add). */
  onSecret?: (secret: string) => void;
}

export function createJournalSink(
  settings: Pick<JournalSettings, "JOURNAL_URL" | "JOURNAL_AUTHORIZATION" | "JOURNAL_TIMEOUT_MS"> & JournalLogSettings,
  logger: Logger,
  options: JournalSinkOptions = {},
): JournalSink {
  if (settings.JOURNAL_URL === undefined) return new LogJournalSink(logger, settings);
  if (settings.JOURNAL_AUTHORIZATION !== undefined && settings.JOURNAL_AUTHORIZATION !== "") options.onSecret?.(settings.JOURNAL_AUTHORIZATION);
  const password = new URL(settings.JOURNAL_URL).password;
  if (password !== "") options.onSecret?.(decodeURIComponent(password));
  return new HttpJournalSink({ url: settings.JOURNAL_URL, timeoutMs: settings.JOURNAL_TIMEOUT_MS, authorization: settings.JOURNAL_AUTHORIZATION });
}
