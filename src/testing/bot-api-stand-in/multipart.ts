/**
 * A deliberately small multipart/form-data reader, for the uploads grammY sends: text fields are
 * kept, files are recorded by field name, file name and size (their contents are not kept).
 */
import type { RecordedFile } from "./recorded-calls.ts";

/**
 * Enough for the text fields grammY sends next to files (note grammY writes
 * `content-disposition:form-data;name="x";filename=y`, without spaces or quotes around the
 * filename). Malformed input yields whatever parts could be read, never a throw.
 */
export function parseMultipart(body: Buffer, boundary: string): { fields: Record<string, string>; files: RecordedFile[] } {
  const fields: Record<string, string> = {};
  const files: RecordedFile[] = [];
  const first = Buffer.from(`--${boundary}`);
  const between = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(first);
  if (pos < 0) return { fields, files };
  pos += first.length;
  for (;;) {
    // "--" right after a delimiter closes the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const end = body.indexOf(between, pos);
    if (end < 0) break;
    readPart(body.subarray(pos, end), fields, files);
    pos = end + between.length;
  }
  return { fields, files };
}

function readPart(part: Buffer, fields: Record<string, string>, files: RecordedFile[]): void {
  const headerEnd = part.indexOf("\r\n\r\n");
  if (headerEnd < 0) return;
  const content = part.subarray(headerEnd + 4);
  let name: string | undefined;
  let filename: string | undefined;
  for (const line of part.subarray(0, headerEnd).toString("utf8").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== "content-disposition") continue;
    for (const param of line.slice(colon + 1).split(";").slice(1)) {
      const eq = param.indexOf("=");
      if (eq < 0) continue;
      const key = param.slice(0, eq).trim().toLowerCase();
      const raw = param.slice(eq + 1).trim();
      const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
      if (key === "name") name = value;
      else if (key === "filename") filename = value;
    }
  }
  if (name === undefined) return;
  if (filename !== undefined) files.push({ field: name, filename, size: content.length });
  else fields[name] = content.toString("utf8");
}
