/**
 * A queue-mode deployment for multi-process tests: a Bot API stand-in, a bots folder, API
 * processes and worker processes as real children sharing one Redis under a unique prefix, plus
 * the gateway's side (POST with retries on 503) and the checks every test makes on what the
 * stand-in received (each update once, each chat in order).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startBotApiStandIn, type BotApiStandIn } from "./bot-api-stand-in/bot-api-stand-in.ts";
import { createBotsDir, testKey, type BotFiles, type BotsDir } from "./bot-fixtures.ts";
import { spawnService, type ServiceProcess } from "./service-process.ts";
import { spawnWorker } from "./worker-process.ts";
import { deletePrefix, uniquePrefix } from "./redis.ts";
import { textUpdate } from "./service-harness.ts";
import { until } from "./until.ts";

export interface QueueDeployment {
  standIn: BotApiStandIn;
  bots: BotsDir;
  prefix: string;
  env: Record<string, string>;
  apis: ServiceProcess[];
  workers: ServiceProcess[];
  close(): Promise<void>;
}

export async function startQueueDeployment(options: {
  redisUrl: string;
  bots: Record<string, BotFiles>;
  apis: number;
  workers: number;
  env?: Record<string, string>;
  /** A stand-in the caller started (and closes). @defaultValue one of the deployment's own, closed with it */
  standIn?: BotApiStandIn;
}): Promise<QueueDeployment> {
  const standIn = options.standIn ?? (await startBotApiStandIn());
  const bots = createBotsDir(options.bots);
  const logDir = mkdtempSync(path.join(os.tmpdir(), "cb-queue-logs-"));
  const prefix = uniquePrefix("mp");
  const env: Record<string, string> = {
    BOTS_DIR: bots.dir,
    TELEGRAM_API_ROOT: standIn.apiRoot,
    LOG_DIR: logDir,
    LOG_LEVEL: "debug",
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: prefix,
    QUEUE_PARTITIONS: "8",
    QUEUE_LOCK_DURATION_MS: "2000",
    QUEUE_STALLED_INTERVAL_MS: "500",
    QUEUE_WORKER_HEARTBEAT_MS: "100",
    QUEUE_WORKER_TIMEOUT_MS: "1000",
    HANDLER_RETRY_BASE_MS: "20",
    API_RETRY_BASE_MS: "10",
    ...options.env,
  };
  const spawned = await Promise.allSettled([
    ...Array.from({ length: options.apis }, () => spawnService({ env })),
    ...Array.from({ length: options.workers }, () => spawnWorker({ env })),
  ]);
  const children = spawned.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  async function close(): Promise<void> {
    for (const child of children) {
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill("SIGKILL");
    }
    await Promise.all(children.map((child) => child.exited));
    if (options.standIn === undefined) await standIn.close();
    bots.cleanup();
    rmSync(logDir, { recursive: true, force: true });
    await deletePrefix(options.redisUrl, prefix);
  }
  const failure = spawned.find((result) => result.status === "rejected");
  if (failure !== undefined) {
    // Whatever did start is stopped and removed before the test sees the error.
    await close();
    throw failure.reason;
  }
  const apis = children.slice(0, options.apis);
  try {
    // An API process listens before its Redis connection is up (it answers 503 until then): on a
    // busy machine, or a Redis Cluster whose slots it is still learning, the first update would be refused.
    for (const api of apis) await until(async () => (await redisSeenBy(api)) === "reachable", 60_000, 50);
  } catch (error) {
    await close();
    throw error;
  }
  return { standIn, bots, prefix, env, apis, workers: children.slice(options.apis), close };
}

/** What an API process's /readyz says of its Redis ("reachable", "unreachable"), undefined while it cannot say. */
async function redisSeenBy(api: ServiceProcess): Promise<string | undefined> {
  try {
    const body = (await (await fetch(`${api.url}/readyz`)).json()) as { queue?: { redis?: string } };
    return body.queue?.redis;
  } catch {
    return undefined;
  }
}

/** POSTs an update as the gateway does; returns the status and Retry-After. */
export async function postUpdate(api: ServiceProcess, botName: string, update: unknown): Promise<{ status: number; retryAfter: string | null }> {
  const response = await fetch(`${api.url}/internal/update`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-internal-key": testKey(botName) },
    body: JSON.stringify({ bot_name: botName, update }),
  });
  await response.arrayBuffer();
  return { status: response.status, retryAfter: response.headers.get("retry-after") };
}

/** Labels the stand-in received, per chat, in arrival order. */
export function labelsByChat(standIn: BotApiStandIn): Map<string, string[]> {
  const byChat = new Map<string, string[]>();
  for (const message of [...standIn.sentMessages()].sort((a, b) => a.seq - b.seq)) {
    const chat = String(message.chatId);
    byChat.set(chat, [...(byChat.get(chat) ?? []), message.text]);
  }
  return byChat;
}

/** Whether `worker` logged the start of update `updateId`. */
export function startedOn(worker: ServiceProcess, updateId: number): boolean {
  return worker.logs().some((l) => l.msg === "update job started" && l.update_id === updateId);
}

/**
 * The worker-kill scenario the queue tests share: chat 1's first update (100) sleeps 2.5 s in its
 * handler, and the worker running it is SIGKILLed; then chats 1-6 post their next updates (four
 * each, `<handlerMs>:c<chat>-<i>`) through the first two APIs in turn, all answered 200, and the
 * stand-in receives 24 replies. Returns the killed worker and the replies by chat.
 */
export async function killWorkerMidUpdate(d: QueueDeployment, botName: string, handlerMs: number, timeoutMs: number): Promise<{ victim: ServiceProcess; byChat: Map<string, string[]> }> {
  const [api1, api2] = d.apis as [ServiceProcess, ServiceProcess];
  const accepted = async (api: ServiceProcess, updateId: number, chat: number, text: string): Promise<void> => {
    const { status } = await postUpdate(api, botName, textUpdate(updateId, chat, text));
    if (status !== 200) throw new Error(`update ${updateId} answered ${status}`);
  };
  await accepted(api1, 100, 1, "2500:c1-0");
  const victim = await until(() => d.workers.find((w) => startedOn(w, 100)));
  victim.child.kill("SIGKILL");
  await Promise.all(
    [1, 2, 3, 4, 5, 6].map(async (chat) => {
      for (let i = chat === 1 ? 1 : 0; i < 4; i++) await accepted(i % 2 === 0 ? api1 : api2, chat * 100 + i, chat, `${handlerMs}:c${chat}-${i}`);
    }),
  );
  await d.standIn.waitFor((s) => s.sentMessages().length >= 24, { timeoutMs });
  await new Promise((r) => setTimeout(r, 300));
  return { victim, byChat: labelsByChat(d.standIn) };
}
