/**
 * A Bot API call's parameters, read the way Telegram reads them: the query string merged with a
 * JSON, urlencoded or multipart body. Bodies it cannot make sense of are a 400 with Telegram's
 * wording, or ignored where Telegram ignores them.
 */
import { parseMultipart } from "./multipart.ts";
import type { RecordedFile } from "./recorded-calls.ts";

export interface ParsedPayload {
  fields: Record<string, unknown>;
  files: RecordedFile[];
  /** A Telegram-style 400 description when the body could not be understood. */
  error?: string;
}

/** Merges the query string and the body, as Telegram does; body fields win. */
export function parsePayload(url: URL, contentType: string | undefined, body: Buffer): ParsedPayload {
  const fields: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const files: RecordedFile[] = [];
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (body.length === 0) return { fields, files };
  const text = (): string => body.toString("utf8");

  if (type === "application/json" || (type === "" && body[0] === 0x7b /* { */)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text());
    } catch {
      return { fields, files, error: "Bad Request: can't parse JSON object" };
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      return { fields, files, error: "Bad Request: JSON object expected" };
    }
    return { fields: { ...fields, ...(parsed as Record<string, unknown>) }, files };
  }
  if (type === "application/x-www-form-urlencoded" || type === "") {
    return { fields: { ...fields, ...Object.fromEntries(new URLSearchParams(text())) }, files };
  }
  if (type === "multipart/form-data") {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? "");
    const value = boundary?.[1] ?? boundary?.[2];
    if (value === undefined) return { fields, files, error: "Bad Request: multipart boundary is missing" };
    const multipart = parseMultipart(body, value);
    return { fields: { ...fields, ...multipart.fields }, files: multipart.files };
  }
  // Telegram ignores bodies it cannot read; so does the stand-in.
  return { fields, files };
}
