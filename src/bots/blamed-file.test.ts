import { describe, expect, it } from "vitest";
import { blamedFile } from "./blamed-file.ts";

describe("blamedFile", () => {
  const dir = "/srv/bots/alpha";

  it("names the file a transform error quotes, relative to the folder", () => {
    const error = new Error("Transform failed with 1 error:\n/srv/bots/alpha/services/greet.ts:1:27: ERROR: Unterminated string literal");
    expect(blamedFile(error, dir)).toBe("services/greet.ts");
  });

  it("names the first frame of a throw at import inside the folder, under a reload's URL", () => {
    const error = new Error("boom");
    error.stack = "Error: boom\n    at file:///srv/bots/alpha/services/db.ts?cbv=3:2:7\n    at file:///srv/bots/alpha/handlers/a.ts?cbv=3:1:1";
    expect(blamedFile(error, dir)).toBe("services/db.ts");
  });

  it("passes over the folder's installed packages and other folders, and gives nothing when nothing matches", () => {
    const error = new Error("x");
    error.stack = "Error: x\n    at /srv/bots/alpha/node_modules/pkg/index.js:1:1\n    at /srv/bots/alphabet/a.ts:1:1\n    at /srv/bots/alpha/handlers/b.ts:4:2";
    expect(blamedFile(error, dir)).toBe("handlers/b.ts");
    expect(blamedFile(new Error("no path here"), dir)).toBeUndefined();
    expect(blamedFile("not an error", dir)).toBeUndefined();
  });
});
