/**
 * Closed-loop load (saturation): autocannon, in its own process, keeps `connections` requests in
 * flight for `durationSeconds`, each a fresh unique update (setupRequest runs right before each
 * request is written, so the send time in the text is the real one).
 *
 *   node --import tsx bench/load/autocannon-load.ts <input.json>   (an AutocannonInput)
 *
 * Prints one JSON line: AutocannonOutput.
 */
import { createRequire } from "node:module";
import { readScriptInput } from "../lib/processes.ts";
import { wallClockMs } from "../lib/stats.ts";
import { updateBody, type LoadPlan } from "../lib/updates.ts";

export interface AutocannonInput {
  plan: LoadPlan;
  connections: number;
  durationSeconds: number;
  /** Stop after this many requests, even before the duration ends (smoke runs). */
  amount?: number;
}

export interface AutocannonOutput {
  requests: number;
  ok: number;
  statuses: Record<string, number>;
  errors: number;
  okPerSecond: number;
  /** Request latency as autocannon saw it (answer, not reply). */
  p50Ms: number;
  p99Ms: number;
  firstSentAtMs: number;
  durationSeconds: number;
}

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

interface AutocannonResult {
  "2xx": number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { p50: number; p99: number };
  duration: number;
}

type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

// autocannon ships CommonJS without types; this is the slice of its API used here.
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

async function main(): Promise<void> {
  const input = readScriptInput<AutocannonInput>();
  let n = 0;
  let firstSentAtMs = Number.NaN;
  const result = await autocannon({
    url: input.plan.baseUrl,
    connections: input.connections,
    duration: input.durationSeconds,
    ...(input.amount === undefined ? {} : { amount: input.amount }),
    requests: [
      {
        method: "POST",
        setupRequest: (request: AutocannonRequest): AutocannonRequest => {
          const now = wallClockMs();
          if (Number.isNaN(firstSentAtMs)) firstSentAtMs = now;
          const { target, body } = updateBody(input.plan, n++, now);
          return { ...request, method: "POST", path: target.path, headers: { "content-type": "application/json", ...target.headers }, body };
        },
      },
    ],
  });
  const statuses: Record<string, number> = {};
  let requests = 0;
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) {
    statuses[code] = count;
    requests += count;
  }
  const output: AutocannonOutput = {
    requests,
    ok: result["2xx"],
    statuses,
    errors: result.errors + result.timeouts,
    okPerSecond: result["2xx"] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    firstSentAtMs,
    durationSeconds: result.duration,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`autocannon-load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
