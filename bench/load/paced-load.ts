/**
 * Open-loop load at a fixed rate: update n is due at start + n/rate, evenly spaced, whatever the
 * server does (autocannon's rate mode sends each second's quota in one burst, which would measure
 * burst latency instead). The due time, not the moment a socket was free, goes into the update's
 * text, so a server that falls behind is charged for it (no coordinated omission).
 *
 *   node --import tsx bench/load/paced-load.ts <input.json>   (a PacedInput)
 *
 * Prints one JSON line: PacedOutput.
 */
import { Agent, request } from "node:http";
import { readScriptInput } from "../lib/processes.ts";
import { wallClockMs } from "../lib/stats.ts";
import { updateBody, type LoadPlan } from "../lib/updates.ts";

export interface PacedInput {
  plan: LoadPlan;
  ratePerSecond: number;
  durationSeconds: number;
  /** Most sockets at once; a request waits for a free one (its due time still counts). */
  connections: number;
  /** At most this many updates, even before the duration ends (smoke runs). */
  amount?: number;
}

export interface PacedOutput {
  sent: number;
  ok: number;
  statuses: Record<string, number>;
  errors: number;
  firstSentAtMs: number;
  /** How far the sender itself fell behind its schedule at worst (ms); large means the load generator, not the server, was the limit. */
  maxSenderLagMs: number;
}

async function main(): Promise<void> {
  const input = readScriptInput<PacedInput>();
  const url = new URL(input.plan.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: input.connections });
  const total = Math.min(Math.round(input.ratePerSecond * input.durationSeconds), input.amount ?? Number.POSITIVE_INFINITY);
  const statuses: Record<string, number> = {};
  let errors = 0;
  let finished = 0;
  let maxSenderLagMs = 0;
  const start = wallClockMs() + 20;
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));

  const send = (n: number, dueAt: number): void => {
    const { target, body } = updateBody(input.plan, n, dueAt);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: target.path,
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...target.headers },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          const code = String(res.statusCode ?? 0);
          statuses[code] = (statuses[code] ?? 0) + 1;
          if (++finished === total) allDone();
        });
      },
    );
    req.on("error", () => {
      errors++;
      if (++finished === total) allDone();
    });
    req.end(body);
  };

  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = wallClockMs();
      while (next < total) {
        const dueAt = start + (next * 1000) / input.ratePerSecond;
        if (dueAt > now) break;
        maxSenderLagMs = Math.max(maxSenderLagMs, now - dueAt);
        send(next, dueAt);
        next++;
      }
      if (next >= total) resolve();
      else setTimeout(tick, 1);
    };
    setTimeout(tick, 20);
  });
  if (total > 0) await done;
  agent.destroy();
  const ok = Object.entries(statuses).reduce((sum, [code, count]) => (code.startsWith("2") ? sum + count : sum), 0);
  const output: PacedOutput = { sent: total, ok, statuses, errors, firstSentAtMs: start, maxSenderLagMs };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`paced-load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
