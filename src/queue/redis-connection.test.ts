/**
 * coalesceWrites on the real Redis: commands written in one turn of the event loop reach the
 * socket as one write (one `_writev`, no `_write`), their replies come back right and in order,
 * and a reconnect's new socket coalesces too.
 */
import type { Socket } from "node:net";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { until } from "../testing/until.ts";
import { createWorkerConnection } from "./redis-connection.ts";
import { redisSkipReason, SHARED_REDIS_URL, uniquePrefix } from "../testing/redis.ts";

const skipReason = await redisSkipReason();

/** Counts the socket's low-level writes while `act` runs and its commands are answered. */
async function writesDuring(socket: Socket, act: () => Promise<unknown>): Promise<{ write: number; writev: number }> {
  const counts = { write: 0, writev: 0 };
  const target = socket as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const write = target._write.bind(socket);
  const writev = target._writev.bind(socket);
  target._write = (...a) => {
    counts.write++;
    write(...a);
  };
  target._writev = (...a) => {
    counts.writev++;
    writev(...a);
  };
  try {
    await act();
  } finally {
    target._write = write;
    target._writev = writev;
  }
  return counts;
}

describe.skipIf(skipReason !== undefined)(`coalesced Redis writes${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const redis = createWorkerConnection({ url: SHARED_REDIS_URL, logger: pino({ level: "silent" }), role: "test" });
  const key = `{${uniquePrefix("coalesce")}}:n`;
  afterAll(async () => {
    await redis.del(key);
    redis.disconnect();
  });

  async function burst(): Promise<unknown[]> {
    // Twenty commands in one turn; each answer must be its own command's.
    return Promise.all(Array.from({ length: 20 }, () => redis.incr(key)));
  }

  it("sends the commands of one turn in one write and answers each in order", async () => {
    await redis.ping();
    const socket = (redis as unknown as { stream: Socket }).stream;
    let answers: unknown[] = [];
    const counts = await writesDuring(socket, async () => {
      answers = await burst();
    });
    expect(counts).toEqual({ write: 0, writev: 1 });
    expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("coalesces on the new socket after a reconnect too", async () => {
    const before = (redis as unknown as { stream: Socket }).stream;
    redis.disconnect(true);
    await until(() => (redis.status === "ready" && (redis as unknown as { stream: Socket }).stream !== before) || undefined);
    const socket = (redis as unknown as { stream: Socket }).stream;
    const counts = await writesDuring(socket, burst);
    expect(counts).toEqual({ write: 0, writev: 1 });
    expect(Number(await redis.get(key))).toBe(40);
  });
});
