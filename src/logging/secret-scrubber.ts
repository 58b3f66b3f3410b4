/**
 * Removes secrets from text that is about to be written to a log. It runs on every finished log
 * line (pino `streamWrite`), so a token cannot leak through an error message, a cause chain or a
 * URL that some library put in an error, whatever path it took to get there.
 */

const REDACTED = "[redacted]";
/**
 * Bot API URLs carry the token in their path: https://host/bot<id>:<secret>/method. Only the
 * Telegram token shape is matched here (other paths such as /bots/x stay readable); tokens of
 * loaded bots, whatever their shape, are removed by exact match below.
 */
const BOT_API_URL = /(https?:\/\/[^\s"'/]+(?:\/[^\s"']*?)?\/bot)\d+:[^/\s"'?]+/g;
/** On Telegram's own host, whatever follows /bot is a token. */
const TELEGRAM_API_URL = /(https?:\/\/api\.telegram\.org\/bot)[^/\s"'?]+/g;
/** The shape of a Telegram bot token, for tokens we were never told about. */
const TOKEN_SHAPE = /\b\d{4,}:[A-Za-z0-9_-]{30,}\b/g;
const PREFIX_LENGTH = 4;

/** A short hint that says which secret it was without revealing it: `[redacted:…f3]` style. */
export function maskSecret(secret: string): string {
  const colon = secret.indexOf(":");
  // The part of a bot token before ':' is the public bot id; the rest is the secret.
  if (colon > 0 && /^\d+$/.test(secret.slice(0, colon))) return `${secret.slice(0, colon)}:***`;
  return "***";
}

export class SecretScrubber {
  /** Secrets indexed by their first characters, so a line is scanned once whatever their count. */
  private readonly byPrefix = new Map<string, string[]>();
  private readonly short = new Set<string>();
  /** Every registered long form, so a repeated add is O(1) instead of a scan of its prefix list. */
  private readonly known = new Set<string>();

  /** Registers a secret (and its JSON-escaped form, which is how it would appear in a JSON line). */
  add(secret: string): void {
    if (secret === "") return;
    const escaped = JSON.stringify(secret).slice(1, -1);
    for (const form of escaped === secret ? [secret] : [secret, escaped]) {
      if (form.length < PREFIX_LENGTH) {
        this.short.add(form);
        continue;
      }
      if (this.known.has(form)) continue;
      this.known.add(form);
      const prefix = form.slice(0, PREFIX_LENGTH);
      const list = this.byPrefix.get(prefix);
      if (list === undefined) this.byPrefix.set(prefix, [form]);
      else {
        // Longest first, so a secret that extends another is removed whole. Inserted in place:
        // a sort per add was the top own-code cost of starting 1000 bots whose secrets share a prefix.
        let at = 0;
        while (at < list.length && (list[at] ?? "").length >= form.length) at++;
        list.splice(at, 0, form);
      }
    }
  }

  scrub(text: string): string {
    let out = text.replace(BOT_API_URL, `$1${REDACTED}`).replace(TELEGRAM_API_URL, `$1${REDACTED}`).replace(TOKEN_SHAPE, REDACTED);
    if (this.byPrefix.size > 0) out = this.scrubIndexed(out);
    for (const secret of this.short) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  private scrubIndexed(text: string): string {
    let result = "";
    let copiedUpTo = 0;
    const last = text.length - PREFIX_LENGTH;
    for (let i = 0; i <= last; i++) {
      const candidates = this.byPrefix.get(text.slice(i, i + PREFIX_LENGTH));
      if (candidates === undefined) continue;
      const match = candidates.find((secret) => text.startsWith(secret, i));
      if (match === undefined) continue;
      result += text.slice(copiedUpTo, i) + REDACTED;
      i += match.length - 1;
      copiedUpTo = i + 1;
    }
    return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
  }
}
