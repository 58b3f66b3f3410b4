/**
 * Whether the stand-in is closing, and every wait it runs (latency, delay faults, long polls), so
 * close() ends them at once instead of waiting for their timers.
 */

export class Shutdown {
  private isClosed = false;
  /** Wake-ups of every pending wait. */
  private readonly wakers = new Set<() => void>();

  get closed(): boolean {
    return this.isClosed;
  }

  /** Resolves after `ms`, or at once when the stand-in closes. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /**
   * A wait of `ms` that also ends on its `wake()`, on any wake-up in `alsoWokenBy` (which it joins
   * until it ends), or when the stand-in closes.
   */
  wakeableSleep(ms: number, alsoWokenBy: Set<() => void>): { done: Promise<void>; wake: () => void } {
    let wake = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      wake = (): void => {
        alsoWokenBy.delete(wake);
        this.wakers.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      alsoWokenBy.add(wake);
      this.wakers.add(wake);
    });
    return { done, wake };
  }

  /** Marks the stand-in closed and ends every pending wait. */
  close(): void {
    this.isClosed = true;
    for (const wake of [...this.wakers]) wake();
  }
}
