/**
 * Chat ids as the stand-in compares them: JSON bodies carry numbers, urlencoded and multipart
 * bodies carry the same ids as strings.
 */

/** Numeric strings become numbers so a chat id reads the same whichever body encoding carried it. */
export function normaliseChatId(value: unknown): number | string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value !== "string" || value === "") return undefined;
  if (/^-?\d+$/.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
  }
  return value;
}
