/**
 * Webhooks: setWebhook's settings per token, getWebhookInfo, and delivery with the secret header.
 */
import { describe, expect, it } from "vitest";
import { type GrammyError } from "grammy";
import { rejection, standInPerTest, TOKEN_A, TOKEN_B } from "./stand-in-test-helpers.ts";

const each = standInPerTest();
const api = each.api;

describe("updates for bots: getUpdates and webhooks", () => {
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
      each.standIn.pushUpdate(TOKEN_A, { message: { message_id: 1, date: 0, chat: { id: 1, type: "private" }, text: "hi" } });
      each.standIn.pushUpdate(TOKEN_A, { edited_message: { message_id: 1, date: 0, chat: { id: 1, type: "private" }, text: "filtered" } });
      each.standIn.pushUpdate(TOKEN_A, { message: { message_id: 2, date: 0, chat: { id: 1, type: "private" }, text: "second" } });
      expect((await api().getWebhookInfo())).toMatchObject({ url, pending_update_count: 3, max_connections: 5, allowed_updates: ["message"] });
      status = 500;
      expect((await each.standIn.deliverWebhook(TOKEN_A)).map((d) => [d.updateId, d.status])).toEqual([[1, 500]]);
      expect((await api().getWebhookInfo())).toMatchObject({ pending_update_count: 3, last_error_message: "Wrong response from the webhook: 500 Internal Server Error" });
      status = 200;
      expect((await each.standIn.deliverWebhook(TOKEN_A)).map((d) => [d.updateId, d.status])).toEqual([[1, 200], [3, 200]]);
      expect(received.map((r) => r.secret)).toEqual(["s3cret", "s3cret", "s3cret"]);
      expect(JSON.parse(received[2]?.body ?? "{}")).toMatchObject({ update_id: 3, message: { text: "second" } });
      expect((await api().getWebhookInfo()).pending_update_count).toBe(0);
      expect((await api(TOKEN_B).getWebhookInfo()).url).toBe("");
      await api().deleteWebhook();
      expect(each.standIn.webhook(TOKEN_A)).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => hook.close(() => resolve()));
    }
  });
});
