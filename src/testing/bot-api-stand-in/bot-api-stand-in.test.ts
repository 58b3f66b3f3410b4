/**
 * Tests the Bot API stand-in over real HTTP, through grammY itself where possible, because the
 * point of the stand-in is that grammY sees exactly what it would see from Telegram: same success
 * envelopes, same GrammyError/HttpError for each kind of failure, working keep-alive.
 */

import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Api, Bot, GrammyError, HttpError, InputFile } from "grammy";
import { botIdFromToken, startBotApiStandIn, type BotApiStandIn } from "./bot-api-stand-in.ts";

const TOKEN_A = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const TOKEN_B = "222222:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

let standIn: BotApiStandIn;

beforeEach(async () => {
  standIn = await startBotApiStandIn();
});

afterEach(async () => {
  await standIn.close();
});

function api(token = TOKEN_A): Api {
  return new Api(token, { apiRoot: standIn.apiRoot });
}

/** The rejection of a promise that must reject; fails the test when it resolves instead. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject, but it resolved");
}

async function grammyError(promise: Promise<unknown>): Promise<GrammyError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(GrammyError);
  return error as GrammyError;
}

async function elapsedMs(promise: Promise<unknown>): Promise<number> {
  const started = performance.now();
  await promise;
  return performance.now() - started;
}

async function postJson(path: string, body: unknown): Promise<Response> {
  return fetch(`${standIn.apiRoot}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("results", () => {
  it("answers getMe with a bot user whose id is the token's numeric prefix", async () => {
    const me = await api().getMe();
    expect(me).toEqual({
      id: 111111,
      is_bot: true,
      first_name: expect.any(String) as unknown,
      username: "stand_in_111111_bot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    });
  });

  it("derives a stable positive id from a token without a numeric prefix", async () => {
    const a = await api("not-a-real-token").getMe();
    const again = await api("not-a-real-token").getMe();
    const other = await api("another-token").getMe();
    expect(a.id).toBeGreaterThan(0);
    expect(Number.isSafeInteger(a.id)).toBe(true);
    expect(again.id).toBe(a.id);
    expect(other.id).not.toBe(a.id);
    expect(a.username).toBe(`stand_in_${a.id}_bot`);
    expect(botIdFromToken("not-a-real-token")).toBe(a.id);
  });

  it("works as grammY's apiRoot for Bot.init", async () => {
    const bot = new Bot(TOKEN_B, { client: { apiRoot: standIn.apiRoot } });
    await bot.init();
    expect(bot.botInfo.id).toBe(222222);
    expect(standIn.calls({ token: TOKEN_B }).map((c) => c.method)).toEqual(["getMe"]);
  });

  it("lets Bot.start poll (getUpdates answers an empty batch) and Bot.stop end it", async () => {
    const bot = new Bot(TOKEN_A, { client: { apiRoot: standIn.apiRoot } });
    const running = bot.start();
    await standIn.waitFor((s) => s.calls({ method: "getUpdates" }).length >= 1);
    await bot.stop();
    await running;
    const methods = standIn.calls().map((c) => c.method);
    expect(methods).toContain("deleteWebhook");
    expect(methods.filter((m) => m === "getUpdates").length).toBeGreaterThanOrEqual(2);
  });

  it("answers sendMessage with a Message and records it", async () => {
    const first = await api().sendMessage(42, "hello");
    const second = await api().sendMessage(42, "again");
    const otherChat = await api().sendMessage(43, "elsewhere");

    expect(first).toMatchObject({ message_id: 1, chat: { id: 42, type: "private" }, text: "hello" });
    expect(first.from?.id).toBe(111111);
    expect(first.date).toBeGreaterThan(1_600_000_000);
    expect(second.message_id).toBe(2);
    expect(otherChat.message_id).toBe(1);

    const sent = standIn.sentMessages();
    expect(sent.map((m) => [m.chatId, m.text])).toEqual([
      [42, "hello"],
      [42, "again"],
      [43, "elsewhere"],
    ]);
    expect(standIn.sentMessages({ chatId: 43 }).map((m) => m.text)).toEqual(["elsewhere"]);
    expect(standIn.sentMessages({ chatId: "42" })).toHaveLength(2);

    const calls = standIn.calls({ method: "sendMessage" });
    expect(calls[0]).toMatchObject({ token: TOKEN_A, method: "sendMessage", payload: { chat_id: 42, text: "hello" }, status: 200 });
    const seqs = calls.map((c) => c.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(3);
    expect(calls[0]?.receivedAt).toBeLessThanOrEqual(calls[1]?.receivedAt ?? -1);
  });

  it("answers Telegram's 400 for a sendMessage without text, and does not count it as sent", async () => {
    const error = await grammyError(api().sendMessage(42, ""));
    expect(error.error_code).toBe(400);
    expect(standIn.sentMessages()).toHaveLength(0);
    expect(standIn.calls()).toHaveLength(1);
  });

  it("answers `true` for other methods", async () => {
    await expect(api().sendChatAction(42, "typing")).resolves.toBe(true);
    await expect(api().deleteMessage(42, 1)).resolves.toBe(true);
    await expect(api().setMyCommands([{ command: "start", description: "go" }])).resolves.toBe(true);
  });

  it("answers an unknown path with a Telegram-style 404", async () => {
    for (const path of ["/", "/bot", `/bot${TOKEN_A}`, "/something/else"]) {
      const res = await fetch(`${standIn.apiRoot}${path}`, { method: "POST" });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ ok: false, error_code: 404, description: "Not Found" });
    }
    expect(standIn.calls()).toHaveLength(0);
  });
});

describe("payload parsing", () => {
  it("reads urlencoded bodies (as strings) and still normalises the chat id for sentMessages", async () => {
    const res = await fetch(`${standIn.apiRoot}/bot${TOKEN_A}/sendMessage`, {
      method: "POST",
      body: new URLSearchParams({ chat_id: "7", text: "form" }),
    });
    const body = (await res.json()) as { ok: boolean; result: { chat: { id: unknown } } };
    expect(body.ok).toBe(true);
    expect(body.result.chat.id).toBe(7);
    expect(standIn.calls()[0]?.payload).toEqual({ chat_id: "7", text: "form" });
    expect(standIn.sentMessages({ chatId: 7 }).map((m) => m.text)).toEqual(["form"]);
  });

  it("reads the query string and empty bodies", async () => {
    const get = await fetch(`${standIn.apiRoot}/bot${TOKEN_A}/sendMessage?chat_id=9&text=query`);
    expect(get.status).toBe(200);
    const empty = await fetch(`${standIn.apiRoot}/bot${TOKEN_A}/getMe`, { method: "POST" });
    expect(empty.status).toBe(200);
    const calls = standIn.calls();
    expect(calls[0]?.payload).toEqual({ chat_id: "9", text: "query" });
    expect(calls[1]?.payload).toEqual({});
    expect(standIn.sentMessages()[0]).toMatchObject({ chatId: 9, text: "query" });
  });

  it("records the text fields and files of grammY's multipart uploads", async () => {
    const message = await api().sendPhoto(42, new InputFile(Buffer.from("not-really-a-jpeg"), "p.jpg"), {
      caption: "a caption",
      reply_markup: { inline_keyboard: [[{ text: "ok", callback_data: "ok" }]] },
    });
    expect(message).toMatchObject({ message_id: 1, chat: { id: 42 }, caption: "a caption" });
    expect("text" in message).toBe(false);

    const call = standIn.calls({ method: "sendPhoto" })[0];
    expect(call?.payload).toMatchObject({ chat_id: "42", caption: "a caption" });
    expect(JSON.parse(String(call?.payload["reply_markup"]))).toEqual({
      inline_keyboard: [[{ text: "ok", callback_data: "ok" }]],
    });
    const photo = String(call?.payload["photo"]);
    expect(photo).toMatch(/^attach:\/\//);
    expect(call?.files).toEqual([{ field: photo.slice("attach://".length), filename: "p.jpg", size: 17 }]);
    expect(standIn.sentMessages()).toHaveLength(0);
  });

  it("survives malformed multipart and JSON bodies", async () => {
    const garbage = await fetch(`${standIn.apiRoot}/bot${TOKEN_A}/getMe`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=xyz" },
      body: "junk --xyz\r\nno-headers-here --xyz\r\ncontent-disposition: form-data\r\n\r\nunnamed",
    });
    expect(garbage.status).toBe(200);

    const noBoundary = await fetch(`${standIn.apiRoot}/bot${TOKEN_A}/getMe`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data" },
      body: "whatever",
    });
    expect(noBoundary.status).toBe(400);

    const badJson = await fetch(`${standIn.apiRoot}/bot${TOKEN_A}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ ok: false, error_code: 400 });

    await expect(api().getMe()).resolves.toMatchObject({ id: 111111 });
    expect(standIn.calls()).toHaveLength(4);
  });
});

describe("faults as grammY sees them", () => {
  it("too-many-requests: GrammyError 429 with parameters.retry_after", async () => {
    standIn.injectFault({ fault: { kind: "too-many-requests", retryAfterSeconds: 7 } });
    const error = await grammyError(api().sendMessage(1, "x"));
    expect(error.error_code).toBe(429);
    expect(error.parameters.retry_after).toBe(7);
    expect(error.description).toContain("retry after 7");

    const calls = standIn.calls();
    expect(calls[0]).toMatchObject({ fault: "too-many-requests", status: 429 });
    expect(standIn.sentMessages()).toHaveLength(0);
  });

  it("server-error: GrammyError with the 5xx code, 500 by default", async () => {
    standIn.injectFault({ fault: { kind: "server-error" } });
    standIn.injectFault({ fault: { kind: "server-error", status: 503 } });
    expect((await grammyError(api().getMe())).error_code).toBe(500);
    expect((await grammyError(api().getMe())).error_code).toBe(503);
    expect(standIn.calls().map((c) => c.status)).toEqual([500, 503]);
  });

  it("non-json: HttpError, because the body is an HTML page", async () => {
    standIn.injectFault({ fault: { kind: "non-json" } });
    const error = await rejection(api().getMe());
    expect(error).toBeInstanceOf(HttpError);

    standIn.injectFault({ fault: { kind: "non-json", status: 504 } });
    const res = await fetch(`${standIn.apiRoot}/bot${TOKEN_A}/getMe`, { method: "POST" });
    expect(res.status).toBe(504);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("<html>");
    expect(standIn.calls().map((c) => c.fault)).toEqual(["non-json", "non-json"]);
  });

  it("delay: answers normally, roughly that much later", async () => {
    standIn.injectFault({ method: "sendMessage", fault: { kind: "delay", ms: 300 } });
    let message: Awaited<ReturnType<Api["sendMessage"]>> | undefined;
    const slow = await elapsedMs(
      api()
        .sendMessage(5, "slow")
        .then((m) => (message = m)),
    );
    const fast = await elapsedMs(api().sendMessage(5, "fast"));
    expect(slow).toBeGreaterThanOrEqual(280);
    expect(slow).toBeLessThan(3000);
    expect(fast).toBeLessThan(slow);
    expect(message?.text).toBe("slow");
    expect(standIn.sentMessages().map((m) => m.text)).toEqual(["slow", "fast"]);
    expect(standIn.calls()[0]?.fault).toBe("delay");
  });

  it("drop-connection: HttpError, no status recorded, and the next call works", async () => {
    const client = api();
    await client.getMe(); // so a keep-alive socket exists and the drop has to break it
    standIn.reset();
    standIn.injectFault({ fault: { kind: "drop-connection" } });
    const error = await rejection(client.sendMessage(1, "lost"));
    expect(error).toBeInstanceOf(HttpError);
    await expect(client.sendMessage(1, "after")).resolves.toMatchObject({ text: "after" });

    const calls = standIn.calls();
    expect(calls[0]).toMatchObject({ method: "sendMessage", fault: "drop-connection" });
    expect(calls[0]?.status).toBeUndefined();
    expect(standIn.sentMessages().map((m) => m.text)).toEqual(["after"]);
  });

  it("telegram-error: GrammyError with the given code, description and parameters", async () => {
    standIn.injectFault({
      fault: {
        kind: "telegram-error",
        errorCode: 400,
        description: "Bad Request: group chat was upgraded to a supergroup chat",
        parameters: { migrate_to_chat_id: -1001234 },
      },
    });
    standIn.injectFault({
      fault: { kind: "telegram-error", errorCode: 403, description: "Forbidden: bot was blocked by the user" },
    });
    const first = await grammyError(api().sendMessage(-5, "x"));
    expect(first.error_code).toBe(400);
    expect(first.description).toBe("Bad Request: group chat was upgraded to a supergroup chat");
    expect(first.parameters.migrate_to_chat_id).toBe(-1001234);
    const second = await grammyError(api().sendMessage(5, "x"));
    expect(second.error_code).toBe(403);
    expect(standIn.calls().map((c) => c.status)).toEqual([400, 403]);
  });

  it("rejectToken: GrammyError 401 Unauthorized for every method of that token only", async () => {
    standIn.rejectToken(TOKEN_A);
    const getMe = await grammyError(api(TOKEN_A).getMe());
    expect(getMe.error_code).toBe(401);
    expect(getMe.description).toBe("Unauthorized");
    expect((await grammyError(api(TOKEN_A).sendMessage(1, "x"))).error_code).toBe(401);
    await expect(api(TOKEN_B).sendMessage(1, "y")).resolves.toMatchObject({ text: "y" });
    expect(standIn.sentMessages().map((m) => m.token)).toEqual([TOKEN_B]);

    standIn.clearFaults();
    await expect(api(TOKEN_A).getMe()).resolves.toMatchObject({ id: 111111 });
  });

  it("latencyMs is added to every answer", async () => {
    const slow = await startBotApiStandIn({ latencyMs: 150 });
    try {
      const client = new Api(TOKEN_A, { apiRoot: slow.apiRoot });
      expect(await elapsedMs(client.getMe())).toBeGreaterThanOrEqual(140);
      slow.injectFault({ fault: { kind: "server-error" } });
      expect(await elapsedMs(rejection(client.getMe()))).toBeGreaterThanOrEqual(140);
    } finally {
      await slow.close();
    }
  });
});

describe("fault rules", () => {
  it("are consumed `times` times (default once)", async () => {
    standIn.injectFault({ fault: { kind: "server-error" } });
    await grammyError(api().getMe());
    await expect(api().getMe()).resolves.toBeDefined();

    standIn.injectFault({ times: 2, fault: { kind: "server-error" } });
    await grammyError(api().getMe());
    await grammyError(api().getMe());
    await expect(api().getMe()).resolves.toBeDefined();
    expect(standIn.calls().map((c) => c.status)).toEqual([500, 200, 500, 500, 200]);
  });

  it("with times: Infinity keep failing until clearFaults", async () => {
    standIn.injectFault({ times: Infinity, fault: { kind: "server-error" } });
    for (let i = 0; i < 5; i++) await grammyError(api().getMe());
    standIn.clearFaults();
    await expect(api().getMe()).resolves.toBeDefined();
    expect(standIn.calls().filter((c) => c.fault === "server-error")).toHaveLength(5);
  });

  it("refuse a nonsensical times", () => {
    expect(() => standIn.injectFault({ times: 0, fault: { kind: "drop-connection" } })).toThrow(RangeError);
    expect(() => standIn.injectFault({ times: 1.5, fault: { kind: "drop-connection" } })).toThrow(RangeError);
  });

  it("can be scoped to a token", async () => {
    standIn.injectFault({ token: TOKEN_B, fault: { kind: "server-error" } });
    await expect(api(TOKEN_A).getMe()).resolves.toBeDefined();
    expect((await grammyError(api(TOKEN_B).getMe())).error_code).toBe(500);
    await expect(api(TOKEN_B).getMe()).resolves.toBeDefined();
  });

  it("can be scoped to a method", async () => {
    standIn.injectFault({ method: "sendMessage", fault: { kind: "server-error" } });
    await expect(api().getMe()).resolves.toBeDefined();
    await grammyError(api().sendMessage(1, "x"));
    await expect(api().sendMessage(1, "y")).resolves.toBeDefined();
    expect(standIn.calls().map((c) => [c.method, c.status])).toEqual([
      ["getMe", 200],
      ["sendMessage", 500],
      ["sendMessage", 200],
    ]);
  });

  it("can be scoped to a chat, whether the id is given as number or string", async () => {
    standIn.injectFault({ chatId: 2, fault: { kind: "server-error" } });
    standIn.injectFault({ chatId: "3", fault: { kind: "server-error" } });
    await expect(api().getMe()).resolves.toBeDefined(); // no chat_id: a chat-scoped rule never matches
    await expect(api().sendMessage(1, "one")).resolves.toBeDefined();
    await grammyError(api().sendMessage(2, "two"));
    await grammyError(api().sendMessage(3, "three"));
    await expect(api().sendMessage(2, "two again")).resolves.toBeDefined();
    expect(standIn.sentMessages().map((m) => m.text)).toEqual(["one", "two again"]);
  });

  it("are matched in the order they were injected", async () => {
    standIn.injectFault({ method: "getMe", fault: { kind: "server-error", status: 502 } });
    standIn.injectFault({ fault: { kind: "server-error", status: 503 } });
    expect((await grammyError(api().getMe())).error_code).toBe(502);
    expect((await grammyError(api().getMe())).error_code).toBe(503);
  });
});

describe("isolation, reset and waitFor", () => {
  it("keeps tokens apart: message ids, calls and sent messages", async () => {
    await api(TOKEN_A).sendMessage(10, "a1");
    await api(TOKEN_A).sendMessage(10, "a2");
    const b1 = await api(TOKEN_B).sendMessage(10, "b1");
    expect(b1.message_id).toBe(1);
    expect(b1.from?.id).toBe(222222);
    expect(standIn.calls({ token: TOKEN_A })).toHaveLength(2);
    expect(standIn.calls({ token: TOKEN_B, method: "sendMessage" }).map((c) => c.payload["text"])).toEqual(["b1"]);
    expect(standIn.sentMessages({ token: TOKEN_A }).map((m) => m.text)).toEqual(["a1", "a2"]);
  });

  it("reset forgets calls, faults and message ids", async () => {
    await api().sendMessage(10, "before");
    standIn.injectFault({ fault: { kind: "server-error" } });
    standIn.reset();
    expect(standIn.calls()).toEqual([]);
    expect(standIn.sentMessages()).toEqual([]);
    const message = await api().sendMessage(10, "after");
    expect(message.message_id).toBe(1);
  });

  it("waitFor resolves once the predicate holds", async () => {
    setTimeout(() => void api().sendMessage(1, "later").catch(() => undefined), 50);
    await standIn.waitFor((s) => s.sentMessages().length === 1, { timeoutMs: 2000 });
    expect(standIn.sentMessages()[0]?.text).toBe("later");
  });

  it("waitFor rejects with a clear error on timeout, without naming tokens", async () => {
    await api().getMe();
    const started = performance.now();
    const error = await rejection(standIn.waitFor(() => false, { timeoutMs: 100 }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain("100 ms");
    expect(message).toContain("getMe");
    expect(message).not.toContain(TOKEN_A);
  });
});

describe("control API", () => {
  it("lists calls, injects faults, rejects tokens and resets", async () => {
    await api().sendMessage(1, "x");

    const calls = (await (await fetch(`${standIn.apiRoot}/__stand-in/calls`)).json()) as Array<{ method: string; token: string }>;
    expect(calls.map((c) => [c.method, c.token])).toEqual([["sendMessage", TOKEN_A]]);
    const filtered = (await (await fetch(`${standIn.apiRoot}/__stand-in/calls?method=getMe`)).json()) as unknown[];
    expect(filtered).toEqual([]);

    const fault = await postJson("/__stand-in/faults", {
      method: "getMe",
      times: "Infinity",
      fault: { kind: "too-many-requests", retryAfterSeconds: 3 },
    });
    expect(fault.status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await grammyError(api().getMe())).parameters.retry_after).toBe(3);

    expect((await postJson("/__stand-in/reject-token", { token: TOKEN_B })).status).toBe(200);
    expect((await grammyError(api(TOKEN_B).sendMessage(1, "x"))).error_code).toBe(401);

    expect((await fetch(`${standIn.apiRoot}/__stand-in/reset`, { method: "POST" })).status).toBe(200);
    expect(standIn.calls()).toEqual([]);
    await expect(api().getMe()).resolves.toBeDefined();
    await expect(api(TOKEN_B).getMe()).resolves.toBeDefined();
  });

  it("answers 400 for an invalid fault rule and 404 for an unknown route", async () => {
    const bad = await postJson("/__stand-in/faults", { fault: { kind: "meteor-strike" } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error_code: 400 });
    const notJson = await fetch(`${standIn.apiRoot}/__stand-in/faults`, { method: "POST", body: "nope" });
    expect(notJson.status).toBe(400);
    const badToken = await postJson("/__stand-in/reject-token", { token: 5 });
    expect(badToken.status).toBe(400);
    expect((await fetch(`${standIn.apiRoot}/__stand-in/nothing`)).status).toBe(404);

    await expect(api().getMe()).resolves.toBeDefined(); // no rule slipped in
  });
});

describe("close", () => {
  it("returns promptly with an idle keep-alive connection open", async () => {
    const agent = new Agent({ keepAlive: true });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${standIn.apiRoot}/bot${TOKEN_A}/getMe`, { method: "POST", agent }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", reject);
        req.end();
      });
      expect(status).toBe(200);
      await api().getMe(); // grammY's own keep-alive agent, too
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);

      expect(await elapsedMs(standIn.close())).toBeLessThan(1000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(Object.values(agent.freeSockets).flat()).toHaveLength(0);
    } finally {
      agent.destroy();
    }
  });

  it("returns promptly with a request held by a long delay, which fails for the client", async () => {
    standIn.injectFault({ fault: { kind: "delay", ms: 20_000 } });
    const pending = rejection(api().getMe());
    await standIn.waitFor((s) => s.calls().length === 1);
    expect(await elapsedMs(standIn.close())).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(HttpError);
  });

  it("can be called twice", async () => {
    await standIn.close();
    await expect(standIn.close()).resolves.toBeUndefined();
  });
});

describe("main.ts as its own process", () => {
  it("prints its apiRoot, serves the Bot API and control API, and exits 0 on SIGTERM", async () => {
    const mainPath = fileURLToPath(new URL("./main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", mainPath, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const deadline = performance.now() + 20_000;
      while (!stdout.includes("\n")) {
        if (performance.now() > deadline || child.exitCode !== null) throw new Error(`stand-in did not start: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const { apiRoot } = JSON.parse(stdout.split("\n")[0] ?? "") as { apiRoot: string };
      expect(apiRoot).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const remote = new Api(TOKEN_A, { apiRoot });
      await expect(remote.sendMessage(3, "from afar")).resolves.toMatchObject({ text: "from afar" });
      const injected = await fetch(`${apiRoot}/__stand-in/faults`, {
        method: "POST",
        body: JSON.stringify({ fault: { kind: "server-error" } }),
      });
      expect(injected.status).toBe(200);
      expect((await grammyError(remote.getMe())).error_code).toBe(500);
      const calls = (await (await fetch(`${apiRoot}/__stand-in/calls`)).json()) as Array<{ method: string }>;
      expect(calls.map((c) => c.method)).toEqual(["sendMessage", "getMe"]);

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stdout.trim().split("\n")).toHaveLength(1);
      expect(stdout + stderr).not.toContain(TOKEN_A);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});

describe("updates for bots: getUpdates and webhooks", () => {
  it("getUpdates returns queued updates from the offset, drops confirmed ones, and honours limit", async () => {
    for (let i = 0; i < 3; i++) standIn.pushUpdate(TOKEN_A, { message: { message_id: i, date: 0, chat: { id: 1, type: "private" }, text: `t${i}` } });
    standIn.pushUpdate(TOKEN_B, { update_id: 900, message: { message_id: 1, date: 0, chat: { id: 1, type: "private" }, text: "b" } });
    const first = await api().getUpdates({ limit: 2 });
    expect(first.map((u) => u.update_id)).toEqual([1, 2]);
    const next = await api().getUpdates({ offset: 3 });
    expect(next.map((u) => u.update_id)).toEqual([3]);
    expect(standIn.pendingUpdates(TOKEN_A).map((u) => u.update_id)).toEqual([3]);
    expect((await api(TOKEN_B).getUpdates()).map((u) => u.update_id)).toEqual([900]);
  });

  it("holds a long poll until an update arrives, or until the timeout with an empty batch", async () => {
    const started = performance.now();
    const empty = await api().getUpdates({ timeout: 1 });
    expect(empty).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    const waiting = api().getUpdates({ timeout: 10 });
    await standIn.waitFor((s) => s.calls({ method: "getUpdates" }).length === 2);
    standIn.pushUpdate(TOKEN_A, { callback_query: { id: "1" } });
    const t0 = performance.now();
    expect((await waiting).map((u) => u.update_id)).toEqual([1]);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it("answers 409 to the older poll when a second poller calls, and to getUpdates while a webhook is set", async () => {
    const older = rejection(api().getUpdates({ timeout: 10 }));
    await standIn.waitFor((s) => s.calls({ method: "getUpdates" }).length === 1);
    const newer = api().getUpdates({ timeout: 1 });
    const error = (await older) as GrammyError;
    expect(error).toBeInstanceOf(GrammyError);
    expect(error.error_code).toBe(409);
    expect(error.description).toContain("terminated by other getUpdates request");
    expect(await newer).toEqual([]);
    await api().setWebhook("http://127.0.0.1:1/hook");
    const conflict = (await rejection(api().getUpdates())) as GrammyError;
    expect(conflict.error_code).toBe(409);
    expect(conflict.description).toContain("webhook is active");
  });

  it("keeps webhook settings per token, reports them, and delivers with the secret header", async () => {
    const received: Array<{ secret: string | undefined; body: string }> = [];
    const { createServer } = await import("node:http");
    let status = 200;
    const hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push({ secret: req.headers["x-telegram-bot-api-secret-token"] as string | undefined, body });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/telegram/A`;
    try {
      expect((await rejection(api().setWebhook(url, { secret_token: "bad secret!" })) as GrammyError).error_code).toBe(400);
      await api().setWebhook(url, { secret_token: "s3cret", max_connections: 5, allowed_updates: ["message"] });
      standIn.pushUpdate(TOKEN_A, { message: { message_id: 1, date: 0, chat: { id: 1, type: "private" }, text: "hi" } });
      standIn.pushUpdate(TOKEN_A, { edited_message: { message_id: 1, date: 0, chat: { id: 1, type: "private" }, text: "filtered" } });
      standIn.pushUpdate(TOKEN_A, { message: { message_id: 2, date: 0, chat: { id: 1, type: "private" }, text: "second" } });
      expect((await api().getWebhookInfo())).toMatchObject({ url, pending_update_count: 3, max_connections: 5, allowed_updates: ["message"] });
      status = 500;
      expect((await standIn.deliverWebhook(TOKEN_A)).map((d) => [d.updateId, d.status])).toEqual([[1, 500]]);
      expect((await api().getWebhookInfo())).toMatchObject({ pending_update_count: 3, last_error_message: "Wrong response from the webhook: 500 Internal Server Error" });
      status = 200;
      expect((await standIn.deliverWebhook(TOKEN_A)).map((d) => [d.updateId, d.status])).toEqual([[1, 200], [3, 200]]);
      expect(received.map((r) => r.secret)).toEqual(["s3cret", "s3cret", "s3cret"]);
      expect(JSON.parse(received[2]?.body ?? "{}")).toMatchObject({ update_id: 3, message: { text: "second" } });
      expect((await api().getWebhookInfo()).pending_update_count).toBe(0);
      expect((await api(TOKEN_B).getWebhookInfo()).url).toBe("");
      await api().deleteWebhook();
      expect(standIn.webhook(TOKEN_A)).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => hook.close(() => resolve()));
    }
  });

  it("leaves chat_member and reaction updates out unless asked for", async () => {
    standIn.pushUpdate(TOKEN_A, { chat_member: {} });
    standIn.pushUpdate(TOKEN_A, { message_reaction: {} });
    standIn.pushUpdate(TOKEN_A, { poll: {} });
    expect((await api().getUpdates()).map((u) => u.update_id)).toEqual([3]);
    standIn.pushUpdate(TOKEN_A, { chat_member: {} });
    expect((await api().getUpdates({ allowed_updates: ["chat_member"] })).map((u) => u.update_id)).toEqual([4]);
  });

  it("control API: push-update and deliver-webhook", async () => {
    const pushed = await fetch(`${standIn.apiRoot}/__stand-in/push-update`, { method: "POST", body: JSON.stringify({ token: TOKEN_A, update: { message: { text: "x" } } }) });
    expect(((await pushed.json()) as { result: { update_id: number } }).result.update_id).toBe(1);
    const refused = await fetch(`${standIn.apiRoot}/__stand-in/deliver-webhook`, { method: "POST", body: JSON.stringify({ token: TOKEN_A }) });
    expect(refused.status).toBe(400);
  });
});
