/**
 * A load that behaves like Telegram or the gateway under faults: updates are due at a steady
 * rate, each chat's updates are sent one after another (the next only once the last was taken),
 * and an update is sent again, to the next API process in turn, until one answers 200: a 503, a
 * refused connection (a process being restarted) or a timeout is retried with backoff, never
 * dropped. The text of update `i` of chat `c` is `c<c>-<i> t<due ms>`, so replies tell their chat,
 * their place and their latency.
 *
 *   node --import tsx bench/load/gateway-load.ts <input.json>   (a GatewayLoadInput)
 *
 * Writes the accepted updates (chat, index, update_id, when taken, tries) to `outputFile` and
 * prints one JSON line: GatewayLoadOutput.
 */
import { writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import type { FarmBot } from "../lib/bot-farm.ts";
import { readScriptInput } from "../lib/processes.ts";
import { wallClockMs } from "../lib/stats.ts";

export interface GatewayLoadInput {
  /** API processes' base URLs; tries go round them. */
  urls: string[];
  bots: FarmBot[];
  chats: number;
  ratePerSecond: number;
  durationSeconds: number;
  idBase: number;
  /** Where the list of accepted updates goes. */
  outputFile: string;
}

export interface AcceptedUpdate {
  bot: string;
  chat: number;
  index: number;
  updateId: number;
  acceptedAt: number;
  tries: number;
}

export interface GatewayLoadOutput {
  due: number;
  accepted: number;
  /** Tries that were not a 200, by what they got ("503", "refused", "timeout", ...). */
  failedTries: Record<string, number>;
  firstDueAtMs: number;
  maxSenderLagMs: number;
}

const TRY_TIMEOUT_MS = 5000;

function post(url: URL, agent: Agent, bot: FarmBot, body: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port, method: "POST", path: "/internal/update", agent, timeout: TRY_TIMEOUT_MS, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-internal-key": bot.key } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(String(res.statusCode ?? 0)));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.message === "timeout" ? "timeout" : error.code === "ECONNREFUSED" ? "refused" : (error.code ?? "error")));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const input = readScriptInput<GatewayLoadInput>();
  const urls = input.urls.map((u) => new URL(u));
  const agents = urls.map(() => new Agent({ keepAlive: true, maxSockets: 256 }));
  const total = Math.round(input.ratePerSecond * input.durationSeconds);
  const accepted: AcceptedUpdate[] = [];
  const failedTries: Record<string, number> = {};
  let turn = 0;
  let maxSenderLagMs = 0;
  const start = wallClockMs() + 50;
  // Per chat: the promise of its last update, so the next one waits for it.
  const chains = new Map<number, Promise<void>>();

  const deliver = async (n: number, dueAt: number): Promise<void> => {
    const bot = input.bots[n % input.bots.length] as FarmBot;
    const chat = 1 + (n % input.chats);
    const index = Math.floor(n / input.chats);
    const updateId = input.idBase + n;
    const body = JSON.stringify({
      bot_name: bot.name,
      update: { update_id: updateId, message: { message_id: updateId, date: Math.floor(dueAt / 1000), chat: { id: chat, type: "private" }, from: { id: chat, is_bot: false, first_name: "chaos" }, text: `c${chat}-${index} t${dueAt.toFixed(3)}` } },
    });
    for (let tries = 1; ; tries++) {
      const at = turn++ % urls.length;
      const status = await post(urls[at] as URL, agents[at] as Agent, bot, body);
      if (status === "200") {
        accepted.push({ bot: bot.name, chat, index, updateId, acceptedAt: wallClockMs(), tries });
        return;
      }
      failedTries[status] = (failedTries[status] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** Math.min(tries, 5))));
    }
  };

  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = wallClockMs();
      while (next < total) {
        const dueAt = start + (next * 1000) / input.ratePerSecond;
        if (dueAt > now) break;
        maxSenderLagMs = Math.max(maxSenderLagMs, now - dueAt);
        const n = next++;
        const chat = 1 + (n % input.chats);
        const previous = chains.get(chat) ?? Promise.resolve();
        chains.set(chat, previous.then(() => deliver(n, dueAt)));
      }
      if (next >= total) resolve();
      else setTimeout(tick, 1);
    };
    setTimeout(tick, 50);
  });
  await Promise.all(chains.values());
  for (const agent of agents) agent.destroy();
  writeFileSync(input.outputFile, JSON.stringify(accepted));
  const output: GatewayLoadOutput = { due: total, accepted: accepted.length, failedTries, firstDueAtMs: start, maxSenderLagMs };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway-load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
