import { describe, expect, it } from "vitest";
import { compareCodePoints, isFallbackFile, sortForMounting } from "./mount-order.ts";

describe("compareCodePoints", () => {
  it("puts uppercase before lowercase", () => {
    expect(["b.ts", "B.ts", "a.ts", "A.ts"].sort(compareCodePoints)).toEqual(["A.ts", "B.ts", "a.ts", "b.ts"]);
  });

  it("compares digits one by one, not as numbers", () => {
    expect(["a9.ts", "a10.ts", "a1.ts"].sort(compareCodePoints)).toEqual(["a1.ts", "a10.ts", "a9.ts"]);
  });

  it("puts non-ASCII letters after ASCII ones", () => {
    expect(["é.ts", "z.ts", "e.ts"].sort(compareCodePoints)).toEqual(["e.ts", "z.ts", "é.ts"]);
  });

  it("orders an astral character after U+FFFF, unlike the default UTF-16 sort", () => {
    const names = ["😀", "\uFFFF"];
    // The default sort compares UTF-16 units: the surrogate 0xD83D sorts before 0xFFFF.
    expect([...names].sort()).toEqual(["😀", "\uFFFF"]);
    expect([...names].sort(compareCodePoints)).toEqual(["\uFFFF", "😀"]);
  });

  it("returns 0 for equal names and is antisymmetric", () => {
    expect(compareCodePoints("a.ts", "a.ts")).toBe(0);
    expect(Math.sign(compareCodePoints("a", "b"))).toBe(-1);
    expect(Math.sign(compareCodePoints("b", "a"))).toBe(1);
    expect(Math.sign(compareCodePoints("a", "ab"))).toBe(-1);
  });
});

describe("isFallbackFile", () => {
  it.each([
    ["z_catch_all.ts", true],
    ["z_.ts", true],
    ["fallback.ts", true],
    ["MyFallBack.ts", true],
    ["FALLBACK.js", true],
    ["unknown_fallback_reply.ts", true],
    ["zz.ts", false],
    ["Z_x.ts", false],
    ["z-other.ts", false],
    ["start.ts", false],
    ["fall_back.ts", false],
  ])("%s -> %s", (name, expected) => {
    expect(isFallbackFile(name)).toBe(expected);
  });
});

describe("sortForMounting", () => {
  it("puts regular files first and fallbacks last, each group in code-point order", () => {
    const files = ["z_last.ts", "menu.ts", "Fallback.ts", "Admin.ts", "a10.ts", "zz.ts", "a9.ts", "z_first.ts", "Z_x.ts"];
    expect(sortForMounting(files)).toEqual([
      "Admin.ts",
      "Z_x.ts",
      "a10.ts",
      "a9.ts",
      "menu.ts",
      "zz.ts",
      "Fallback.ts",
      "z_first.ts",
      "z_last.ts",
    ]);
  });

  it("does not change its input", () => {
    const files = ["b.ts", "a.ts"];
    sortForMounting(files);
    expect(files).toEqual(["b.ts", "a.ts"]);
  });

  it("returns an empty list for no files", () => {
    expect(sortForMounting([])).toEqual([]);
  });
});
