import { afterEach, describe, expect, it, vi } from "vitest";
import { DONE, flush, harness } from "../testing/keyed-scheduler-harness.ts";
import { KeyedScheduler } from "./keyed-scheduler.ts";

describe("KeyedScheduler retries", () => {
  // Real timers back after each test: the next test (or file, if files share a worker) must not inherit fake ones.
  afterEach(() => {
    vi.useRealTimers();
  });

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
