/**
 * Reading a call's parameters from the query string and JSON, urlencoded or multipart bodies,
 * and surviving bodies that are none of these.
 */
import { describe, expect, it } from "vitest";
import { InputFile } from "grammy";
import { standInPerTest, TOKEN_A } from "./stand-in-test-helpers.ts";

const each = standInPerTest();
const api = each.api;

describe("payload parsing", () => {
  it("reads urlencoded bodies (as strings) and still normalises the chat id for sentMessages", async () => {
    const res = await fetch(`${each.standIn.apiRoot}/bot${TOKEN_A}/sendMessage`, {
      method: "POST",
      body: new URLSearchParams({ chat_id: "7", text: "form" }),
    });
    const body = (await res.json()) as { ok: boolean; result: { chat: { id: unknown } } };
    expect(body.ok).toBe(true);
    expect(body.result.chat.id).toBe(7);
    expect(each.standIn.calls()[0]?.payload).toEqual({ chat_id: "7", text: "form" });
    expect(each.standIn.sentMessages({ chatId: 7 }).map((m) => m.text)).toEqual(["form"]);
  });

  it("reads the query string and empty bodies", async () => {
    const get = await fetch(`${each.standIn.apiRoot}/bot${TOKEN_A}/sendMessage?chat_id=9&text=query`);
    expect(get.status).toBe(200);
    const empty = await fetch(`${each.standIn.apiRoot}/bot${TOKEN_A}/getMe`, { method: "POST" });
    expect(empty.status).toBe(200);
    const calls = each.standIn.calls();
    expect(calls[0]?.payload).toEqual({ chat_id: "9", text: "query" });
    expect(calls[1]?.payload).toEqual({});
    expect(each.standIn.sentMessages()[0]).toMatchObject({ chatId: 9, text: "query" });
  });

  it("records the text fields and files of grammY's multipart uploads", async () => {
    const message = await api().sendPhoto(42, new InputFile(Buffer.from("not-really-a-jpeg"), "p.jpg"), {
      caption: "a caption",
      reply_markup: { inline_keyboard: [[{ text: "ok", callback_data: "ok" }]] },
    });
    expect(message).toMatchObject({ message_id: 1, chat: { id: 42 }, caption: "a caption" });
    expect("text" in message).toBe(false);

    const call = each.standIn.calls({ method: "sendPhoto" })[0];
    expect(call?.payload).toMatchObject({ chat_id: "42", caption: "a caption" });
    expect(JSON.parse(String(call?.payload["reply_markup"]))).toEqual({
      inline_keyboard: [[{ text: "ok", callback_data: "ok" }]],
    });
    const photo = String(call?.payload["photo"]);
    expect(photo).toMatch(/^attach:\/\//);
    expect(call?.files).toEqual([{ field: photo.slice("attach://".length), filename: "p.jpg", size: 17 }]);
    expect(each.standIn.sentMessages()).toHaveLength(0);
  });

  it("survives malformed multipart and JSON bodies", async () => {
    const garbage = await fetch(`${each.standIn.apiRoot}/bot${TOKEN_A}/getMe`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=xyz" },
      body: "junk --xyz\r\nno-headers-here --xyz\r\ncontent-disposition: form-data\r\n\r\nunnamed",
    });
    expect(garbage.status).toBe(200);

    const noBoundary = await fetch(`${each.standIn.apiRoot}/bot${TOKEN_A}/getMe`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data" },
      body: "whatever",
    });
    expect(noBoundary.status).toBe(400);

    const badJson = await fetch(`${each.standIn.apiRoot}/bot${TOKEN_A}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ ok: false, error_code: 400 });

    await expect(api().getMe()).resolves.toMatchObject({ id: 111111 });
    expect(each.standIn.calls()).toHaveLength(4);
  });
});
