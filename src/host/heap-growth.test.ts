/**
 * HEAP_GROWTH_PERCENT. In real Node processes (the flag is V8's, per process): the same workload,
 * a steady stream of objects that live long enough to be promoted, runs once with the headroom
 * fixed and once with V8's own policy; fixed, V8 collects the old generation far more often and
 * its peak stays far lower (figures of V8's, not of the clock). Then the choice between the two
 * from samples of the old generation: fixed while a full collection would come at most once per
 * budget interval, V8's own policy while promotion is faster, and back.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { engineNodeArgs } from "../boot/engine-node-args.ts";
import { parseServiceConfig } from "../config/service-config.ts";
import { HeapGrowth } from "./heap-growth.ts";

const run = promisify(execFile);
const scratch = mkdtempSync(path.join(os.tmpdir(), "cb-heap-growth-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const WORKLOAD = `
import v8 from "node:v8";
import { PerformanceObserver, constants } from "node:perf_hooks";
const { HeapGrowth } = await import(${JSON.stringify(pathToFileURL(path.join(import.meta.dirname, "heap-growth.ts")).href)});
// No sample in this run: the headroom stays fixed however fast this workload promotes.
new HeapGrowth({ HEAP_GROWTH_PERCENT: Number(process.argv[2]) }, { sampleMs: 3_600_000 }).start();
let majors = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
}).observe({ entryTypes: ["gc"] });
const oldSpace = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === "old_space").space_used_size;
// Each object lives for 200,000 allocations: long enough to be promoted, then garbage.
const ring = new Array(200_000);
let peak = 0;
for (let n = 0; n < 3_000_000; n++) {
  ring[n % ring.length] = { n, text: "item " + n, list: [n] };
  if (n % 20_000 === 0) {
    if (n > 1_000_000) peak = Math.max(peak, oldSpace());
    // Let the observer's callbacks run.
    if (n % 200_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}
await new Promise((resolve) => setImmediate(resolve));
console.log(JSON.stringify({ majors, peakMb: peak / 1048576 }));
`;
const workload = path.join(scratch, "workload.mjs");
writeFileSync(workload, WORKLOAD);

async function heapOf(percent: number): Promise<{ majors: number; peakMb: number }> {
  const { stdout } = await run(process.execPath, [...engineNodeArgs(), workload, String(percent)], { timeout: 120_000 });
  return JSON.parse(stdout) as { majors: number; peakMb: number };
}

describe("HEAP_GROWTH_PERCENT", () => {
  it("is 20 unless set, and 0 leaves V8's own policy", () => {
    expect(parseServiceConfig({}).HEAP_GROWTH_PERCENT).toBe(20);
    expect(parseServiceConfig({ HEAP_GROWTH_PERCENT: "0" }).HEAP_GROWTH_PERCENT).toBe(0);
    expect(() => parseServiceConfig({ HEAP_GROWTH_PERCENT: "-1" })).toThrow(/HEAP_GROWTH_PERCENT/);
  });

  it("keeps the headroom fixed while promotion is slow, gives V8 its own policy back while it is fast, and fixes it again", () => {
    const flags: string[] = [];
    const growth = new HeapGrowth({ HEAP_GROWTH_PERCENT: 20 }, { setFlag: (flag) => flags.push(flag), sampleMs: 3_600_000 });
    growth.start();
    const MB = 1024 * 1024;
    let at = 1000;
    let bytes = 100 * MB;
    const promote = (seconds: number, mbPerSecond: number) => {
      for (let i = 0; i < seconds; i++) {
        at += 1000;
        bytes += mbPerSecond * MB;
        // A full collection once the headroom is used: back to what is alive.
        if (bytes > 120 * MB) bytes = 100 * MB;
        growth.sample(at, bytes);
      }
    };
    try {
      // 100 MB alive, 20% headroom: 20 MB; at 2 MB/s a collection every 10 s (budget: 2 s).
      promote(30, 2);
      expect(growth.fixed).toBe(true);
      expect(flags).toEqual(["--heap-growing-percent=20"]);
      // At 15 MB/s it would be one every 1.3 s.
      promote(10, 15);
      expect(growth.fixed).toBe(false);
      expect(flags.at(-1)).toBe("--heap-growing-percent=0");
      promote(30, 1);
      expect(growth.fixed).toBe(true);
      expect(flags.at(-1)).toBe("--heap-growing-percent=20");
    } finally {
      growth.stop();
    }
  });

  it("sets nothing with HEAP_GROWTH_PERCENT=0", () => {
    const flags: string[] = [];
    const growth = new HeapGrowth({ HEAP_GROWTH_PERCENT: 0 }, { setFlag: (flag) => flags.push(flag) });
    growth.start();
    growth.stop();
    expect(flags).toEqual([]);
    expect(growth.fixed).toBe(false);
  });

  it("keeps the old generation near what is alive: more mark-compacts, a far lower peak than V8's own policy", async () => {
    const [fixed, own] = await Promise.all([heapOf(20), heapOf(0)]);
    expect(fixed.majors).toBeGreaterThanOrEqual(2 * Math.max(1, own.majors));
    expect(fixed.peakMb).toBeLessThan(0.7 * own.peakMb);
  });
});
