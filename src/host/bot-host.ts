/**
 * The host of a process's bots: owns the registry, the processor and the optional HTTP API, and
 * runs one lifecycle for all of them. `start()` listens, starts the bots (getMe, in the
 * background) and the processor; `stop()` refuses new updates, lets the components stop taking
 * them, drains the processor up to the deadline, then closes everything in reverse. The API
 * process, the queue worker and the tests all run through it; building it opens nothing.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { BotInfoCache } from "../bots/bot-info-cache.ts";
import type { BotRegistry } from "../bots/bot-registry.ts";
import type { BotsSettings } from "../bots/bots-settings.ts";
import { startBots } from "../bots/start-bots.ts";
import { sleep } from "../telegram/backoff.ts";
import { listenConfigError, type ListenTarget } from "../http/listen-error.ts";
import type { HostComponent } from "./host-component.ts";
import type { HostSettings } from "./host-settings.ts";
import type { Processor, UnfinishedUpdate } from "./processor.ts";

export interface BotHostOptions<P extends Processor> {
  settings: HostSettings & Pick<BotsSettings, "GETME_CONCURRENCY">;
  logger: Logger;
  registry: BotRegistry;
  processor: P;
  /** Closed first at shutdown, so new updates are refused (503). */
  admission?: { close(): void };
  /** The HTTP API, where it listens and the settings that say so (a queue worker may have none). */
  http?: { app: FastifyInstance } & ListenTarget;
  components?: readonly HostComponent[];
  /** getMe's answers of earlier starts (GETME_CACHE): a bot found there is ready at once. */
  botInfoCache?: BotInfoCache;
}

export interface StopReport {
  /** Updates accepted but not finished by the deadline. */
  unfinished: UnfinishedUpdate[];
}

type HostState = "built" | "running" | "stopping" | "stopped";

export class BotHost<P extends Processor = Processor> {
  readonly registry: BotRegistry;
  readonly processor: P;
  private state: HostState = "built";
  private readonly getMeAbort = new AbortController();
  private botsStarted: Promise<void> = Promise.resolve();
  /** The start under way, settled either way: a stop that comes during it waits for it. */
  private started: Promise<unknown> = Promise.resolve();
  private stopped: Promise<StopReport> | undefined;

  constructor(private readonly options: BotHostOptions<P>) {
    this.registry = options.registry;
    this.processor = options.processor;
  }

  /** True once shutdown began. */
  get stopping(): boolean {
    return this.state === "stopping" || this.state === "stopped";
  }

  /**
   * Listens (when there is an HTTP API), starts the bots in the background and the processor. A
   * stop that comes meanwhile (SIGTERM while 10,000 folders are being watched) waits for it.
   */
  start(): Promise<{ address: string | undefined }> {
    if (this.state !== "built") return Promise.reject(new Error(`the host cannot start: it is ${this.state}`));
    this.state = "running";
    const starting = this.startParts();
    this.started = starting.catch(() => undefined);
    return starting;
  }

  private async startParts(): Promise<{ address: string | undefined }> {
    const { http, settings, logger } = this.options;
    let address: string | undefined;
    if (http !== undefined) {
      try {
        address = await http.app.listen({ host: http.host, port: http.port });
      } catch (error) {
        throw listenConfigError(error, http) ?? error;
      }
    }
    this.botsStarted = startBots(this.registry.bots(), { logger, concurrency: settings.GETME_CONCURRENCY, signal: this.getMeAbort.signal, cache: this.options.botInfoCache });
    await this.processor.start();
    for (const component of this.options.components ?? []) await component.start?.();
    return { address };
  }

  /** Refuses new updates, finishes accepted ones up to `deadlineMs`, then closes everything. Runs once. */
  stop(deadlineMs = this.options.settings.SHUTDOWN_DEADLINE_MS): Promise<StopReport> {
    this.stopped ??= this.shutDown(deadlineMs);
    return this.stopped;
  }

  private async shutDown(deadlineMs: number): Promise<StopReport> {
    this.state = "stopping";
    const { logger } = this.options;
    const components = this.options.components ?? [];
    this.options.admission?.close();
    // A stop during the start (intake may already be open): the start runs to its end first, so
    // that everything it started is then stopped in order and nothing starts after it was closed.
    // A start that hangs (a step waiting on a service that does not answer) is waited for up to
    // the deadline.
    const begin = Date.now();
    const timer = new AbortController();
    await Promise.race([this.started, sleep(deadlineMs, timer.signal).catch(() => undefined)]);
    timer.abort();
    deadlineMs = Math.max(0, deadlineMs - (Date.now() - begin));
    for (const component of components) {
      await component.stopTaking?.().catch((error: unknown) => logger.error({ err: error, component: component.name }, "component failed to stop taking updates"));
    }
    const unfinished = await this.processor.drain(deadlineMs);
    for (const component of [...components].reverse()) {
      await component.close?.().catch((error: unknown) => logger.error({ err: error, component: component.name }, "component failed to close"));
    }
    await this.processor.close();
    this.getMeAbort.abort();
    await this.botsStarted;
    await this.options.http?.app.close();
    this.state = "stopped";
    logger.info({ unfinished: unfinished.length }, "shutdown complete");
    return { unfinished };
  }
}
