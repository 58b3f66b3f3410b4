import { describe, expect, it } from "vitest";
import { partitionShare } from "./partition-share.ts";

describe("partitionShare", () => {
  it("splits the partitions into disjoint shares that cover them all, sizes differing by at most one", () => {
    const members = ["w-c", "w-a", "w-b"];
    const shares = members.map((m) => partitionShare(members, m, 8));
    expect(shares.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(shares.flat()).size).toBe(8);
    expect(shares.map((s) => s.length).sort()).toEqual([2, 3, 3]);
  });

  it("gives the same split whatever order the members are listed in", () => {
    expect(partitionShare(["b", "a"], "a", 6)).toEqual(partitionShare(["a", "b"], "a", 6));
    expect(partitionShare(["b", "a"], "a", 6)).toEqual([0, 2, 4]);
  });

  it("counts the worker itself when the list lacks it, and a lone worker watches everything", () => {
    expect(partitionShare(["b"], "a", 4)).toEqual([0, 2]);
    expect(partitionShare([], "a", 4)).toEqual([0, 1, 2, 3]);
  });

  it("leaves workers beyond the partition count without a share", () => {
    expect(partitionShare(["a", "b", "c"], "c", 2)).toEqual([]);
  });
});
