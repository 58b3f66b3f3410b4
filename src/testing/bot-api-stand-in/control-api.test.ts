/**
 * The control API under `/__stand-in/`, driven over HTTP as a test in another process would.
 */
import { describe, expect, it } from "vitest";
import { grammyError, standInPerTest, TOKEN_A, TOKEN_B } from "./stand-in-test-helpers.ts";

const each = standInPerTest();
const api = each.api;

async function postJson(path: string, body: unknown): Promise<Response> {
  return fetch(`${each.standIn.apiRoot}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("control API", () => {
  it("lists calls, injects faults, rejects tokens and resets", async () => {
    await api().sendMessage(1, "x");

    const calls = (await (await fetch(`${each.standIn.apiRoot}/__stand-in/calls`)).json()) as Array<{ method: string; token: string }>;
    expect(calls.map((c) => [c.method, c.token])).toEqual([["sendMessage", TOKEN_A]]);
    const filtered = (await (await fetch(`${each.standIn.apiRoot}/__stand-in/calls?method=getMe`)).json()) as unknown[];
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

    expect((await fetch(`${each.standIn.apiRoot}/__stand-in/reset`, { method: "POST" })).status).toBe(200);
    expect(each.standIn.calls()).toEqual([]);
    await expect(api().getMe()).resolves.toBeDefined();
    await expect(api(TOKEN_B).getMe()).resolves.toBeDefined();
  });

  it("answers 400 for an invalid fault rule and 404 for an unknown route", async () => {
    const bad = await postJson("/__stand-in/faults", { fault: { kind: "meteor-strike" } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error_code: 400 });
    const notJson = await fetch(`${each.standIn.apiRoot}/__stand-in/faults`, { method: "POST", body: "nope" });
    expect(notJson.status).toBe(400);
    const badToken = await postJson("/__stand-in/reject-token", { token: 5 });
    expect(badToken.status).toBe(400);
    expect((await fetch(`${each.standIn.apiRoot}/__stand-in/nothing`)).status).toBe(404);

    await expect(api().getMe()).resolves.toBeDefined(); // no rule slipped in
  });
});

describe("updates for bots: getUpdates and webhooks", () => {
  it("control API: push-update and deliver-webhook", async () => {
    const pushed = await fetch(`${each.standIn.apiRoot}/__stand-in/push-update`, { method: "POST", body: JSON.stringify({ token: TOKEN_A, update: { message: { text: "x" } } }) });
    expect(((await pushed.json()) as { result: { update_id: number } }).result.update_id).toBe(1);
    const refused = await fetch(`${each.standIn.apiRoot}/__stand-in/deliver-webhook`, { method: "POST", body: JSON.stringify({ token: TOKEN_A }) });
    expect(refused.status).toBe(400);
  });
});
