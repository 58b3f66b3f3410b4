/**
 * The embedded default starts without the queue stack: importing the service (what `npm start`
 * imports) loads neither BullMQ, ioredis nor bull-board. They are imported only in queue mode or
 * for the admin page's queue parts; a static import of any of them from the embedded path brings
 * back about 380 modules and a third more CPU per start.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../testing/bot-fixtures.ts";

const probe = `
import { createRequire } from "node:module";
await import("./src/service/build-service.ts");
const loaded = Object.keys(createRequire(import.meta.url).cache);
const queueStack = [...new Set(loaded.flatMap((file) => /node_modules\\/(bullmq|ioredis|@bull-board\\/[a-z]+)\\//.exec(file)?.[1] ?? []))];
const grammy = loaded.some((file) => file.includes("node_modules/grammy/"));
process.stdout.write(JSON.stringify({ queueStack, grammy }));
`;

describe("the embedded default's imports", () => {
  it("importing the service loads grammY but not BullMQ, ioredis or bull-board", () => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    delete env.VITEST;
    const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", probe], { cwd: PROJECT_ROOT, env, encoding: "utf8", timeout: 120_000 });
    expect(result.status, result.stderr.slice(-2000)).toBe(0);
    const { queueStack, grammy } = JSON.parse(result.stdout) as { queueStack: string[]; grammy: boolean };
    // The check can see CommonJS packages at all: grammY is one, and it is loaded.
    expect(grammy).toBe(true);
    expect(queueStack).toEqual([]);
  });
});
