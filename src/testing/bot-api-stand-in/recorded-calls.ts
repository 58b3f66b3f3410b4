/**
 * Every Bot API call the stand-in received, in arrival order, with what it answered: what tests
 * assert on.
 */
import type { Fault } from "./fault-rules.ts";

export interface RecordedFile {
  /** The multipart field name (grammY uses a random id referenced by an `attach://<id>` field). */
  field: string;
  filename: string;
  size: number;
}

export interface RecordedCall {
  token: string;
  method: string;
  /**
   * JSON bodies keep their types; query-string, urlencoded and multipart fields arrive as strings,
   * and are kept as strings, because that is what Telegram itself would receive.
   */
  payload: Record<string, unknown>;
  /** performance.now() when the request was complete (body read). */
  receivedAt: number;
  /** Global arrival order across all tokens; never reused, not even after reset(). */
  seq: number;
  /** Set when an injected fault decided the answer. */
  fault?: Fault["kind"];
  /** HTTP status answered; absent while the answer is pending, or when the connection was dropped. */
  status?: number;
  /** Files uploaded with a multipart body (contents are not kept). */
  files?: RecordedFile[];
}
