/**
 * WorkerMembership on the real Redis: workers see each other, a worker that leaves is gone from
 * the others' list at their next heartbeat, one that dies (stops stamping without leaving) after
 * the timeout, and a worker that comes back is seen again.
 */
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../testing/until.ts";
import { deletePrefix, redisSkipReason, SHARED_REDIS_URL, uniquePrefix } from "../testing/redis.ts";
import { WorkerMembership } from "./worker-membership.ts";

const skipReason = await redisSkipReason();

describe.skipIf(skipReason !== undefined)(`WorkerMembership${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const prefix = uniquePrefix("members");
  const key = `{${prefix}}:telegram_updates:workers`;
  let redis: Redis;
  const started: WorkerMembership[] = [];

  beforeAll(() => {
    redis = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    await Promise.all(started.map((m) => m.leave()));
    redis.disconnect();
    await deletePrefix(SHARED_REDIS_URL, prefix);
  });

  function member(id: string, heard: string[][]): WorkerMembership {
    const m = new WorkerMembership({ redis, key, id, heartbeatMs: 50, timeoutMs: 400, logger: pino({ level: "silent" }), onMembers: (members) => heard.push([...members]) });
    started.push(m);
    return m;
  }

  it("lists the live workers to each of them, and drops one that leaves or dies", async () => {
    const heardA: string[][] = [];
    const heardB: string[][] = [];
    const heardC: string[][] = [];
    const a = member("w-a", heardA);
    await a.join();
    // The first list is heard before join resolves.
    expect(heardA).toEqual([["w-a"]]);
    await member("w-b", heardB).join();
    const c = member("w-c", heardC);
    await c.join();
    // Sorted by id, whatever order the workers came in.
    expect(heardC.at(-1)).toEqual(["w-a", "w-b", "w-c"]);
    await until(() => (heardA.at(-1)?.length === 3 && heardB.at(-1)?.length === 3) || undefined);

    // Leaving takes the id out at once; the others hear it at their next heartbeat.
    await c.leave();
    expect(await redis.zrange(key, 0, -1)).toEqual(["w-a", "w-b"]);
    await until(() => (heardA.at(-1)?.join() === "w-a,w-b" && heardB.at(-1)?.join() === "w-a,w-b") || undefined, 20_000);

    // A dead worker: its stamp stays until the timeout, then the others drop it. Stamped with
    // Redis's clock (the one membership uses), so a late look only makes the wait longer.
    const [seconds, micros] = await redis.time();
    const stampedAt = Number(seconds) * 1000 + Number(micros) / 1000;
    await redis.zadd(key, stampedAt, "w-dead");
    await until(() => heardA.at(-1)?.includes("w-dead") || undefined, 20_000);
    await until(() => (heardA.at(-1)?.join() === "w-a,w-b" && heardB.at(-1)?.join() === "w-a,w-b") || undefined, 20_000);
    expect(Date.now() - stampedAt).toBeGreaterThanOrEqual(400 - 5);
    // Only the lists that changed were heard: no repeats in a row.
    for (const heard of [heardA, heardB]) {
      for (let i = 1; i < heard.length; i++) expect(heard[i]?.join()).not.toBe(heard[i - 1]?.join());
    }
  });

  it("keeps the set only while someone stamps it", async () => {
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(800);
  });
});
