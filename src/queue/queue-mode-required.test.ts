/**
 * A worker or a jobs command without REDIS_URL (and without QUEUE_MODE=queue) stops with a message
 * saying what to set, instead of quietly using a Redis on 127.0.0.1 and creating keys there.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/main.ts";
import { spawnService } from "../testing/service-process.ts";

describe("queue mode required", () => {
  it("npm run worker without REDIS_URL exits 1 naming REDIS_URL", async () => {
    const worker = await spawnService({ entry: "src/worker-main.ts", env: { REDIS_URL: "", QUEUE_MODE: "" }, waitStarted: false });
    expect((await worker.exited).code).toBe(1);
    expect(worker.stderr.join("\n")).toContain("npm run worker needs queue mode: set REDIS_URL");
  });

  it("jobs commands without REDIS_URL exit 1 naming REDIS_URL", async () => {
    const err: string[] = [];
    const code = await runCli(["jobs", "stats"], {}, { out: () => undefined, err: (t) => err.push(t) });
    expect(code).toBe(1);
    expect(err.join("\n")).toContain("jobs stats needs queue mode: set REDIS_URL to the deployment's Redis (or QUEUE_MODE=queue for redis://127.0.0.1:6379)");
  });
});
