import { describe, expect, it } from "vitest";
import { flush, harness } from "../testing/keyed-scheduler-harness.ts";

describe("KeyedScheduler ordering", () => {
  it("runs items with one key one at a time, in submission order", async () => {
    const { scheduler, started, settle, runningNow } = harness();
    for (const item of ["k1", "k2", "k3"]) scheduler.submit("bot", "chat", item);
    await flush();
    expect(runningNow()).toEqual(["k1"]);
    await settle("k1");
    expect(runningNow()).toEqual(["k2"]);
    await settle("k2");
    await settle("k3");
    expect(started).toEqual(["k1", "k2", "k3"]);
    expect(scheduler.size).toBe(0);
  });

  it("keeps the same key apart in different lanes", async () => {
    const { scheduler, settle, runningNow } = harness();
    scheduler.submit("bot-a", "chat", "a1");
    scheduler.submit("bot-b", "chat", "b1");
    await flush();
    expect(runningNow()).toEqual(["a1", "b1"]);
    await settle("a1");
    await settle("b1");
  });

  it("runs different keys concurrently up to `concurrency`", async () => {
    const { scheduler, settle, runningNow } = harness({ concurrency: 2 });
    for (const [key, item] of [["c1", "x1"], ["c2", "x2"], ["c3", "x3"]] as const) scheduler.submit("bot", key, item);
    await flush();
    expect(runningNow()).toEqual(["x1", "x2"]);
    expect(scheduler.activeCount).toBe(2);
    await settle("x1");
    expect(runningNow()).toEqual(["x2", "x3"]);
    await settle("x2");
    await settle("x3");
    expect(scheduler.activeCount).toBe(0);
  });

  it("caps one lane at `laneConcurrency` while another lane still runs", async () => {
    const { scheduler, settle, runningNow } = harness({ concurrency: 4, laneConcurrency: 2 });
    for (let i = 1; i <= 4; i++) scheduler.submit("busy", `chat${i}`, `busy${i}`);
    scheduler.submit("quiet", "chat", "quiet1");
    await flush();
    expect(runningNow()).toEqual(["busy1", "busy2", "quiet1"]);
    await settle("busy1");
    expect(runningNow()).toEqual(["busy2", "busy3", "quiet1"]);
    await settle("quiet1");
    // The free overall slot is not given to the capped lane.
    expect(runningNow()).toEqual(["busy2", "busy3"]);
    await settle("busy2");
    await settle("busy3");
    await settle("busy4");
    expect(scheduler.size).toBe(0);
  });

  it("lets lanes take turns, so a deep backlog does not delay another lane's single item", async () => {
    const { scheduler, started, drain } = harness({ concurrency: 1, laneConcurrency: 1 });
    for (let i = 0; i < 50; i++) scheduler.submit("deep", `chat${i}`, `deep${i}`);
    scheduler.submit("other", "chat", "other0");
    await flush();
    await drain();
    expect(started).toHaveLength(51);
    expect(started.indexOf("other0")).toBeGreaterThanOrEqual(0);
    expect(started.indexOf("other0")).toBeLessThanOrEqual(2);
    // The deep lane keeps its own order.
    expect(started.filter((i) => i.startsWith("deep"))).toEqual(Array.from({ length: 50 }, (_, i) => `deep${i}`));
  });

  it("alternates between two lanes with backlogs", async () => {
    const { scheduler, started, drain } = harness({ concurrency: 1, laneConcurrency: 1 });
    for (let i = 0; i < 3; i++) scheduler.submit("a", `c${i}`, `a${i}`);
    for (let i = 0; i < 3; i++) scheduler.submit("b", `c${i}`, `b${i}`);
    await flush();
    await drain();
    expect(started).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
  });

  it("runs items without a key freely, side by side", async () => {
    const { scheduler, settle, runningNow } = harness({ concurrency: 3 });
    for (const item of ["u1", "u2", "u3"]) scheduler.submit("bot", undefined, item);
    await flush();
    expect(runningNow()).toEqual(["u1", "u2", "u3"]);
    await settle("u2");
    await settle("u1");
    await settle("u3");
    expect(scheduler.size).toBe(0);
  });
});

describe("KeyedScheduler backlog limits", () => {
  it("answers backlog-full past maxBacklog and accepts again once an item is done", async () => {
    const { scheduler, settle } = harness({ concurrency: 1, maxBacklog: 3 });
    const results = ["a", "b", "c", "d"].map((item) => scheduler.submit(item === "d" ? "other" : "bot", item, item));
    expect(results).toEqual(["accepted", "accepted", "accepted", "backlog-full"]);
    expect(scheduler.size).toBe(3);
    await flush();
    await settle("a");
    expect(scheduler.submit("other", "d", "d")).toBe("accepted");
    await settle("b");
    await settle("c");
    await settle("d");
  });

  it("answers lane-backlog-full past maxLaneBacklog for that lane only", async () => {
    const { scheduler, settle, drain } = harness({ concurrency: 1, maxLaneBacklog: 2 });
    expect([scheduler.submit("a", "k1", "a1"), scheduler.submit("a", "k2", "a2"), scheduler.submit("a", "k3", "a3")]).toEqual([
      "accepted",
      "accepted",
      "lane-backlog-full",
    ]);
    expect(scheduler.submit("b", "k1", "b1")).toBe("accepted");
    expect({ a: scheduler.laneSize("a"), b: scheduler.laneSize("b"), total: scheduler.size }).toEqual({ a: 2, b: 1, total: 3 });
    await flush();
    await settle("a1");
    expect(scheduler.submit("a", "k3", "a3")).toBe("accepted");
    await drain();
    expect(scheduler.size).toBe(0);
    expect(scheduler.laneSize("a")).toBe(0);
  });

  it("checks the overall limit before the lane limit", () => {
    const { scheduler } = harness({ maxBacklog: 1, maxLaneBacklog: 1 });
    scheduler.submit("a", "k", "a1");
    expect(scheduler.submit("a", "k", "a2")).toBe("backlog-full");
  });
});

