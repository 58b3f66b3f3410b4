/**
 * A Bot API that cannot be reached is logged with what lies under grammY's HttpError: the system
 * error code and the host, from a real refused connection, both where the cause is read and in
 * the service's own log line.
 */
import { Api } from "grammy";
import { describe, expect, it } from "vitest";
import { freePort } from "../testing/free-port.ts";
import { simpleBot } from "../testing/bot-fixtures.ts";
import { startTestService } from "../testing/service-harness.ts";
import { until } from "../testing/until.ts";
import { grammyClientFetch } from "./bot-api-fetch.ts";
import { networkCause } from "./network-cause.ts";

describe("networkCause", () => {
  it("finds ECONNREFUSED and the address under grammY's HttpError", async () => {
    const port = await freePort();
    const api = new Api("123456:TEST-token-xxxxxxxxxxxxxxxxxxxxxxxxxxxx", { apiRoot: `http://127.0.0.1:${port}`, fetch: grammyClientFetch });
    const error = await api.getMe().catch((e: unknown) => e);
    expect((error as Error).name).toBe("HttpError");
    expect(networkCause(error)).toEqual({ code: "ECONNREFUSED", host: `127.0.0.1:${port}` });
  });

  it("is logged with getMe's retries while Telegram cannot be reached", async () => {
    const port = await freePort();
    const t = await startTestService({ bots: { a: simpleBot("Cut") }, env: { TELEGRAM_API_ROOT: `http://127.0.0.1:${port}` }, waitReady: false });
    try {
      const line = await until(() => t.logs.find("getMe failed, retrying", { bot: "Cut" })[0]);
      expect(line).toMatchObject({ cause: "ECONNREFUSED", host: `127.0.0.1:${port}` });
    } finally {
      await t.close();
    }
  });
});
