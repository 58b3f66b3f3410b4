/** Test harness of the keyed scheduler: work items whose completion each test controls. */
import { afterEach, vi } from "vitest";
import { KeyedScheduler, type SchedulerOptions, type WorkOutcome } from "../embedded/keyed-scheduler.ts";

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued work start (the scheduler starts work in a setImmediate) and callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

export const DONE: WorkOutcome = { kind: "done" };

/**
 * A scheduler whose work items are strings; each run waits until the test settles it. `started`
 * lists every run in start order (a retried item appears once per run).
 */
export function harness(options: Partial<SchedulerOptions<string>> = {}) {
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

