/**
 * Each kind of injected fault, rejected tokens and the added latency, as grammY sees them:
 * the GrammyError or HttpError it raises in production for the same misbehaviour.
 */
import { describe, expect, it } from "vitest";
import { startBotApiStandIn } from "./bot-api-stand-in.ts";
import { Api, HttpError } from "grammy";
import { elapsedMs, grammyError, rejection, standInPerTest, TOKEN_A, TOKEN_B } from "./stand-in-test-helpers.ts";

const each = standInPerTest();
const api = each.api;

describe("faults as grammY sees them", () => {
  it("too-many-requests: GrammyError 429 with parameters.retry_after", async () => {
    each.standIn.injectFault({ fault: { kind: "too-many-requests", retryAfterSeconds: 7 } });
    const error = await grammyError(api().sendMessage(1, "x"));
    expect(error.error_code).toBe(429);
    expect(error.parameters.retry_after).toBe(7);
    expect(error.description).toContain("retry after 7");

    const calls = each.standIn.calls();
    expect(calls[0]).toMatchObject({ fault: "too-many-requests", status: 429 });
    expect(each.standIn.sentMessages()).toHaveLength(0);
  });

  it("server-error: GrammyError with the 5xx code, 500 by default", async () => {
    each.standIn.injectFault({ fault: { kind: "server-error" } });
    each.standIn.injectFault({ fault: { kind: "server-error", status: 503 } });
    expect((await grammyError(api().getMe())).error_code).toBe(500);
    expect((await grammyError(api().getMe())).error_code).toBe(503);
    expect(each.standIn.calls().map((c) => c.status)).toEqual([500, 503]);
  });

  it("non-json: HttpError, because the body is an HTML page", async () => {
    each.standIn.injectFault({ fault: { kind: "non-json" } });
    const error = await rejection(api().getMe());
    expect(error).toBeInstanceOf(HttpError);

    each.standIn.injectFault({ fault: { kind: "non-json", status: 504 } });
    const res = await fetch(`${each.standIn.apiRoot}/bot${TOKEN_A}/getMe`, { method: "POST" });
    expect(res.status).toBe(504);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("<html>");
    expect(each.standIn.calls().map((c) => c.fault)).toEqual(["non-json", "non-json"]);
  });

  it("delay: answers normally, roughly that much later", async () => {
    each.standIn.injectFault({ method: "sendMessage", fault: { kind: "delay", ms: 300 } });
    // "Roughly": measured against a far longer delay that must still be running, not against the clock.
    each.standIn.injectFault({ method: "getMe", fault: { kind: "delay", ms: 20_000 } });
    let longerDelayOver = false;
    void rejection(api().getMe()).finally(() => (longerDelayOver = true)); // ends when afterEach closes
    let message: Awaited<ReturnType<Api["sendMessage"]>> | undefined;
    const slow = await elapsedMs(
      api()
        .sendMessage(5, "slow")
        .then((m) => (message = m)),
    );
    const fast = await elapsedMs(api().sendMessage(5, "fast"));
    expect(slow).toBeGreaterThanOrEqual(280);
    expect(longerDelayOver).toBe(false);
    expect(fast).toBeLessThan(slow);
    expect(message?.text).toBe("slow");
    expect(each.standIn.sentMessages().map((m) => m.text)).toEqual(["slow", "fast"]);
    expect(each.standIn.calls()[0]?.fault).toBe("delay");
  });

  it("drop-connection: HttpError, no status recorded, and the next call works", async () => {
    const client = api();
    await client.getMe(); // so a keep-alive socket exists and the drop has to break it
    each.standIn.reset();
    each.standIn.injectFault({ fault: { kind: "drop-connection" } });
    const error = await rejection(client.sendMessage(1, "lost"));
    expect(error).toBeInstanceOf(HttpError);
    await expect(client.sendMessage(1, "after")).resolves.toMatchObject({ text: "after" });

    const calls = each.standIn.calls();
    expect(calls[0]).toMatchObject({ method: "sendMessage", fault: "drop-connection" });
    expect(calls[0]?.status).toBeUndefined();
    expect(each.standIn.sentMessages().map((m) => m.text)).toEqual(["after"]);
  });

  it("telegram-error: GrammyError with the given code, description and parameters", async () => {
    each.standIn.injectFault({
      fault: {
        kind: "telegram-error",
        errorCode: 400,
        description: "Bad Request: group chat was upgraded to a supergroup chat",
        parameters: { migrate_to_chat_id: -1001234 },
      },
    });
    each.standIn.injectFault({
      fault: { kind: "telegram-error", errorCode: 403, description: "Forbidden: bot was blocked by the user" },
    });
    const first = await grammyError(api().sendMessage(-5, "x"));
    expect(first.error_code).toBe(400);
    expect(first.description).toBe("Bad Request: group chat was upgraded to a supergroup chat");
    expect(first.parameters.migrate_to_chat_id).toBe(-1001234);
    const second = await grammyError(api().sendMessage(5, "x"));
    expect(second.error_code).toBe(403);
    expect(each.standIn.calls().map((c) => c.status)).toEqual([400, 403]);
  });

  it("rejectToken: GrammyError 401 Unauthorized for every method of that token only", async () => {
    each.standIn.rejectToken(TOKEN_A);
    const getMe = await grammyError(api(TOKEN_A).getMe());
    expect(getMe.error_code).toBe(401);
    expect(getMe.description).toBe("Unauthorized");
    expect((await grammyError(api(TOKEN_A).sendMessage(1, "x"))).error_code).toBe(401);
    await expect(api(TOKEN_B).sendMessage(1, "y")).resolves.toMatchObject({ text: "y" });
    expect(each.standIn.sentMessages().map((m) => m.token)).toEqual([TOKEN_B]);

    each.standIn.clearFaults();
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
