/**
 * Files: getFile answers a File with a file_path, the file's bytes come from
 * `/file/bot<token>/<file_path>` over HTTP and over the HTTPS file root, and each download is
 * recorded; an unknown path is Telegram's 404.
 */
import { get } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "grammy";
import { selfSignedCert, type SelfSignedCert } from "../self-signed-cert.ts";
import { startBotApiStandIn, type BotApiStandIn } from "./bot-api-stand-in.ts";
import { fileContent, FILE_DOWNLOAD } from "./file-methods.ts";
import { TOKEN_A } from "./stand-in-test-helpers.ts";

let standIn: BotApiStandIn;
let cert: SelfSignedCert;

beforeAll(async () => {
  cert = await selfSignedCert();
  standIn = await startBotApiStandIn({ fileTls: { key: cert.key, cert: cert.cert } });
});
afterAll(async () => {
  await standIn?.close();
  cert?.remove();
});

function httpsText(url: string, ca: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    }).on("error", reject);
  });
}

describe("getFile and file downloads", () => {
  it("serves a file's bytes at its file_path over HTTP and HTTPS, recording each download", async () => {
    const file = await new Api(TOKEN_A, { apiRoot: standIn.apiRoot }).getFile("doc-1");
    expect(file).toMatchObject({ file_id: "doc-1", file_size: fileContent("doc-1").length });
    const filePath = file.file_path ?? "";
    const plain = await fetch(`${standIn.apiRoot}/file/bot${TOKEN_A}/${filePath}`);
    expect(await plain.text()).toBe(fileContent("doc-1"));
    expect(standIn.fileRoot).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await httpsText(`${standIn.fileRoot ?? ""}/file/bot${TOKEN_A}/${filePath}`, cert.cert)).toEqual({ status: 200, text: fileContent("doc-1") });
    expect(standIn.calls({ token: TOKEN_A, method: FILE_DOWNLOAD }).map((c) => c.payload)).toEqual([{ file_path: filePath }, { file_path: filePath }]);
  });

  it("answers 404 for a path it never gave out", async () => {
    const response = await fetch(`${standIn.apiRoot}/file/bot${TOKEN_A}/photos/nothing.jpg`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ ok: false, error_code: 404, description: "Not Found" });
  });
});
