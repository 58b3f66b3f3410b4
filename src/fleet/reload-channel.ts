/**
 * Queue mode's reload request, through Redis pub/sub, so every API and worker process rescans its
 * own copy of BOTS_DIR, on whatever machine it runs: `npm run bots -- reload [--bot NAME]`
 * publishes a request; each process rescans and publishes what it did (which folders it loaded
 * again or removed, what failed, by code and file, never a reason that could quote a secret); the
 * command prints the answers. A process subscribes on a connection of its own (a subscribed Redis
 * connection can do nothing else); ioredis subscribes again after a reconnect.
 */
import { hostname } from "node:os";
import type { Logger } from "pino";
import { keyPrefixOf } from "../queue/queue-names.ts";
import type { RedisConnection } from "../queue/redis-connection.ts";
import { sleep } from "../telegram/backoff.ts";
import type { RescanReport } from "./fleet-reloader.ts";

export interface ReloadRequest {
  id: string;
  /** A BOT_NAME or folder to load again even if unchanged; undefined: every folder that changed. */
  bot?: string;
}

export interface ReloadAnswer extends RescanReport {
  id: string;
  /** "api" or "worker", with the host and pid. */
  process: string;
  failed: Array<{ folder: string; code: string; file: string | undefined; olderVersionServing: boolean }>;
}

export function reloadChannelOf(prefix: string): string {
  return `${keyPrefixOf(prefix)}:fleet:reload`;
}

export function answerChannelOf(prefix: string): string {
  return `${keyPrefixOf(prefix)}:fleet:reloaded`;
}

export interface ReloadChannelOptions {
  /** Answers are published here. */
  connection: RedisConnection;
  /** A new connection to subscribe on. */
  subscriber: () => RedisConnection;
  prefix: string;
  role: "api" | "worker";
  logger: Logger;
  /** Rescans and says what it did. */
  rescan: (request: ReloadRequest) => Promise<Omit<ReloadAnswer, "id" | "process">>;
}

/** How long start() waits for the subscription before going on without it. */
const SUBSCRIBE_WAIT_MS = 5000;

/** A process's side: hears requests and answers them. */
export class ReloadListener {
  private subscriber: RedisConnection | undefined;

  constructor(private readonly options: ReloadChannelOptions) {}

  async start(): Promise<void> {
    const { prefix, logger } = this.options;
    const subscriber = this.options.subscriber();
    this.subscriber = subscriber;
    // Errors are the main connection's to report; a subscriber only reconnects.
    subscriber.on("error", () => undefined);
    subscriber.on("message", (_channel: string, message: string) => void this.handle(message));
    const channel = reloadChannelOf(prefix);
    // Awaited, so a process that says it is started hears the next `bots reload` (a request
    // published before the subscription is made reaches nobody, and the command, counting only
    // subscribers, would not know). Bounded: with Redis away the subscription is made once it is back.
    const subscribed = subscriber.subscribe(channel).then(
      () => true,
      (error: unknown) => {
        logger.warn({ err: error }, "reload channel: subscribe failed, retried on reconnect");
        return true;
      },
    );
    const timer = new AbortController();
    const inTime = await Promise.race([subscribed, sleep(SUBSCRIBE_WAIT_MS, timer.signal).then(() => false, () => false)]);
    timer.abort();
    if (!inTime) logger.warn(`reload channel: not subscribed within ${SUBSCRIBE_WAIT_MS / 1000} s (is Redis reachable?); the subscription is made once it is`);
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
  }

  private async handle(message: string): Promise<void> {
    const { logger, connection, prefix, role } = this.options;
    let request: ReloadRequest;
    try {
      const parsed = JSON.parse(message) as Partial<ReloadRequest>;
      if (typeof parsed.id !== "string") throw new Error("no id");
      request = { id: parsed.id, ...(typeof parsed.bot === "string" ? { bot: parsed.bot } : {}) };
    } catch {
      logger.warn("reload channel: a message that is not a reload request was ignored");
      return;
    }
    logger.info({ request: request.id, bot: request.bot }, "reload requested through Redis: rescanning BOTS_DIR");
    const done = await this.options.rescan(request);
    const answer: ReloadAnswer = { id: request.id, process: `${role} ${hostname()} pid ${process.pid}`, ...done };
    await connection.publish(answerChannelOf(prefix), JSON.stringify(answer)).catch((error: unknown) => logger.warn({ err: error }, "reload channel: answer not published"));
  }
}
