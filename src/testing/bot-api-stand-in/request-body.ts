/**
 * Reads a request body whole, with a size limit, and without hanging when the client goes away
 * before the body is complete.
 */
import type { IncomingMessage } from "node:http";
import { PayloadTooLarge } from "./request-errors.ts";

/** Telegram accepts uploads far larger than this, but nothing in this project's tests needs more. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        reject(new PayloadTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on("error", (error) => {
      if (!failed) reject(error);
      failed = true;
    });
    // A client that goes away mid-body emits 'aborted'/'close' without 'end'; the handler must not hang.
    req.on("close", () => {
      if (!req.complete && !failed) {
        failed = true;
        reject(new Error("client closed the connection before the body was complete"));
      }
    });
  });
}
