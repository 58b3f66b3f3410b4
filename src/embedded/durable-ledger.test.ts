/**
 * The durable ledger over a real LMDB store in a temporary DATA_DIR: an update recorded and not
 * done is found again, in acceptance order and with its attempts, by a ledger on the reopened
 * store; claims outlive the process (a redelivery is a duplicate) until they expire, in batches;
 * a released claim is gone from disk; a DATA_DIR that cannot be written names DATA_DIR.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../errors/config-error.ts";
import { LocalStore } from "../local-store/local-store.ts";
import { newUpdateJob } from "../processing/update-job.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { DurableLedger } from "./durable-ledger.ts";

const logger = pino({ level: "silent" });
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ledger-"));
  dirs.push(dir);
  return dir;
}

function openStore(dir: string): LocalStore {
  const store = LocalStore.open({ DATA_DIR: dir, DURABILITY: "fsync" });
  if (store === undefined) throw new Error("no store");
  return store;
}

describe("DurableLedger", () => {
  it("finds what the last run accepted and did not finish, in order, with its attempts, and keeps its claims", async () => {
    const dir = dataDir();
    const first = openStore(dir);
    const ledger = new DurableLedger({ store: first, logger, windowMs: 60_000, hotEntries: 1000 });
    const jobs = [1, 2, 3].map((id) => newUpdateJob("A", textUpdate(id, 7, `m${id}`)));
    for (const job of jobs) expect(ledger.claim("A", job.updateId)).toBe(true);
    await Promise.all(jobs.map((job) => ledger.record(job)));
    const [done, retried] = jobs as [ReturnType<typeof newUpdateJob>, ReturnType<typeof newUpdateJob>];
    ledger.done(done);
    retried.attempts = 2;
    ledger.retrying(retried);
    ledger.close();
    await first.close();

    const second = openStore(dir);
    try {
      const again = new DurableLedger({ store: second, logger, windowMs: 60_000, hotEntries: 1000 });
      const recovered = again.recover();
      expect(recovered.map((job) => [job.updateId, job.attempts, job.update.message?.text])).toEqual([
        [2, 2, "m2"],
        [3, 0, "m3"],
      ]);
      // Every claim survived, the finished update's too: redeliveries are duplicates.
      for (const id of [1, 2, 3]) expect(again.claim("A", id)).toBe(false);
      expect(again.claim("B", 1)).toBe(true);
      again.close();
    } finally {
      await second.close();
    }
  });

  it("keeps only the last hotWindowMs of claims in memory; older ones are still duplicates, read from disk", async () => {
    const store = openStore(dataDir());
    let now = 1_000_000;
    const ledger = new DurableLedger({ store, logger, windowMs: 3_600_000, hotEntries: 1000, hotWindowMs: 1000, now: () => now });
    try {
      expect(ledger.claim("A", 1)).toBe(true);
      const written = ledger.record(newUpdateJob("A", textUpdate(1, 1, "x"), now));
      // Before the claim's write commits, only the memory copy can answer the repeat.
      expect(ledger.claim("A", 1)).toBe(false);
      await written;
      for (let id = 2; id <= 50; id++) {
        expect(ledger.claim("A", id)).toBe(true);
        await ledger.record(newUpdateJob("A", textUpdate(id, 1, "x"), now));
      }
      expect(ledger.claimsInMemory).toBe(50);
      now += 1001;
      expect(ledger.claim("A", 51)).toBe(true);
      expect(ledger.claimsInMemory).toBe(1);
      for (const id of [1, 25, 50]) expect(ledger.claim("A", id)).toBe(false);
    } finally {
      ledger.close();
      await store.close();
    }
  });

  it("expires claims in batches once their window passed, and forgets a released one at once", async () => {
    const store = openStore(dataDir());
    let now = 1_000_000;
    const ledger = new DurableLedger({ store, logger, windowMs: 1000, hotEntries: 10, expiryBatch: 3, now: () => now });
    try {
      for (let id = 1; id <= 5; id++) {
        ledger.claim("A", id);
        await ledger.record(newUpdateJob("A", textUpdate(id, 1, "x"), now));
      }
      ledger.release("A", 5);
      await store.flushed();
      expect(store.dbs.dedup.get(["A", 5])).toBeUndefined();
      expect(await ledger.expireClaims()).toBe(0);
      now += 1001;
      expect(await ledger.expireClaims()).toBe(3);
      expect(await ledger.expireClaims()).toBe(1);
      expect(await ledger.expireClaims()).toBe(0);
      await store.flushed();
      expect([...store.dbs.dedup.getKeys()]).toEqual([]);
      expect([...store.dbs.dedupExpiry.getKeys()]).toEqual([]);
    } finally {
      ledger.close();
      await store.close();
    }
  });

  it("lets a released claim be taken again at once, before its removal reached the disk", async () => {
    const store = openStore(dataDir());
    const ledger = new DurableLedger({ store, logger, windowMs: 60_000, hotEntries: 10 });
    try {
      expect(ledger.claim("A", 9)).toBe(true);
      await ledger.record(newUpdateJob("A", textUpdate(9, 1, "x")));
      // The update finally failed: its claim is released; the sender's redelivery comes in the
      // same turn, while the removal is still only queued (a read still finds the claim on disk).
      ledger.release("A", 9);
      expect(store.dbs.dedup.get(["A", 9])).toBeDefined();
      expect(ledger.claim("A", 9)).toBe(true);
      expect(ledger.claim("A", 9)).toBe(false);
    } finally {
      ledger.close();
      await store.close();
    }
  });

  it("refuses a DATA_DIR another live process holds, and takes over one left by a process that is gone", async () => {
    const dir = dataDir();
    const sleeper = spawn("sleep", ["30"]);
    try {
      writeFileSync(path.join(dir, "service.lock"), String(sleeper.pid));
      expect(() => LocalStore.open({ DATA_DIR: dir, DURABILITY: "fsync" })).toThrow(`DATA_DIR=${JSON.stringify(dir)} is in use by process ${sleeper.pid}`);
    } finally {
      sleeper.kill("SIGKILL");
      await new Promise((resolve) => sleeper.once("exit", resolve));
    }
    // The same pid, now gone: its lock is stale.
    const store = openStore(dir);
    expect(Number(readFileSync(path.join(dir, "service.lock"), "utf8"))).toBe(process.pid);
    await store.close();
  });

  it("refuses a DATA_DIR that cannot be written, naming DATA_DIR and the way out", () => {
    // A file where a folder should be: no user, root included, can create the folder.
    const file = path.join(dataDir(), "file");
    writeFileSync(file, "x");
    const blocked = path.join(file, "data");
    expect(() => LocalStore.open({ DATA_DIR: blocked, DURABILITY: "fsync" })).toThrow(ConfigError);
    expect(() => LocalStore.open({ DATA_DIR: blocked, DURABILITY: "fsync" })).toThrow(/^DATA_DIR=".*data" cannot be written \(.*ENOTDIR\): .*DURABILITY=memory/);
    expect(LocalStore.open({ DATA_DIR: blocked, DURABILITY: "memory" })).toBeUndefined();
  });
});
