/**
 * An update whose commit to the local store failed is refused (503) with its duplicate claim
 * already given back, so the sender's retry is taken again instead of being answered 200 as a
 * duplicate of an update that will never run. Over a real LMDB store, closed to make commits fail.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { parseServiceConfig } from "../config/service-config.ts";
import { LocalStore } from "../local-store/local-store.ts";
import type { UpdateRunner } from "../processing/update-runner.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { DurableLedger } from "./durable-ledger.ts";
import { EmbeddedProcessor } from "./embedded-processor.ts";

const logger = pino({ level: "silent" });
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("a commit to the local store that fails", () => {
  it("refuses the update and gives its claim back before answering, so the retry is not called a duplicate", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "commit-failure-"));
    dirs.push(dir);
    const store = LocalStore.open({ DATA_DIR: dir, DURABILITY: "fsync" });
    if (store === undefined) throw new Error("no store");
    const ledger = new DurableLedger({ store, logger, windowMs: 60_000, hotEntries: 1000 });
    const ran: number[] = [];
    // Only what was committed may run; nothing is in this test.
    const runner = { attempt: (job: { updateId: number }) => (ran.push(job.updateId), Promise.resolve({ kind: "done", status: "success" })) } as unknown as UpdateRunner;
    const settings = parseServiceConfig({ BOTS_DIR: dir, DATA_DIR: dir });
    const processor = new EmbeddedProcessor({ settings, ledger, runner, logger });
    await store.close();

    const update = textUpdate(7, 1, "hello");
    const first = await processor.submit("Bot", update);
    expect(first).toMatchObject({ refused: "store-unavailable" });
    // The sender retries at once, before the refused job reaches its turn in the scheduler.
    const retry = await processor.submit("Bot", update);
    expect(retry).not.toBe("duplicate");
    expect(retry).toMatchObject({ refused: "store-unavailable" });
    await processor.onIdle();
    expect(ran).toEqual([]);
    ledger.close();
  });
});
