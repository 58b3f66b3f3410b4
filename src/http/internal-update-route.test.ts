import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleBot, testKey, testToken } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate, type TestService } from "../testing/service-harness.ts";

describe("POST /internal/update status codes", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({
      bots: { alpha: simpleBot("Alpha"), beta: simpleBot("Beta") },
      env: { BODY_LIMIT_BYTES: 4096 },
    });
  });
  afterAll(async () => t.close());

  async function raw(body: string, headers: Record<string, string>) {
    const response = await fetch(`${t.url}/internal/update`, { method: "POST", headers, body });
    return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string }; accepted?: boolean }, headers: response.headers };
  }
  const json = { "content-type": "application/json", "x-internal-key": testKey("Alpha") };

  it("answers 200 {accepted: true} for a valid update", async () => {
    const res = await t.postUpdate("Alpha", textUpdate(1, 10, "hi"));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: true });
  });

  it("answers 400 MALFORMED_JSON for a body that is not JSON, and for an empty body", async () => {
    const bad = await raw("{not json", json);
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe("MALFORMED_JSON");
    const empty = await raw("", json);
    expect(empty.status).toBe(400);
    expect(empty.body.error?.code).toBe("MALFORMED_JSON");
  });

  it.each([["[1,2]"], ["42"], ['"text"'], ["null"]])("answers 400 INVALID_BODY for %s", async (body) => {
    const res = await raw(body, json);
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe("INVALID_BODY");
  });

  it.each([[{ update: { update_id: 1 } }], [{ bot_name: 5, update: { update_id: 1 } }], [{ bot_name: "", update: { update_id: 1 } }]])(
    "answers 400 INVALID_BOT_NAME for %j",
    async (body) => {
      const res = await raw(JSON.stringify(body), json);
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe("INVALID_BOT_NAME");
    },
  );

  it.each([[undefined], ["text"], [[1]], [{}], [{ update_id: "1" }], [{ update_id: 1.5 }], [{ update_id: null }]])("answers 400 INVALID_UPDATE for update %j", async (update) => {
    const res = await raw(JSON.stringify({ bot_name: "Alpha", update }), json);
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe("INVALID_UPDATE");
  });

  it("logs a refused key with the bot and the client's address, never the key", async () => {
    const other = await t.postUpdate("Alpha", textUpdate(30, 10, "x"), { key: testKey("Beta") });
    expect(other.status).toBe(403);
    const [line] = t.logs.find("X-Internal-Key does not match this bot");
    expect(line).toMatchObject({ level: 40, code: "WRONG_INTERNAL_KEY", status: 403, bot: "Alpha", client: "127.0.0.1" });
    expect(JSON.stringify(t.logs.raw)).not.toContain(testKey("Beta"));
  });

  it("answers 401 without X-Internal-Key, 403 with another bot's key or a wrong one", async () => {
    const none = await t.postUpdate("Alpha", textUpdate(2, 10, "x"), { key: null });
    expect(none.status).toBe(401);
    expect((none.body as { error: { code: string } }).error.code).toBe("MISSING_INTERNAL_KEY");
    const other = await t.postUpdate("Alpha", textUpdate(3, 10, "x"), { key: testKey("Beta") });
    expect(other.status).toBe(403);
    expect((other.body as { error: { code: string } }).error.code).toBe("WRONG_INTERNAL_KEY");
    const prefix = await t.postUpdate("Alpha", textUpdate(4, 10, "x"), { key: testKey("Alpha").slice(0, -1) });
    expect(prefix.status).toBe(403);
  });

  it("answers 404 UNKNOWN_BOT for a bot that is not loaded", async () => {
    const res = await t.postUpdate("Nobody", textUpdate(5, 10, "x"), { key: testKey("Alpha") });
    expect(res.status).toBe(404);
    expect((res.body as { error: { code: string } }).error.code).toBe("UNKNOWN_BOT");
  });

  it("answers 413 PAYLOAD_TOO_LARGE over BODY_LIMIT_BYTES, saying the limit and the setting, and logs it", async () => {
    const res = await raw(JSON.stringify({ bot_name: "Alpha", update: { update_id: 6, padding: "x".repeat(5000) } }), json);
    expect(res.status).toBe(413);
    expect(res.body.error).toEqual({ code: "PAYLOAD_TOO_LARGE", message: "the request body is larger than the limit of 4096 bytes (BODY_LIMIT_BYTES)" });
    expect(t.logs.find("requests refused", { code: "PAYLOAD_TOO_LARGE" })).toEqual([expect.objectContaining({ status: 413, refused: 1, level: 40 })]);
  });

  it("answers 415 UNSUPPORTED_MEDIA_TYPE for another content type", async () => {
    const res = await raw(JSON.stringify({ bot_name: "Alpha", update: { update_id: 7 } }), { "content-type": "text/plain", "x-internal-key": testKey("Alpha") });
    expect(res.status).toBe(415);
    expect(res.body.error?.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(t.logs.find("requests refused", { code: "UNSUPPORTED_MEDIA_TYPE" })).toEqual([expect.objectContaining({ status: 415, refused: 1, level: 40 })]);
  });

  it("accepts application/json with a charset", async () => {
    const res = await raw(JSON.stringify({ bot_name: "Alpha", update: textUpdate(8, 10, "x") }), { ...json, "content-type": "application/json; charset=utf-8" });
    expect(res.status).toBe(200);
  });

  it("answers unknown routes with a JSON 404", async () => {
    const response = await fetch(`${t.url}/nope`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });

  it("never echoes a key or token in an error body", async () => {
    const res = await t.postUpdate("Alpha", textUpdate(9, 10, "x"), { key: testKey("Beta") });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(testKey("Beta"));
    expect(text).not.toContain(testToken("Alpha"));
  });

  it("reports loaded bots on /readyz and liveness on /healthz", async () => {
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { ready: boolean; bots: { loaded: number; ready: number } };
    expect(body.ready).toBe(true);
    expect(body.bots).toMatchObject({ loaded: 2, ready: 2 });
  });
});

describe("503 answers", () => {
  it("answers 503 BACKLOG_FULL with Retry-After when the bot's backlog is full, and nothing accepted is lost", async () => {
    // The handler waits for the test's gate, not for a time: on a busy machine five POSTs may take
    // longer than any fixed wait, and a finished update would make room in the backlog.
    const gate = Symbol.for("clustered-bots.test.backlog-gate");
    let open: () => void = () => undefined;
    (globalThis as Record<symbol, unknown>)[gate] = new Promise<void>((resolve) => (open = resolve));
    const t = await startTestService({
      bots: {
        slow: simpleBot("Slow", {
          "slow.ts": `import { Composer } from "grammy";\nconst c = new Composer();\nc.on("message:text", async (ctx) => { await globalThis[Symbol.for("clustered-bots.test.backlog-gate")]; await ctx.reply("done " + ctx.message.text); });\nexport default c;\n`,
        }),
      },
      env: { MAX_BOT_BACKLOG: 3, RETRY_AFTER_SECONDS: 7 },
    });
    try {
      const results = [];
      for (let i = 1; i <= 5; i++) results.push(await t.postUpdate("Slow", textUpdate(i, 77, `m${i}`)));
      open();
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 503, 503]);
      expect((results[3]!.body as { error: { code: string } }).error.code).toBe("BACKLOG_FULL");
      expect(results[3]!.headers.get("retry-after")).toBe("7");
      // One warning for the first refusal; the second is counted for the next line, not logged alone.
      expect(t.logs.find("requests refused")).toEqual([expect.objectContaining({ code: "BACKLOG_FULL", status: 503, refused: 1, level: 40 })]);
      await t.idle();
      // The refused update was not claimed: sent again later, it is accepted and handled.
      expect((await t.postUpdate("Slow", textUpdate(4, 77, "m4"))).status).toBe(200);
      await t.idle();
      expect(t.standIn.sentMessages().map((m) => m.text)).toEqual(["done m1", "done m2", "done m3", "done m4"]);
    } finally {
      open();
      await t.close();
      delete (globalThis as Record<symbol, unknown>)[gate];
    }
    // Closing the server writes the count still held back.
    expect(t.logs.find("requests refused").map((l) => l.refused)).toEqual([1, 1]);
  });

  it("answers 503 SHUTTING_DOWN with Retry-After once shutdown began", async () => {
    const t = await startTestService({ bots: { a: simpleBot("A") } });
    try {
      t.service.admission.close();
      const res = await t.postUpdate("A", textUpdate(1, 1, "x"));
      expect(res.status).toBe(503);
      expect((res.body as { error: { code: string } }).error.code).toBe("SHUTTING_DOWN");
      expect(res.headers.get("retry-after")).toBe("1");
      const ready = await fetch(`${t.url}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      await t.close();
    }
  });
});

describe("/readyz", () => {
  it("names each bot that did not load with its reason, with secrets quoted by the reason removed", async () => {
    const t = await startTestService({
      bots: {
        good: simpleBot("Good"),
        leaky: {
          ".env": `BOT_NAME=Leaky\nBOT_TOKEN=${testToken("Leaky")}\nBOT_INTERNAL_KEY=${testKey("Leaky")}\n`,
          "config.ts": `throw new Error("refusing to start with ${testKey("Leaky")}");\n`,
        },
      },
    });
    try {
      const text = await (await fetch(`${t.url}/readyz`)).text();
      const body = JSON.parse(text) as { failed: Array<{ folder: string; code: string; file: string; reason: string }> };
      expect(body.failed).toEqual([expect.objectContaining({ folder: "leaky", code: "CONFIG_IMPORT_FAILED", file: "config.ts" })]);
      expect(body.failed[0]?.reason).toContain("refusing to start with [redacted]");
      expect(text).not.toContain(testKey("Leaky"));
    } finally {
      await t.close();
    }
  });
});

describe("/readyz?brief", () => {
  it("answers the status and the counts without the per-folder lists, and 400 BAD_REQUEST for a value it does not know", async () => {
    const t = await startTestService({ bots: { good: simpleBot("Good"), broken: simpleBot("Broken", { "a.ts": 'throw new Error("boom at import");\n' }) } });
    try {
      const full = (await (await fetch(`${t.url}/readyz`)).json()) as Record<string, unknown>;
      expect(full).toHaveProperty("fleet");
      for (const query of ["brief", "brief=1", "brief=true"]) {
        const response = await fetch(`${t.url}/readyz?${query}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ ready: true, shutting_down: false, bots: full.bots });
      }
      expect(await (await fetch(`${t.url}/readyz?brief=0`)).json()).toHaveProperty("fleet");
      const bad = await fetch(`${t.url}/readyz?brief=yes`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
      t.service.admission.close();
      const closing = await fetch(`${t.url}/readyz?brief`);
      expect(closing.status).toBe(503);
      expect(await closing.json()).toMatchObject({ ready: false, shutting_down: true });
    } finally {
      await t.close();
    }
  });
});

describe("a bot folder that did not load", () => {
  it("answers 503 BOT_UNAVAILABLE with the failure's code (a gateway keeps the update), 403 for a wrong key, and 404 when its name is not known", async () => {
    const t = await startTestService({
      bots: {
        broken: simpleBot("Broken", { "a.ts": 'throw new Error("boom at import");\n' }),
        nameless: { "config.ts": 'throw new Error("no name yet");\n' },
      },
    });
    try {
      const refused = await t.postUpdate("Broken", textUpdate(1, 1, "x"));
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
      expect(refused.body).toEqual({ error: { code: "BOT_UNAVAILABLE", message: 'bot "Broken" is not running: it did not load (HANDLER_IMPORT_FAILED in handlers/a.ts); it takes updates again once its folder is fixed' } });
      expect((await t.postUpdate("Broken", textUpdate(2, 1, "x"), { key: testKey("Other") })).status).toBe(403);
      expect((await t.postUpdate("Nameless", textUpdate(3, 1, "x"))).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
