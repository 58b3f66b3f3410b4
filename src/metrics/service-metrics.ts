/**
 * The service's Prometheus metrics, made with prom-client. The names are a contract (outside checks
 * read them); they follow Prometheus naming (base units, `_total` counters, `_seconds`). The `bot`
 * label is on counters only (histograms get it with METRICS_PER_BOT_HISTOGRAMS), never a chat or a
 * user. Counters are fed through the UpdateObserver and two transformer callbacks; gauges are read
 * when the page is scraped, from what the process hands over.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ProcessingStatus } from "../processing/update-job.ts";
import type { UpdateObserver } from "../processing/update-observer.ts";
import type { TelegramOutcome } from "../telegram/request-watch.ts";
import type { MetricsSettings } from "./metrics-settings.ts";

/** What the gauges show, read at each scrape. */
export interface MetricsSources {
  /** Updates accepted and not done (waiting, running, waiting to retry). */
  backlog?: () => number | Promise<number>;
  /** Updates running now. */
  inFlight?: () => number;
  /** How many bots are in each state. */
  botStates: () => Record<string, number>;
  /** Queue mode, API side: jobs per queue family and state, and the live workers. */
  queue?: () => Promise<{ jobs: Array<{ queue: string; state: string; count: number }>; workers: number }>;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export class ServiceMetrics implements UpdateObserver {
  readonly registry = new Registry();
  private readonly accepted: Counter<"bot">;
  private readonly duplicate: Counter<"bot">;
  private readonly refusedTotal: Counter<"code">;
  private readonly processed: Counter<"bot" | "status">;
  private readonly retries: Counter<"bot">;
  private readonly telegramRequests: Counter<"method" | "outcome">;
  private readonly retryAfter: Counter;
  private readonly floodDelay: Counter<"bot">;
  private readonly duration: Histogram<string>;
  private readonly wait: Histogram<string>;
  private readonly perBot: boolean;

  constructor(settings: MetricsSettings, sources: MetricsSources) {
    const registers = [this.registry];
    this.perBot = settings.METRICS_PER_BOT_HISTOGRAMS;
    collectDefaultMetrics({ register: this.registry });
    this.accepted = new Counter({ name: "clustered_bots_updates_accepted_total", help: "Updates taken by intake (answered 200), per bot.", labelNames: ["bot"], registers });
    this.duplicate = new Counter({ name: "clustered_bots_updates_duplicate_total", help: "Redeliveries of updates already taken (answered 200, not handled again), per bot.", labelNames: ["bot"], registers });
    this.refusedTotal = new Counter({ name: "clustered_bots_updates_refused_total", help: "Requests the intake routes refused, by error code.", labelNames: ["code"], registers });
    this.processed = new Counter({ name: "clustered_bots_updates_processed_total", help: "Updates done, per bot and status (success, error, cancelled), as the journal records them.", labelNames: ["bot", "status"], registers });
    this.retries = new Counter({ name: "clustered_bots_update_retries_total", help: "Runs of an update scheduled again after its handler failed, per bot.", labelNames: ["bot"], registers });
    this.telegramRequests = new Counter({ name: "clustered_bots_telegram_requests_total", help: "Requests to the Bot API, by method and outcome (ok, 429, 4xx, 5xx, network).", labelNames: ["method", "outcome"], registers });
    this.retryAfter = new Counter({ name: "clustered_bots_telegram_retry_after_seconds_total", help: "Seconds of retry_after Telegram asked for in its 429 answers.", registers });
    this.floodDelay = new Counter({ name: "clustered_bots_flood_delay_seconds_total", help: "Seconds sends waited for a flood-control slot, per bot.", labelNames: ["bot"], registers });
    const histogramLabels = this.perBot ? ["bot"] : [];
    this.duration = new Histogram({ name: "clustered_bots_update_duration_seconds", help: "Handling time of one run of an update's handlers.", labelNames: histogramLabels, buckets: DURATION_BUCKETS, registers });
    this.wait = new Histogram({ name: "clustered_bots_update_wait_seconds", help: "From acceptance to the start of an update's first run.", labelNames: histogramLabels, buckets: WAIT_BUCKETS, registers });
    this.gauges(sources, registers);
  }

  /** Each labelled child made once: prom-client hashes the label values on every `labels()` call. */
  private readonly children = new Map<Counter<string>, Map<string, { inc(value?: number): void }>>();

  private child(counter: Counter<string>, ...values: string[]): { inc(value?: number): void } {
    let byValues = this.children.get(counter);
    if (byValues === undefined) {
      byValues = new Map();
      this.children.set(counter, byValues);
    }
    const key = values.join("\u0000");
    let child = byValues.get(key);
    if (child === undefined) {
      child = counter.labels(...values);
      byValues.set(key, child);
    }
    return child;
  }

  admitted(bot: string, result: "accepted" | "duplicate"): void {
    this.child(result === "accepted" ? this.accepted : this.duplicate, bot).inc();
  }

  refused(code: string): void {
    this.child(this.refusedTotal, code).inc();
  }

  started(bot: string, waitMs: number): void {
    if (this.perBot) this.wait.labels(bot).observe(waitMs / 1000);
    else this.wait.observe(waitMs / 1000);
  }

  handled(bot: string, handlingMs: number): void {
    if (this.perBot) this.duration.labels(bot).observe(handlingMs / 1000);
    else this.duration.observe(handlingMs / 1000);
  }

  retried(bot: string): void {
    this.child(this.retries, bot).inc();
  }

  settled(bot: string, status: ProcessingStatus): void {
    this.child(this.processed, bot, status).inc();
  }

  telegramRequest(method: string, outcome: TelegramOutcome, retryAfterSeconds: number | undefined): void {
    this.child(this.telegramRequests, method, outcome).inc();
    if (retryAfterSeconds !== undefined) this.retryAfter.inc(retryAfterSeconds);
  }

  floodDelayed(bot: string, waitedMs: number): void {
    this.child(this.floodDelay, bot).inc(waitedMs / 1000);
  }

  /** The page in the Prometheus text format. */
  async page(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private gauges(sources: MetricsSources, registers: Registry[]): void {
    if (sources.backlog !== undefined) {
      const backlog = sources.backlog;
      new Gauge({ name: "clustered_bots_backlog_updates", help: "Updates accepted and not done yet (waiting, running or waiting to retry).", registers, async collect() { this.set(await backlog()); } });
    }
    if (sources.inFlight !== undefined) {
      const inFlight = sources.inFlight;
      new Gauge({ name: "clustered_bots_in_flight_updates", help: "Updates whose handlers run now.", registers, collect() { this.set(inFlight()); } });
    }
    new Gauge({
      name: "clustered_bots_bots",
      help: "Bots in each state.",
      labelNames: ["state"],
      registers,
      collect() {
        for (const [state, count] of Object.entries(sources.botStates())) this.labels(state).set(count);
      },
    });
    if (sources.queue !== undefined) {
      // One read of Redis serves both gauges of a scrape.
      const queue = sources.queue;
      let reading: ReturnType<typeof queue> | undefined;
      const read = () => {
        reading ??= queue().finally(() => setImmediate(() => (reading = undefined)));
        return reading.catch(() => undefined);
      };
      new Gauge({
        name: "clustered_bots_queue_jobs",
        help: "Jobs in Redis per queue (telegram_updates summed over its partitions, drf_save) and state.",
        labelNames: ["queue", "state"],
        registers,
        async collect() {
          for (const { queue: name, state, count } of (await read())?.jobs ?? []) this.labels(name, state).set(count);
        },
      });
      new Gauge({
        name: "clustered_bots_queue_workers",
        help: "Live queue workers (those sharing partitions).",
        registers,
        async collect() {
          const seen = await read();
          if (seen !== undefined) this.set(seen.workers);
        },
      });
    }
  }
}
