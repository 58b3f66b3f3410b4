/**
 * The one entry every request goes through: the control API under `/__stand-in/`, a Bot API call
 * at `/bot<token>/<method>`, a file download at `/file/bot<token>/<file_path>`, or Telegram's 404
 * for any other path.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { handleBotCall } from "./bot-api-call.ts";
import { CONTROL_PREFIX, handleControl } from "./control-api.ts";
import { FILE_PATH, handleFileDownload } from "./file-methods.ts";
import { readBody } from "./request-body.ts";
import type { StandInState } from "./stand-in-state.ts";
import { sendJson } from "./telegram-answers.ts";

/** `/bot<token>/<method>`, or `/bot<token>/test/<method>` which grammY builds for the test environment. */
const BOT_PATH = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z0-9_]+)\/?$/;

export async function handleRequest(state: StandInState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://stand-in.invalid");
  if (url.pathname.startsWith(CONTROL_PREFIX)) {
    await handleControl(state, req, res, url);
    return;
  }
  const file = FILE_PATH.exec(url.pathname);
  if (file !== null) {
    await handleFileDownload(state, req, res, file[1] ?? "", file[2] ?? "");
    return;
  }
  const match = BOT_PATH.exec(url.pathname);
  if (match === null) {
    await readBody(req);
    await state.shutdown.sleep(state.latencyMs);
    sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    return;
  }
  await handleBotCall(state, req, res, url, match[1] ?? "", match[2] ?? "");
}
