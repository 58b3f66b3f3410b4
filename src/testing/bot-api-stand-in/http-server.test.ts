/**
 * Closing the stand-in: at once, whatever connections and requests are still open.
 */
import { Agent, request, Server } from "node:http";
import { describe, expect, it } from "vitest";
import { HttpError } from "grammy";
import { elapsedMs, rejection, standInPerTest, TOKEN_A } from "./stand-in-test-helpers.ts";

/**
 * How long Node's HTTP server (the stand-in's, with its defaults) keeps an idle keep-alive
 * connection open: what close() must not wait out. Promptness is measured against what close()
 * must not wait for, not against the clock, so a busy machine cannot fail these tests.
 */
const IDLE_KEEP_ALIVE_MS = new Server().keepAliveTimeout;

const each = standInPerTest();
const api = each.api;

describe("close", () => {
  it("returns promptly with an idle keep-alive connection open", async () => {
    const agent = new Agent({ keepAlive: true });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${each.standIn.apiRoot}/bot${TOKEN_A}/getMe`, { method: "POST", agent }, (res) => {
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

      expect(await elapsedMs(each.standIn.close())).toBeLessThan(IDLE_KEEP_ALIVE_MS);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(Object.values(agent.freeSockets).flat()).toHaveLength(0);
    } finally {
      agent.destroy();
    }
  });

  it("returns promptly with a request held by a long delay, which fails for the client", async () => {
    const delayMs = 20_000;
    each.standIn.injectFault({ fault: { kind: "delay", ms: delayMs } });
    const pending = rejection(api().getMe());
    await each.standIn.waitFor((s) => s.calls().length === 1);
    expect(await elapsedMs(each.standIn.close())).toBeLessThan(delayMs);
    expect(await pending).toBeInstanceOf(HttpError);
  });

  it("can be called twice", async () => {
    await each.standIn.close();
    await expect(each.standIn.close()).resolves.toBeUndefined();
  });
});
