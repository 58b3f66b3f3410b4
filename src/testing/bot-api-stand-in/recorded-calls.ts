/**
 * Every Bot API call the stand-in received, in arrival order, with what it answered: what tests
 * assert on, and what a failed waitFor summarises.
 */
import { performance } from "node:perf_hooks";
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

export class CallLog {
  private recorded: RecordedCall[] = [];
  private nextSeq = 1;

  /** Records a call whose body has just been read; the answer fills in `status` (and `fault`) later. */
  record(token: string, method: string, payload: Record<string, unknown>, files: RecordedFile[]): RecordedCall {
    const call: RecordedCall = { token, method, payload, receivedAt: performance.now(), seq: this.nextSeq++ };
    if (files.length > 0) call.files = files;
    this.recorded.push(call);
    return call;
  }

  /** Copies of the calls, in arrival order. */
  list(filter: { token?: string; method?: string } = {}): RecordedCall[] {
    return this.recorded
      .filter((c) => filter.token === undefined || c.token === filter.token)
      .filter((c) => filter.method === undefined || c.method === filter.method)
      .map((c) => ({ ...c }));
  }

  /** Counts per method, for error messages: never the tokens, which are secrets even in tests. */
  summary(): string {
    if (this.recorded.length === 0) return "no calls recorded";
    const byMethod = new Map<string, number>();
    for (const c of this.recorded) byMethod.set(c.method, (byMethod.get(c.method) ?? 0) + 1);
    const parts = [...byMethod].map(([method, n]) => `${method}×${n}`);
    return `${this.recorded.length} calls recorded: ${parts.join(", ")}`;
  }

  /** Forgets the calls; `seq` goes on counting. */
  reset(): void {
    this.recorded = [];
  }
}
