/**
 * One Bot API request being answered: the recorded call and the HTTP exchange it came on. The
 * answer is written at most once, recorded on the call, and never to a client or stand-in that
 * has gone.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RecordedCall } from "./recorded-calls.ts";
import type { Shutdown } from "./shutdown.ts";
import { sendJson } from "./telegram-answers.ts";

export class BotCallExchange {
  constructor(
    readonly call: RecordedCall,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly shutdown: Shutdown,
  ) {}

  /** Whether nobody is waiting for the answer any more. */
  get abandoned(): boolean {
    return this.shutdown.closed || this.res.destroyed;
  }

  /** Writes a JSON answer and records its status, unless the client or the stand-in has gone. */
  answer(status: number, body: unknown): void {
    if (this.abandoned) return;
    this.call.status = status;
    sendJson(this.res, status, body);
  }
}
