/** A secret (a bot's BOT_INTERNAL_KEY, the admin page's ADMIN_TOKEN), kept only as a digest and compared in constant time with what a caller presents. */
import { hash, timingSafeEqual } from "node:crypto";

function digest(value: string): Buffer {
  // One-shot hash: half the cost of createHash().update().digest() on every request.
  return hash("sha256", value, "buffer");
}

export class InternalKey {
  private readonly expected: Buffer;

  constructor(key: string) {
    this.expected = digest(key);
  }

  /** Digests have equal lengths, so the comparison takes the same time whatever was presented. */
  matches(presented: string): boolean {
    return timingSafeEqual(digest(presented), this.expected);
  }
}
