/**
 * A log line for something that can happen thousands of times a second (an update refused while
 * the backlog is full, a journal record dropped): the first occurrence is logged at once, later
 * ones are counted and logged together at most once per interval, so an overloaded service does
 * not also write a line per refusal. The count since the last line always reaches the log: a
 * timer (unref'd, it never keeps the process up) writes it when the interval ends, and `flush()`
 * writes it at once (shutdown).
 */
export class ThrottledLog {
  private pending = 0;
  private lastAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  /** `write` gets how many occurrences the line stands for. */
  constructor(
    private readonly write: (count: number) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  hit(): void {
    this.pending++;
    const wait = this.lastAt + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait).unref();
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === 0) return;
    const count = this.pending;
    this.pending = 0;
    this.lastAt = this.now();
    this.write(count);
  }
}
