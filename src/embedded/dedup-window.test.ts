import { describe, expect, it } from "vitest";
import { DedupWindow } from "./dedup-window.ts";

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("DedupWindow", () => {
  it("grants the first claim of an update and refuses repeats within the window", () => {
    const t = clock();
    const dedup = new DedupWindow(60_000, 100, t.now);
    expect(dedup.claim("alpha", 1)).toBe(true);
    expect(dedup.claim("alpha", 1)).toBe(false);
    t.advance(59_999);
    expect(dedup.claim("alpha", 1)).toBe(false);
    expect(dedup.claim("alpha", 2)).toBe(true);
  });

  it("scopes update ids per bot", () => {
    const dedup = new DedupWindow(60_000, 100, clock().now);
    expect([dedup.claim("alpha", 7), dedup.claim("beta", 7), dedup.claim("alpha", 7), dedup.claim("beta", 7)]).toEqual([true, true, false, false]);
  });

  it("does not mix up bot names and ids that concatenate alike", () => {
    const dedup = new DedupWindow(60_000, 100, clock().now);
    expect(dedup.claim("bot1", 23)).toBe(true);
    expect(dedup.claim("bot12", 3)).toBe(true);
  });

  it("grants a claim again once the window has passed", () => {
    const t = clock();
    const dedup = new DedupWindow(1_000, 100, t.now);
    expect(dedup.claim("alpha", 1)).toBe(true);
    t.advance(1_000);
    expect(dedup.claim("alpha", 1)).toBe(true);
    expect(dedup.claim("alpha", 1)).toBe(false);
  });

  it("forgets expired entries, so memory does not grow with old claims", () => {
    const t = clock();
    const dedup = new DedupWindow(1_000, 100, t.now);
    for (let id = 0; id < 10; id++) dedup.claim("alpha", id);
    expect(dedup.size).toBe(10);
    t.advance(1_000);
    dedup.claim("alpha", 100);
    expect(dedup.size).toBe(1);
  });

  it("forgets each entry at its own expiry, claims made at different times included", () => {
    const t = clock();
    const dedup = new DedupWindow(1_000, 100, t.now);
    dedup.claim("alpha", 1);
    t.advance(500);
    dedup.claim("alpha", 2);
    t.advance(600);
    dedup.claim("alpha", 3);
    expect(dedup.size).toBe(2);
    expect(dedup.claim("alpha", 2)).toBe(false);
    t.advance(500);
    dedup.claim("alpha", 4);
    expect(dedup.size).toBe(2);
    expect(dedup.claim("alpha", 3)).toBe(false);
    expect(dedup.claim("alpha", 2)).toBe(true);
  });

  it("lets a released update be claimed again within the window", () => {
    const dedup = new DedupWindow(60_000, 100, clock().now);
    expect(dedup.claim("alpha", 1)).toBe(true);
    dedup.release("alpha", 1);
    expect(dedup.claim("alpha", 1)).toBe(true);
    expect(dedup.claim("alpha", 1)).toBe(false);
  });

  it("releases only the given bot's claim", () => {
    const dedup = new DedupWindow(60_000, 100, clock().now);
    dedup.claim("alpha", 1);
    dedup.claim("beta", 1);
    dedup.release("alpha", 1);
    expect([dedup.claim("alpha", 1), dedup.claim("beta", 1)]).toEqual([true, false]);
  });

  it("keeps at most maxEntries, forgetting the oldest first", () => {
    const t = clock();
    const dedup = new DedupWindow(60_000, 3, t.now);
    for (const id of [1, 2, 3, 4]) {
      expect(dedup.claim("alpha", id)).toBe(true);
      t.advance(1);
    }
    expect(dedup.size).toBeLessThanOrEqual(3);
    // 1 was the oldest and is forgotten; 3 and 4 are still remembered.
    expect(dedup.claim("alpha", 4)).toBe(false);
    expect(dedup.claim("alpha", 3)).toBe(false);
    expect(dedup.claim("alpha", 1)).toBe(true);
    expect(dedup.size).toBeLessThanOrEqual(3);
  });

  it("stays within maxEntries under many claims", () => {
    const dedup = new DedupWindow(60_000, 50, clock().now);
    for (let id = 0; id < 1_000; id++) dedup.claim(`bot${id % 7}`, id);
    expect(dedup.size).toBeLessThanOrEqual(50);
    // The newest claim (999 % 7 = 5) is still remembered.
    expect(dedup.claim("bot5", 999)).toBe(false);
  });

  it("grants every claim when the window is 0", () => {
    const dedup = new DedupWindow(0, 100, clock().now);
    expect([dedup.claim("alpha", 1), dedup.claim("alpha", 1), dedup.claim("alpha", 1)]).toEqual([true, true, true]);
    expect(dedup.size).toBe(0);
  });
});
