import { describe, expect, it } from "vitest";
import { ThrottledLog } from "./throttled-log.ts";

describe("ThrottledLog", () => {
  it("logs the first occurrence at once, then one line per interval with the count", () => {
    let now = 0;
    const lines: number[] = [];
    const log = new ThrottledLog((count) => lines.push(count), 1000, () => now);
    log.hit();
    expect(lines).toEqual([1]);
    for (let i = 0; i < 500; i++) log.hit();
    expect(lines).toEqual([1]);
    now = 1000;
    log.hit();
    expect(lines).toEqual([1, 501]);
    log.flush();
    expect(lines).toEqual([1, 501]);
    log.hit();
    log.hit();
    log.flush();
    expect(lines).toEqual([1, 501, 2]);
  });

  it("writes the count left at the end of the interval even when nothing else happens", async () => {
    const lines: number[] = [];
    const log = new ThrottledLog((count) => lines.push(count), 50);
    log.hit();
    log.hit();
    log.hit();
    expect(lines).toEqual([1]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(lines).toEqual([1, 2]);
  });
});
