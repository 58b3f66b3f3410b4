import { afterEach, describe, expect, it, vi } from "vitest";
import { KeyedScheduler, type SchedulerOptions, type WorkOutcome } from "./keyed-scheduler.ts";

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued work start (the scheduler starts work in a setImmediate) and callbacks run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

const DONE: WorkOutcome = { kind: "done" };

/**
 * A scheduler whose work items are strings; each run waits until the test settles it. `started`
 * lists every run in start order (a retried item appears once per run).
 */
function harness(options: Partial<SchedulerOptions<string>> = {}) {
  const started: string[] = [];
  const running = new Map<string, Deferred<WorkOutcome>>();
  const workErrors: Array<{ item: string; error: unknown }> = [];
  const scheduler = new KeyedScheduler<string>({
    concurrency: 4,
    laneConcurrency: 4,
    maxBacklog: 1000,
    maxLaneBacklog: 1000,
    work: (item) => {
      started.push(item);
      const run = deferred<WorkOutcome>();
      running.set(item, run);
      return run.promise;
    },
    onWorkError: (item, error) => workErrors.push({ item, error }),
    ...options,
  });
  async function settle(item: string, outcome: WorkOutcome = DONE): Promise<void> {
    const run = running.get(item);
    if (run === undefined) throw new Error(`${item} is not running`);
    running.delete(item);
    run.resolve(outcome);
    await flush();
  }
  async function fail(item: string, error: unknown): Promise<void> {
    const run = running.get(item);
    if (run === undefined) throw new Error(`${item} is not running`);
    running.delete(item);
    run.reject(error);
    await flush();
  }
  const runningNow = () => [...running.keys()].sort();
  /** Settles whatever runs, oldest first, until nothing is left (no retries expected). */
  async function drain(): Promise<void> {
    for (let guard = 0; guard < 10_000 && scheduler.size > 0; guard++) {
      const [oldest] = running.keys();
      if (oldest === undefined) throw new Error("items wait but nothing runs");
      await settle(oldest);
    }
  }
  return { scheduler, started, settle, fail, runningNow, workErrors, drain };
}

afterEach(() => {
  vi.useRealTimers();
});

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

describe("KeyedScheduler retries", () => {
  it("keeps later items of the key waiting until the retried item is done, and frees the slot meanwhile", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { scheduler, started, settle, runningNow } = harness({ concurrency: 1, laneConcurrency: 1 });
    scheduler.submit("bot", "chat", "first");
    scheduler.submit("bot", "chat", "second");
    scheduler.submit("bot", "other", "elsewhere");
    await flush();
    expect(runningNow()).toEqual(["first"]);

    await settle("first", { kind: "retry", delayMs: 1000 });
    // The only slot goes to another key while "first" waits; "second" stays behind it.
    expect(runningNow()).toEqual(["elsewhere"]);
    await settle("elsewhere");
    expect(runningNow()).toEqual([]);
    expect(scheduler.size).toBe(2);

    await vi.advanceTimersByTimeAsync(999);
    await flush();
    expect(runningNow()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(runningNow()).toEqual(["first"]);

    await settle("first");
    expect(runningNow()).toEqual(["second"]);
    await settle("second");
    expect(started).toEqual(["first", "elsewhere", "first", "second"]);
    expect(scheduler.size).toBe(0);
  });

  it("lists running, waiting and retry-waiting items as pending, and counts them in size", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { scheduler, settle, drain } = harness({ concurrency: 1 });
    scheduler.submit("a", "k1", "retrying");
    scheduler.submit("a", "k1", "behind-retry");
    scheduler.submit("a", "k2", "runs-next");
    scheduler.submit("b", "k1", "waiting");
    scheduler.submit("b", undefined, "unkeyed");
    await flush();
    await settle("retrying", { kind: "retry", delayMs: 500 });
    expect(scheduler.activeCount).toBe(1);
    expect(scheduler.size).toBe(5);
    expect(scheduler.pendingItems().sort()).toEqual(["behind-retry", "retrying", "runs-next", "unkeyed", "waiting"]);
    expect(scheduler.pendingItems()[0]).toBe("runs-next");

    await settle("runs-next");
    expect(scheduler.pendingItems().sort()).toEqual(["behind-retry", "retrying", "unkeyed", "waiting"]);
    expect(scheduler.size).toBe(4);
    await vi.advanceTimersByTimeAsync(500);
    await flush();
    await drain();
    expect(scheduler.size).toBe(0);
    expect(scheduler.pendingItems()).toEqual([]);
  });

  it("cancels pending retries on dispose", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { scheduler, started, settle } = harness();
    scheduler.submit("bot", "chat", "item");
    await flush();
    await settle("item", { kind: "retry", delayMs: 100 });
    scheduler.dispose();
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    expect(started).toEqual(["item"]);
  });
});

describe("KeyedScheduler failures and idleness", () => {
  it("keeps the queue moving when work rejects, and reports the error", async () => {
    const { scheduler, started, settle, fail, workErrors } = harness({ concurrency: 1 });
    scheduler.submit("bot", "chat", "bad");
    scheduler.submit("bot", "chat", "good");
    await flush();
    const error = new Error("work broke");
    await fail("bad", error);
    expect(workErrors).toEqual([{ item: "bad", error }]);
    expect(started).toEqual(["bad", "good"]);
    await settle("good");
    expect(scheduler.size).toBe(0);
  });

  it("keeps the queue moving when work throws synchronously", async () => {
    const errors: Array<{ item: string; error: unknown }> = [];
    const ran: string[] = [];
    const scheduler = new KeyedScheduler<string>({
      concurrency: 1,
      laneConcurrency: 1,
      maxBacklog: 10,
      maxLaneBacklog: 10,
      work: (item) => {
        ran.push(item);
        if (item === "sync-throw") throw new Error("sync");
        return Promise.resolve(DONE);
      },
      onWorkError: (item, error) => errors.push({ item, error }),
    });
    scheduler.submit("bot", "chat", "sync-throw");
    scheduler.submit("bot", "chat", "after");
    await scheduler.onIdle();
    expect(ran).toEqual(["sync-throw", "after"]);
    expect(errors.map((e) => ({ item: e.item, message: (e.error as Error).message }))).toEqual([{ item: "sync-throw", message: "sync" }]);
  });

  it("resolves onIdle at once when empty, and only after every item is done otherwise", async () => {
    const { scheduler, settle } = harness();
    await expect(scheduler.onIdle()).resolves.toBeUndefined();

    scheduler.submit("bot", "k1", "one");
    scheduler.submit("bot", "k2", "two");
    let idle = false;
    const waiting = scheduler.onIdle().then(() => {
      idle = true;
    });
    await flush();
    await settle("one");
    expect(idle).toBe(false);
    await settle("two");
    await waiting;
    expect(idle).toBe(true);
  });

  it("keeps going when onWorkError itself throws", async () => {
    const h = harness({
      concurrency: 1,
      onWorkError: () => {
        throw new Error("the error callback failed too");
      },
    });
    h.scheduler.submit("bot", "chat", "a");
    h.scheduler.submit("bot", "chat", "b");
    await flush();
    await h.fail("a", new Error("work failed"));
    expect(h.started).toEqual(["a", "b"]);
    await h.settle("b");
    expect(h.scheduler.size).toBe(0);
  });
});
