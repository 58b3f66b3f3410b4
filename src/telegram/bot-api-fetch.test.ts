import { createServer, type Server } from "node:http";
import { gzipSync } from "node:zlib";
import { Api, GrammyError, HttpError, InputFile } from "grammy";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startBotApiStandIn, type BotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { testToken } from "../testing/bot-fixtures.ts";
import { botApiFetch, grammyClientFetch } from "./bot-api-fetch.ts";

const token = testToken("FetchBot");

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe("grammY over botApiFetch, against the Bot API stand-in", () => {
  let standIn: BotApiStandIn;
  beforeAll(async () => {
    standIn = await startBotApiStandIn();
  });
  afterAll(async () => standIn.close());
  beforeEach(() => standIn.reset());

  const api = (timeoutSeconds?: number) => new Api(token, { apiRoot: standIn.apiRoot, fetch: grammyClientFetch, ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) });

  it("sends JSON calls and returns their result", async () => {
    const message = await api().sendMessage(7, "hello ünïcode", { reply_markup: { inline_keyboard: [[{ text: "a", callback_data: "b" }]] } });
    expect(message).toMatchObject({ chat: { id: 7 }, text: "hello ünïcode" });
    const call = standIn.calls({ token, method: "sendMessage" })[0];
    expect(call?.payload).toEqual({ chat_id: 7, text: "hello ünïcode", reply_markup: { inline_keyboard: [[{ text: "a", callback_data: "b" }]] } });
  });

  it("reuses one keep-alive connection for calls in a row", async () => {
    const client = api();
    for (let i = 0; i < 5; i++) await client.sendMessage(1, `n${i}`);
    expect(standIn.sentMessages().map((m) => m.text)).toEqual(["n0", "n1", "n2", "n3", "n4"]);
  });

  it("streams multipart uploads", async () => {
    const message = await api().sendDocument(42, new InputFile(Buffer.alloc(300_000, 7), "big.bin"), { caption: "c" });
    expect(message).toMatchObject({ chat: { id: 42 }, caption: "c" });
    const call = standIn.calls({ method: "sendDocument" })[0];
    expect(call?.files).toEqual([{ field: String(call?.payload["document"]).slice("attach://".length), filename: "big.bin", size: 300_000 }]);
  });

  it("answers Telegram's errors as GrammyError with their code", async () => {
    standIn.injectFault({ token, method: "sendMessage", fault: { kind: "telegram-error", errorCode: 400, description: "Bad Request: chat not found" } });
    const error = await api().sendMessage(1, "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(400);
    expect((error as GrammyError).description).toBe("Bad Request: chat not found");
  });

  it("reports a non-JSON answer and a dropped connection as HttpError", async () => {
    standIn.injectFault({ token, method: "sendMessage", fault: { kind: "non-json", status: 502 } });
    const nonJson = await api().sendMessage(1, "x").catch((e: unknown) => e);
    expect(nonJson).toBeInstanceOf(HttpError);
    expect(String((nonJson as HttpError).error)).toContain("not JSON");

    standIn.injectFault({ token, method: "sendMessage", fault: { kind: "drop-connection" } });
    const dropped = await api().sendMessage(1, "x").catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(HttpError);
  });

  it("gives up at grammY's timeout instead of waiting for the answer", async () => {
    // The answer would come, successful, after 3 s: an error means the 1 s timeout ended the call.
    standIn.injectFault({ token, method: "sendMessage", fault: { kind: "delay", ms: 3_000 } });
    const error = await api(1).sendMessage(1, "slow").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
  });
});

describe("botApiFetch on its own", () => {
  it("rejects at once when the signal is already aborted, and when it aborts mid-request", async () => {
    const server = createServer(() => undefined); // never answers
    const url = await listen(server);
    try {
      const controller = new AbortController();
      controller.abort();
      await expect(botApiFetch(`${url}/x`, { method: "POST", body: "{}", signal: controller.signal })).rejects.toThrow("aborted");

      const later = new AbortController();
      const pending = botApiFetch(`${url}/x`, { method: "POST", body: "{}", signal: later.signal });
      setTimeout(() => later.abort(), 50);
      await expect(pending).rejects.toThrow("aborted");
    } finally {
      await close(server);
    }
  });

  it("rejects reading an answer whose body is still coming when the signal aborts", async () => {
    // Headers and a first chunk, then nothing: the body never ends.
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"ok":true,');
    });
    const url = await listen(server);
    try {
      const controller = new AbortController();
      const response = await botApiFetch(`${url}/x`, { method: "POST", body: "{}", signal: controller.signal });
      const body = response.json();
      setTimeout(() => controller.abort(), 50);
      await expect(body).rejects.toThrow("aborted");
    } finally {
      await close(server);
    }
  });

  it("names no URL in a network error (a Bot API URL carries the token)", async () => {
    const server = createServer();
    const url = await listen(server);
    await close(server); // nothing listens on that port now
    const error = await botApiFetch(`${url}/bot${token}/getMe`, { method: "POST" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toMatch(/request to the Bot API failed: .*ECONNREFUSED/);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(token);
  });

  it("decodes a compressed answer and reports status and ok", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(429, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipSync(JSON.stringify({ ok: false, error_code: 429, description: "Too Many Requests", parameters: { retry_after: 3 } })));
    });
    const url = await listen(server);
    try {
      const response = await botApiFetch(`${url}/x`, { method: "POST", body: "{}" });
      expect(response.status).toBe(429);
      expect(response.ok).toBe(false);
      expect(await response.json()).toEqual({ ok: false, error_code: 429, description: "Too Many Requests", parameters: { retry_after: 3 } });
    } finally {
      await close(server);
    }
  });

  it("sends the body's byte length, not its character count", async () => {
    let received = "";
    let length = "";
    const server = createServer((req, res) => {
      length = String(req.headers["content-length"]);
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (received += chunk));
      req.on("end", () => res.end('{"ok":true,"result":true}'));
    });
    const url = await listen(server);
    try {
      const body = JSON.stringify({ text: "€€€ 😀" });
      const response = await botApiFetch(`${url}/x`, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(await response.json()).toEqual({ ok: true, result: true });
      expect(received).toBe(body);
      expect(Number(length)).toBe(Buffer.byteLength(body));
    } finally {
      await close(server);
    }
  });
});
