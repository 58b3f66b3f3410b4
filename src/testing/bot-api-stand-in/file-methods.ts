/**
 * Files as Telegram serves them: getFile answers a File whose `file_path` is made from the
 * file_id, and `GET /file/bot<token>/<file_path>` (on the API root, or on the HTTPS file root when
 * the stand-in was given a certificate) answers the file's bytes, a text made from the file_id so
 * a test can check what was downloaded. Each download is recorded as a call of the pseudo-method
 * `fileDownload` with the `file_path`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "./request-body.ts";
import type { StandInState } from "./stand-in-state.ts";
import { ok, sendJson, telegramError, type TelegramAnswer } from "./telegram-answers.ts";

/** The method name downloads are recorded under. */
export const FILE_DOWNLOAD = "fileDownload";

/** `/file/bot<token>/<file_path>`, or with `/test` after the token as grammY builds it for the test environment. */
export const FILE_PATH = /^\/file\/bot([^/]+)\/(?:test\/)?(.+)$/;

const DOCUMENTS = "documents/";

/** What a download of the file with this id gives. */
export function fileContent(fileId: string): string {
  return `contents of ${fileId}`;
}

export function getFile(payload: Record<string, unknown>): TelegramAnswer {
  const fileId = payload["file_id"];
  if (typeof fileId !== "string" || fileId === "") return telegramError(400, "Bad Request: file_id is empty");
  return ok({ file_id: fileId, file_unique_id: `unique-${fileId}`, file_size: Buffer.byteLength(fileContent(fileId)), file_path: `${DOCUMENTS}${encodeURIComponent(fileId)}.txt` });
}

export async function handleFileDownload(state: StandInState, req: IncomingMessage, res: ServerResponse, rawToken: string, filePath: string): Promise<void> {
  await readBody(req);
  const token = decoded(rawToken);
  state.calls.record(token, FILE_DOWNLOAD, { file_path: filePath }, []);
  await state.shutdown.sleep(state.latencyMs);
  if (state.shutdown.closed) return;
  const name = filePath.startsWith(DOCUMENTS) && filePath.endsWith(".txt") ? filePath.slice(DOCUMENTS.length, -".txt".length) : undefined;
  if (req.method !== "GET" || name === undefined || state.faults.isRejected(token)) {
    sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    return;
  }
  const body = fileContent(decoded(name));
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** A path part as it was before URL encoding; one that does not decode is taken as written. */
function decoded(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
