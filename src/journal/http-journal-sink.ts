/**
 * Delivers journal records to a REST backend: one POST of JSON per record, the old DRF endpoint
 * contract (`bot_name`, `update`, `processing_status`, `error_message`) plus a `record` object
 * with the rest. One attempt per call: retries belong to the delivery loop around it, which
 * reads the error's `retryable` and `retryAfterMs`.
 */
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { JournalDeliveryError } from "../errors/journal-delivery-error.ts";
import { toJournalPayload } from "./journal-payload.ts";
import type { JournalSink } from "./journal-sink.ts";

export interface HttpJournalSinkOptions {
  url: string;
  timeoutMs: number;
  /** Sent as the `Authorization` header; never part of an error message. */
  authorization?: string | undefined;
}

/** Longest piece of the backend's error answer kept in the error message. */
const ANSWER_EXCERPT_CHARS = 200;

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function excerpt(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > ANSWER_EXCERPT_CHARS ? `${flat.slice(0, ANSWER_EXCERPT_CHARS)}…` : flat;
}

export class HttpJournalSink implements JournalSink {
  private readonly url: string;
  private readonly authorization: string | undefined;

  constructor(private readonly options: HttpJournalSinkOptions) {
    // fetch refuses URLs with credentials: `https://user:pass@host/` becomes Basic auth.
    const url = new URL(options.url);
    let basic: string | undefined;
    if (url.username !== "" || url.password !== "") {
      basic = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
      url.username = "";
      url.password = "";
    }
    this.url = url.href;
    this.authorization = options.authorization !== undefined && options.authorization !== "" ? options.authorization : basic;
  }

  async deliver(record: ProcessedUpdateRecord): Promise<void> {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers,
        body: JSON.stringify(toJournalPayload(record)),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
        throw new JournalDeliveryError("JOURNAL_TIMEOUT", `journal backend did not answer within ${this.options.timeoutMs} ms`, { cause: error });
      }
      const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new JournalDeliveryError("JOURNAL_NETWORK", `journal backend unreachable: ${reason}`, { cause: error });
    }
    if (response.ok) {
      // Drain the body so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      return;
    }
    const status = response.status;
    const retryAfterMs = parseRetryAfterMs(response.headers.get("retry-after"));
    const answer = await excerpt(response);
    const message = `journal backend answered ${status}${answer === "" ? "" : `: ${answer}`}`;
    if (status === 429) throw new JournalDeliveryError("JOURNAL_RATE_LIMITED", message, { status, retryAfterMs });
    if (status >= 400 && status < 500) throw new JournalDeliveryError("JOURNAL_REJECTED", message, { status });
    throw new JournalDeliveryError("JOURNAL_UNAVAILABLE", message, { status, retryAfterMs });
  }
}
