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
import { CounterTally } from "./counter-tally.ts";
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
  // Counted here, moved into their prom-client counters at each scrape (counter-tally.ts).
  private readonly accepted = new CounterTally(["bot"]);
  private readonly duplicate = new CounterTally(["bot"]);
  private readonly refusedTotal = new CounterTally(["code"]);
  private readonly processed = new CounterTally(["bot", "status"]);
  private readonly retries = new CounterTally(["bot"]);
  private readonly telegramRequests = new CounterTally(["method", "outcome"]);
  private readonly retryAfter = new CounterTally([]);
  private readonly floodDelay = new CounterTally(["bot"]);
  private readonly duration: Histogram<string>;
  private readonly wait: Histogram<string>;
  private readonly perBot: boolean;

  constructor(settings: MetricsSettings, sources: MetricsSources) {
    const registers = [this.registry];
    this.perBot = settings.METRICS_PER_BOT_HISTOGRAMS;
    collectDefaultMetrics({ register: this.registry });
    const counter = <L extends string>(name: string, help: string, tally: CounterTally<L>): void => {
      new Counter({ name, help, labelNames: tally.labelNames, registers, collect() { tally.flushInto(this); } });
    };
    counter("clustered_bots_updates_accepted_total", "Updates taken by intake (answered 200), per bot.", this.accepted);
    counter("clustered_bots_updates_duplicate_total", "Redeliveries of updates already taken (answered 200, not handled again), per bot.", this.duplicate);
    counter("clustered_bots_updates_refused_total", "Requests the intake routes refused, by error code.", this.refusedTotal);
    counter("clustered_bots_updates_processed_total", "Updates done, per bot and status (success, error, cancelled), as the journal records them.", this.processed);
    counter("clustered_bots_update_retries_total", "Runs of an update scheduled again after its handler failed, per bot.", this.retries);
    counter("clustered_bots_telegram_requests_total", "Requests to the Bot API, by method and outcome (ok, 429, 4xx, 5xx, network).", this.telegramRequests);
    counter("clustered_bots_telegram_retry_after_seconds_total", "Seconds of retry_after Telegram asked for in its 429 answers.", this.retryAfter);
    counter("clustered_bots_flood_delay_seconds_total", "Seconds sends waited for a flood-control slot, per bot.", this.floodDelay);
    const histogramLabels = this.perBot ? ["bot"] : [];
    this.duration = new Histogram({ name: "clustered_bots_update_duration_seconds", help: "Handling time of one run of an update's handlers.", labelNames: histogramLabels, buckets: DURATION_BUCKETS, registers });
    this.wait = new Histogram({ name: "clustered_bots_update_wait_seconds", help: "From acceptance to the start of an update's first run.", labelNames: histogramLabels, buckets: WAIT_BUCKETS, registers });
    this.gauges(sources, registers);
  }

  admitted(bot: string, result: "accepted" | "duplicate"): void {
    (result === "accepted" ? this.accepted : this.duplicate).add([bot]);
  }

  refused(code: string): void {
    this.refusedTotal.add([code]);
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
    this.retries.add([bot]);
  }

  settled(bot: string, status: ProcessingStatus): void {
    this.processed.add([bot, status]);
  }

  telegramRequest(method: string, outcome: TelegramOutcome, retryAfterSeconds: number | undefined): void {
    this.telegramRequests.add([method, outcome]);
    if (retryAfterSeconds !== undefined) this.retryAfter.add([], retryAfterSeconds);
  }

  floodDelayed(bot: string, waitedMs: number): void {
    this.floodDelay.add([bot], waitedMs / 1000);
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
