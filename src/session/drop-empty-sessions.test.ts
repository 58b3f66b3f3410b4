import { MemorySessionStorage } from "grammy";
import { describe, expect, it } from "vitest";
import { dropEmptySessions } from "./drop-empty-sessions.ts";
import type { SessionData } from "./session-data.ts";

/** A real in-memory storage that records the writes and deletes reaching it. */
function recordingStorage() {
  const inner = new MemorySessionStorage<SessionData>();
  const ops: string[] = [];
  return {
    ops,
    inner,
    storage: {
      read: (key: string) => inner.read(key),
      write: (key: string, value: SessionData) => {
        ops.push(`write ${key}`);
        inner.write(key, value);
      },
      delete: (key: string) => {
        ops.push(`delete ${key}`);
        inner.delete(key);
      },
    },
  };
}

describe("dropEmptySessions", () => {
  it("sends nothing to storage for a session that was absent and stays empty", async () => {
    const { ops, storage } = recordingStorage();
    const sessions = dropEmptySessions(storage);
    expect(await sessions.read("1")).toBeUndefined();
    await sessions.write("1", {});
    expect(ops).toEqual([]);
  });

  it("writes a session that got content, and deletes a stored one that was emptied", async () => {
    const { ops, storage, inner } = recordingStorage();
    const sessions = dropEmptySessions(storage);
    await sessions.read("2");
    await sessions.write("2", { step: 1 });
    expect(inner.read("2")).toEqual({ step: 1 });
    expect(await sessions.read("2")).toEqual({ step: 1 });
    await sessions.write("2", {});
    expect(inner.read("2")).toBeUndefined();
    expect(ops).toEqual(["write 2", "delete 2"]);
  });

  it("deletes an empty session it did not see read absent (no read, or read by an earlier run that failed)", async () => {
    const { ops, storage } = recordingStorage();
    const sessions = dropEmptySessions(storage);
    await sessions.write("3", {});
    await sessions.read("4");
    await sessions.write("4", {});
    await sessions.write("4", {});
    expect(ops).toEqual(["delete 3", "delete 4"]);
  });
});
