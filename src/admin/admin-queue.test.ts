/**
 * The admin page in queue mode, over real processes (an API and a worker) and a private
 * redis-server: a failed update shows on the page and in the API with its error scrubbed, its
 * retry button's API runs it again (it succeeds the second time), the fleet reports the live
 * workers, and bull-board answers under /admin/queues with the credentials, 401 without.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composerSource, simpleBot, testKey, testToken } from "../testing/bot-fixtures.ts";
import { postUpdate, startQueueDeployment, type QueueDeployment } from "../testing/queue-deployment.ts";
import { startOwnRedis, type OwnRedis } from "../testing/redis.ts";
import type { ServiceProcess } from "../testing/service-process.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { until } from "../testing/until.ts";
import type { AdminFleet } from "./fleet-report.ts";

const haveRedis = spawnSync("redis-server", ["--version"]).status === 0;
if (!haveRedis && process.env.CI === "true") throw new Error("redis-server is required under CI=true");

const ADMIN_TOKEN = "queue-admin-token-0123456789";
const BEARER = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Fails its first run (quoting its token), succeeds once the marker file beside it exists. */
const flaky = (marker: string): string =>
  composerSource(`import { existsSync, writeFileSync } from "node:fs";
c.on("message:text", async (ctx) => {
  if (!existsSync(${JSON.stringify(marker)})) {
    writeFileSync(${JSON.stringify(marker)}, "ran once");
    throw new Error("first run fails with " + ctx.env.BOT_TOKEN);
  }
  await ctx.reply("second run ok");
});`);

describe.skipIf(!haveRedis)(`the admin page in queue mode${haveRedis ? "" : " (skipped: no redis-server to start a private Redis)"}`, () => {
  let redis: OwnRedis;
  let d: QueueDeployment;
  let api: ServiceProcess;
  let marker: string;
  beforeAll(async () => {
    redis = await startOwnRedis();
    marker = path.join(os.tmpdir(), `cb-admin-flaky-${process.pid}-${Date.now()}.marker`);
    d = await startQueueDeployment({ redisUrl: redis.url, bots: { flaky: simpleBot("Flaky", { "a.ts": flaky(marker) }) }, apis: 1, workers: 1, env: { ADMIN_TOKEN, HANDLER_MAX_ATTEMPTS: "1", BOTS_WATCH: "false" } });
    [api] = d.apis as [ServiceProcess];
  });
  afterAll(async () => {
    await d?.close();
    await redis?.stop();
    if (marker !== undefined) rmSync(marker, { force: true });
  });

  it("lists a failed update with its error scrubbed, and its retry runs it again", async () => {
    expect((await postUpdate(api, "Flaky", textUpdate(1, 7, "hello"))).status).toBe(200);
    const failed = await until(async () => {
      const fleet = (await (await fetch(`${api.url}/admin/api/fleet`, { headers: BEARER })).json()) as AdminFleet;
      // Workers are counted by heartbeat: on a busy machine one may be missed for a moment.
      return fleet.failed_updates?.length === 1 && fleet.service.workers === 1 ? fleet : undefined;
    }, 60_000, 100);
    expect(failed.service).toMatchObject({ mode: "queue", workers: 1 });
    const job = failed.failed_updates?.[0];
    expect(job).toMatchObject({ bot: "Flaky", update_id: 1 });
    expect(job?.error).toContain("first run fails with [redacted]");
    expect(failed.bots[0]).toMatchObject({ folder: "flaky", state: "ready", activity: { accepted: 1, handled: null, failed: null } });
    expect(failed.bots[0]?.last_error?.message).toContain("first run fails with [redacted]");

    const page = await fetch(`${api.url}/admin`, { headers: { authorization: `Basic ${Buffer.from(`ops:${ADMIN_TOKEN}`).toString("base64")}` } });
    const html = await page.text();
    expect(html).toContain(`data-url="/admin/api/failed/${encodeURIComponent(job?.id ?? "")}/retry"`);
    expect(html).toContain("first run fails with [redacted]");
    for (const secret of [ADMIN_TOKEN, testToken("Flaky"), testKey("Flaky")]) expect(html).not.toContain(secret);

    const retried = await fetch(`${api.url}/admin/api/failed/${encodeURIComponent(job?.id ?? "")}/retry`, { method: "POST", headers: { ...BEARER, "content-type": "application/json" }, body: "{}" });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ id: job?.id, retried: [job?.id] });
    await until(() => d.standIn.sentMessages().some((m) => m.text === "second run ok"), 60_000, 100);
    const after = (await (await fetch(`${api.url}/admin/api/fleet`, { headers: BEARER })).json()) as AdminFleet;
    expect(after.failed_updates).toEqual([]);
    const again = await fetch(`${api.url}/admin/api/failed/${encodeURIComponent(job?.id ?? "")}/retry`, { method: "POST", headers: { ...BEARER, "content-type": "application/json" }, body: "{}" });
    expect(again.status).toBe(404);
  });

  it("asks every process to reload a bot through the reload channel", async () => {
    const response = await fetch(`${api.url}/admin/api/bots/flaky/reload`, { method: "POST", headers: { ...BEARER, "content-type": "application/json" }, body: "{}" });
    expect(response.status).toBe(200);
    // The API and the worker both listen on the channel.
    expect(await response.json()).toEqual({ folder: "flaky", requested: true, receivers: 2 });
    await until(async () => {
      const fleet = (await (await fetch(`${api.url}/admin/api/fleet`, { headers: BEARER })).json()) as AdminFleet;
      return fleet.bots[0]?.version === 1 && fleet.bots[0].state === "ready";
    }, 60_000, 100);
  });

  it("mounts bull-board under /admin/queues behind the same auth", async () => {
    const without = await fetch(`${api.url}/admin/queues`);
    expect(without.status).toBe(401);
    expect(without.headers.get("www-authenticate")).toBe('Basic realm="clustered-bots admin"');
    const basic = { authorization: `Basic ${Buffer.from(`ops:${ADMIN_TOKEN}`).toString("base64")}` };
    const board = await fetch(`${api.url}/admin/queues`, { headers: basic });
    expect(board.status).toBe(200);
    expect(board.headers.get("content-type")).toContain("text/html");
    // Its assets come through @fastify/static (9.x, pinned by an override: 10.x pulls content-disposition 3, Node >= 22).
    // (Relative to its <base href="/admin/queues/">.)
    const asset = /src="(static\/js\/[^"]+)"/.exec(await board.text())?.[1];
    expect(asset).toBeDefined();
    const assetUrl = `${api.url}/admin/queues/${asset ?? ""}`;
    expect((await fetch(assetUrl, { headers: basic })).status).toBe(200);
    expect((await fetch(assetUrl)).status).toBe(401);
    const queues = await fetch(`${api.url}/admin/queues/api/queues`, { headers: basic });
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
    expect(names).toContain("telegram_updates.0");
    expect(names).toContain("drf_save");
    expect((await fetch(`${api.url}/admin/queues/api/queues`)).status).toBe(401);
    // Its buttons PUT without a body (axios): they pass our JSON-only body parser.
    expect((await fetch(`${api.url}/admin/queues/api/queues/drf_save/retry/failed`, { method: "PUT", headers: basic })).status).toBe(200);
  });
});
